/**
 * The stack-name rule `clusterName` follows (CloudFormation: a letter, then letters, digits and
 * hyphens, at most 128 characters). One rule for the validator, the API's paths and the CLI.
 */
export const CLUSTER_NAME_PATTERN = /^[a-zA-Z][-a-zA-Z0-9]*$/;
export const CLUSTER_NAME_MAX_LENGTH = 128;

export function isClusterName(name: string): boolean {
  return CLUSTER_NAME_PATTERN.test(name) && name.length <= CLUSTER_NAME_MAX_LENGTH;
}
