/**
 * What points `kube-aws` in AWS mode at moto, with the buckets every AWS-mode test creates there
 * and the table, key and state dir this one made.
 */
export function buildAwsModeEnv(input: {
  endpoint: string;
  table: string;
  keyArn: string;
  stateDir: string;
}): NodeJS.ProcessEnv {
  return {
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_ENDPOINT_URL: input.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    KUBE_AWS_SUBMISSIONS_BUCKET: 'kube-aws-submissions-moto',
    KUBE_AWS_ARTIFACTS_BUCKET: 'kube-aws-artifacts-moto',
    KUBE_AWS_REVISIONS_TABLE: input.table,
    KUBE_AWS_ASSET_KEY_ARN: input.keyArn,
    KUBE_AWS_S3_FORCE_PATH_STYLE: 'true',
    KUBE_AWS_STATE_DIR: input.stateDir,
  };
}
