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
 */
export function createAwsDeps(
  config: Readonly<RuntimeConfig> = readRuntimeConfig(),
  overrides: AwsDepsOverrides = {},
): AwsDeps {
  const { region } = config;
  const credentials = overrides.credentials;
  const storeOptions = {
    region,
    ...(credentials === undefined ? {} : { credentials }),
    forcePathStyle: overrides.forcePathStyle ?? config.s3ForcePathStyle ?? false,
  };
  const now = overrides.now ?? (() => new Date());

  return {
    artifacts: new S3ObjectStore({ ...storeOptions, bucket: config.artifactsBucket }),
    submissions: new S3ObjectStore({ ...storeOptions, bucket: config.submissionsBucket }),
    revisions: new DynamoDbRevisionStore({
      tableName: config.revisionsTable,
      client: { region, ...(credentials === undefined ? {} : { credentials }) },
      now,
    }),
    keys: new KmsKeyService({
      keyId: config.assetKeyArn,
      region,
      ...(credentials === undefined ? {} : { credentials }),
    }),
    deployer: new CloudFormationDeployer({
      region,
      ...(credentials === undefined ? {} : { credentials }),
    }),
    dns: new Route53DnsZones({ region, ...(credentials === undefined ? {} : { credentials }) }),
    inventory: new Ec2CloudInventory({
      region,
      ...(credentials === undefined ? {} : { credentials }),
    }),
    workflow: new SfnWorkflow({
      stateMachineArn: config.stateMachineArn,
      region,
      ...(credentials === undefined ? {} : { credentials }),
    }),
    queueMode: config.queueMode,
    now,
  };
}
