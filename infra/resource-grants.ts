import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { acknowledgeWildcardResource } from './nag-finding.ts';

/** Every object the product writes sits under `clusters/` (see `lib/artifact-keys.ts`). */
export const CLUSTER_PREFIX = 'clusters/*';

export const TABLE_READ = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'];
export const TABLE_WRITE = [
  ...TABLE_READ,
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
];

/** Object actions under a key pattern, plus ListBucket so a missing key reads as 404. */
export function allowObjects(
  role: IRole,
  bucket: Bucket,
  actions: string[],
  pattern = CLUSTER_PREFIX,
) {
  const objects = bucket.arnForObjects(pattern);
  role.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [objects] }));
  acknowledgeWildcardResource(
    role,
    objects,
    `object keys carry cluster names and revision numbers known only at run time ` +
      `(lib/artifact-keys.ts); access is limited to ${actions.join(', ')} under ${pattern}`,
  );
  // Without ListBucket a missing object answers 403 instead of 404, and "no earlier assets"
  // would look like a permissions failure.
  role.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
  );
}

/** Item actions on the revisions table, which has no index. */
export function allowTable(role: IRole, table: Table, actions: string[]) {
  role.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [table.tableArn] }));
}
