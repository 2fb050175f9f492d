/**
 * Environment variable names, shared by `infra/` (which sets them on each function) and
 * `lib/runtime-config.ts` (which reads them). Never spell one of these names anywhere else.
 */
export const ENV = {
  artifactsBucket: 'KUBE_AWS_ARTIFACTS_BUCKET',
  submissionsBucket: 'KUBE_AWS_SUBMISSIONS_BUCKET',
  revisionsTable: 'KUBE_AWS_REVISIONS_TABLE',
  assetKeyArn: 'KUBE_AWS_ASSET_KEY_ARN',
  stateMachineArn: 'KUBE_AWS_STATE_MACHINE_ARN',
  queueMode: 'KUBE_AWS_QUEUE_MODE',
  notificationTopicArn: 'KUBE_AWS_NOTIFICATION_TOPIC_ARN',
  /** The role CloudFormation assumes for cluster stacks (CreateChangeSet `RoleARN`). */
  deploymentRoleArn: 'KUBE_AWS_DEPLOYMENT_ROLE_ARN',
  /**
   * `true` for path-style S3 requests: needed when AWS_ENDPOINT_URL points at an emulator (moto,
   * LocalStack) that cannot serve `<bucket>.<host>` names; never set in AWS.
   */
  s3ForcePathStyle: 'KUBE_AWS_S3_FORCE_PATH_STYLE',
  region: 'AWS_REGION',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];
