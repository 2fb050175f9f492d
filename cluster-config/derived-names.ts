/**
 * Names the product derives from `clusterName`, with the limit AWS puts on each. Validation
 * checks every one so that a long cluster name fails here, not half-way through a deployment.
 */

/** Revision numbers are allocated upwards; ten digits cover any realistic history. */
export const MAX_REVISION_DIGITS = 10;

export interface DerivedName {
  /** What the name is, for messages: `API load balancer name`. */
  label: string;
  /** The name with `<clusterName>` written out, e.g. `<clusterName>-api`. */
  pattern: string;
  /** Characters the derived name adds to the cluster name. */
  extraLength: number;
  maxLength: number;
}

export function executionName(cluster: string, revision: number): string {
  return `${cluster}-${revision}`;
}

export function controllerRoleName(cluster: string): string {
  return `${cluster}-controller-role`;
}

export function workerRoleName(cluster: string): string {
  return `${cluster}-worker-role`;
}

export function apiLoadBalancerName(cluster: string): string {
  return `${cluster}-api`;
}

/** Every derived name, from the tightest limit to the loosest relative to the cluster name. */
export const DERIVED_NAMES: readonly DerivedName[] = [
  derive('API load balancer name', apiLoadBalancerName, 32),
  derive('IAM role name', controllerRoleName, 64),
  derive('IAM role name', workerRoleName, 64),
  {
    label: 'execution name',
    pattern: '<clusterName>-<revision>',
    extraLength: 1 + MAX_REVISION_DIGITS,
    maxLength: 80,
  },
  derive('CloudFormation stack name', (cluster) => cluster, 128),
];

function derive(label: string, build: (cluster: string) => string, maxLength: number): DerivedName {
  const placeholder = '<clusterName>';
  const pattern = build(placeholder);

  return { label, pattern, extraLength: pattern.length - placeholder.length, maxLength };
}
