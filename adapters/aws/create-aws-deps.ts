import { type RuntimeConfig, readRuntimeConfig } from '../../lib/runtime-config.ts';
import type { Deps } from '../../pipeline/deps.ts';
import type { ObjectStore } from '../../ports/object-store.ts';
import { CloudFormationDeployer } from './cloudformation-deployer.ts';
import { DynamoDbRevisionStore } from './dynamodb-revision-store.ts';
import { Ec2CloudInventory } from './ec2-cloud-inventory.ts';
import { KmsKeyService } from './kms-key-service.ts';
import { Route53DnsZones } from './route53-dns-zones.ts';
import { S3ObjectStore } from './s3-object-store.ts';
import { SfnWorkflow } from './sfn-workflow.ts';
import { SnsNotifier } from './sns-notifier.ts';

/** The Lambda functions' deps, plus the submissions bucket the S3 trigger reads from. */
export type AwsDeps = Deps & { submissions: ObjectStore };

export interface AwsDepsOverrides {
  /**
   * Path-style S3 requests, needed when AWS_ENDPOINT_URL points at an emulator (moto,
   * LocalStack) that cannot serve `<bucket>.<host>` names. Real S3 is fine either way.
   */
  forcePathStyle?: boolean;
  /** Credentials for emulators; absent in Lambda, where the role's credentials apply. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  now?: () => Date;
}

/**
 * Builds every AWS adapter from the runtime config. Endpoints are left to the SDK, which honours
 * AWS_ENDPOINT_URL and its per-service variants, so the same code runs against AWS or moto.
 * Building them all is cheap: each adapter imports its SDK module and makes its client on first
 * use, so a function that never calls EC2 never loads it.
 */
export function createAwsDeps(
  config: Readonly<RuntimeConfig> = readRuntimeConfig(),
  overrides: AwsDepsOverrides = {},
): AwsDeps {
  const { region } = config;
  const credentials = overrides.credentials;
  const auth = credentials === undefined ? {} : { credentials };
  const storeOptions = {
    region,
    ...auth,
    forcePathStyle: overrides.forcePathStyle ?? config.s3ForcePathStyle ?? false,
  };
  const now = overrides.now ?? (() => new Date());

  return {
    artifacts: new S3ObjectStore({ ...storeOptions, bucket: config.artifactsBucket }),
    submissions: new S3ObjectStore({ ...storeOptions, bucket: config.submissionsBucket }),
    revisions: new DynamoDbRevisionStore({
      tableName: config.revisionsTable,
      client: { region, ...auth },
      now,
    }),
    keys: new KmsKeyService({ keyId: config.assetKeyArn, region, ...auth }),
    deployer: new CloudFormationDeployer({
      region,
      ...auth,
      ...(config.deploymentRoleArn === undefined ? {} : { roleArn: config.deploymentRoleArn }),
    }),
    dns: new Route53DnsZones({ region, ...auth }),
    inventory: new Ec2CloudInventory({ region, ...auth }),
    workflow: new SfnWorkflow({ stateMachineArn: config.stateMachineArn, region, ...auth }),
    ...(config.notificationTopicArn === undefined
      ? {}
      : { notifier: new SnsNotifier({ topicArn: config.notificationTopicArn, region, ...auth }) }),
    queueMode: config.queueMode,
    now,
  };
}
