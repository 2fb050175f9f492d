import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { motoClientConfig } from '../support/moto.ts';

/**
 * What every AWS-mode test needs in a fresh moto: the submissions and artefacts buckets and the
 * KMS key that seals the assets. Returns the key's ARN.
 */
export async function createMotoAccount(endpoint: string): Promise<{ keyArn: string }> {
  const config = motoClientConfig(endpoint);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  for (const bucket of ['kube-aws-submissions-moto', 'kube-aws-artifacts-moto']) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
  s3.destroy();
  const kms = new KMSClient(config);
  const key = await kms.send(new CreateKeyCommand({ Description: 'kube-aws assets' }));
  kms.destroy();

  return { keyArn: key.KeyMetadata?.Arn as string };
}

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
