import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { grantApplyPermissions } from './apply-permissions.ts';
import { type AssetKey, PROBE_CONTEXT_CONDITION, PROBE_CONTEXT_VALUE } from './asset-key.ts';
import type { BackendFunctions } from './backend-functions.ts';
import { acknowledgeWildcardResource } from './nag-finding.ts';
import type { Notifications } from './notifications.ts';
import { allowObjects, allowTable, TABLE_READ, TABLE_WRITE } from './resource-grants.ts';

export interface FunctionPermissionsProps {
  functions: BackendFunctions;
  submissionsBucket: Bucket;
  artifactsBucket: Bucket;
  revisionsTable: Table;
  assetKey: AssetKey;
  notifications: Notifications;
  stateMachineArn: string;
  stateMachineName: string;
  deploymentRoleArn: string;
}

/**
 * Grants each function exactly the calls its step makes. Actions are listed one by one (no
 * `Get*`-style wildcards) and object access is limited to the `clusters/` prefix.
 */
export function grantFunctionPermissions(props: FunctionPermissionsProps): void {
  const { functions, artifactsBucket, submissionsBucket, revisionsTable } = props;
  const role = (name: keyof BackendFunctions['byName']): IRole => functions.byName[name].role;
  const executionsArn = Stack.of(functions).formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${props.stateMachineName}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });

  const executionsReason =
    'executions are named <cluster>-<revision> at run time; the pattern is limited to ' +
    'executions of the provision state machine';

  for (const name of ['submit-api', 'submit-s3'] as const) {
    allowObjects(role(name), artifactsBucket, ['s3:GetObject', 's3:PutObject']);
    allowTable(role(name), revisionsTable, TABLE_WRITE);
    role(name).addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [props.stateMachineArn],
      }),
    );
    // A repeated start of the same execution name is answered from DescribeExecution.
    role(name).addToPrincipalPolicy(
      new PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executionsArn] }),
    );
    acknowledgeWildcardResource(role(name), executionsArn, executionsReason);
  }
  allowObjects(role('submit-s3'), submissionsBucket, ['s3:GetObject', 's3:GetObjectVersion']);
  // The S3 submitter learns the validation outcome from this one object beside its upload.
  allowObjects(
    role('submit-s3'),
    submissionsBucket,
    ['s3:PutObject'],
    'clusters/*/validation.json',
  );

  grantValidatePermissions(role('validate'), props);

  for (const name of ['generate-assets', 'encrypt', 'render'] as const) {
    allowObjects(role(name), artifactsBucket, ['s3:GetObject', 's3:PutObject']);
  }
  // generate-assets records the asset fingerprints on the revision; encrypt and render work
  // from the artefacts alone.
  allowTable(role('generate-assets'), revisionsTable, TABLE_WRITE);
  props.assetKey.allowBackendSealing(role('generate-assets'));
  props.assetKey.allowNodeResealing(role('encrypt'));

  grantApplyPermissions(role('apply'), props);

  allowObjects(role('record'), artifactsBucket, ['s3:GetObject']);
  allowTable(role('record'), revisionsTable, TABLE_WRITE);
  props.notifications.allowPublish(role('record'));

  allowObjects(role('status-api'), artifactsBucket, ['s3:GetObject']);
  allowTable(role('status-api'), revisionsTable, TABLE_READ);
  role('status-api').addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
      resources: [executionsArn],
    }),
  );
  acknowledgeWildcardResource(role('status-api'), executionsArn, executionsReason);
}

/**
 * validate reads the account the cluster will live in (VPC, route tables, key pair, zones,
 * records) and proves the cluster's `kmsKeyArn` usable with DescribeKey and a one-byte Encrypt
 * under the adapter's probe context (adapters/aws/ec2-cloud-inventory.ts).
 */
function grantValidatePermissions(role: IRole, props: FunctionPermissionsProps): void {
  const stack = Stack.of(role);
  allowObjects(role, props.artifactsBucket, ['s3:GetObject', 's3:PutObject']);
  allowTable(role, props.revisionsTable, TABLE_READ);
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: [
        'ec2:DescribeAvailabilityZones',
        'ec2:DescribeKeyPairs',
        'ec2:DescribeRouteTables',
        'ec2:DescribeVpcs',
        'route53:ListHostedZonesByName',
      ],
      resources: ['*'],
    }),
  );
  const zones = `arn:${stack.partition}:route53:::hostedzone/*`;
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['route53:GetHostedZone', 'route53:ListResourceRecordSets'],
      resources: [zones],
    }),
  );
  acknowledgeWildcardResource(
    role,
    zones,
    'the hosted zone is named by each cluster.yaml; validate only reads zones and records',
  );

  // The cluster's key may be in any region of the account (the adapter asks the key's own
  // region); Encrypt is allowed only under the probe context, so nothing real is sealed here.
  const keys = stack.formatArn({ service: 'kms', region: '*', resource: 'key', resourceName: '*' });
  role.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['kms:DescribeKey'], resources: [keys] }),
  );
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['kms:Encrypt'],
      resources: [keys],
      conditions: { StringEquals: { [PROBE_CONTEXT_CONDITION]: PROBE_CONTEXT_VALUE } },
    }),
  );
  acknowledgeWildcardResource(
    role,
    keys,
    "the key is the cluster.yaml's kmsKeyArn, known only at run time; DescribeKey reveals " +
      'metadata only and Encrypt is limited to the probe encryption context',
  );
  props.assetKey.allowUsabilityProbe(role);
}
