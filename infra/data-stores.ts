import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Old object versions stay this long, so an overwritten submission or template can be restored. */
export const NONCURRENT_VERSION_RETENTION_DAYS = 90;

/**
 * The submissions and artefacts buckets, their access-log bucket, and the revisions table.
 * Everything is retained on stack deletion: revisions and artefacts are the audit trail.
 */
export class DataStores extends Construct {
  readonly accessLogBucket: Bucket;
  readonly submissionsBucket: Bucket;
  readonly artifactsBucket: Bucket;
  readonly revisionsTable: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.accessLogBucket = createProtectedBucket(this, 'AccessLogBucket');
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'this bucket is the server access log target of the other two; logging it into itself ' +
        'would log every log delivery',
    });

    this.submissionsBucket = createProtectedBucket(this, 'SubmissionsBucket', this.accessLogBucket);
    // The native property, not `eventBridgeEnabled`, which deploys a notification custom resource.
    (this.submissionsBucket.node.defaultChild as CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };

    this.artifactsBucket = createProtectedBucket(this, 'ArtifactsBucket', this.accessLogBucket);

    this.revisionsTable = new Table(this, 'RevisionsTable', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // AWS-owned keys cannot be audited in CloudTrail; the AWS-managed key can, at no key fee.
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

function createProtectedBucket(scope: Construct, id: string, logTarget?: Bucket): Bucket {
  return new Bucket(scope, id, {
    versioned: true,
    // SSE-S3: server access logs can only be delivered to an SSE-S3 bucket, and the artefacts
    // hold KMS ciphertext already, so a second key layer would add cost and no secrecy.
    encryption: BucketEncryption.S3_MANAGED,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    ...(logTarget === undefined
      ? {}
      : { serverAccessLogsBucket: logTarget, serverAccessLogsPrefix: `${id}/` }),
    lifecycleRules: [
      {
        id: 'ExpireNoncurrentVersions',
        // Current objects never expire: they are the latest submission, template or log.
        noncurrentVersionExpiration: Duration.days(NONCURRENT_VERSION_RETENTION_DAYS),
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      },
    ],
    removalPolicy: RemovalPolicy.RETAIN,
  });
}
