import { Stack } from 'aws-cdk-lib';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { FunctionPermissionsProps } from './function-permissions.ts';
import { acknowledgeWildcardResource } from './nag-finding.ts';
import { allowObjects, allowTable, TABLE_WRITE } from './resource-grants.ts';

/** Where the Flatcar AMI ids live (stack/template/render-outputs.ts), in any region. */
export function amiParameterArn(scope: IConstruct): string {
  return Stack.of(scope).formatArn({
    service: 'ssm',
    region: '*',
    resource: 'parameter',
    resourceName: 'kube-aws/*',
  });
}

export const AMI_PARAMETER_REASON =
  'AMI parameters are named per release channel and read in the cluster region; the pattern ' +
  'is limited to /kube-aws/ parameters of this account';

/**
 * apply drives CloudFormation for the cluster stacks, which carry the clusters' names and so are
 * only known at run time. CloudFormation creates the cluster's resources with the deployment
 * role, never with apply's own; apply may pass only that role, and only to CloudFormation.
 */
/** The tag apply sets on every cluster stack, with the cluster's name as its value. */
export const CLUSTER_STACK_TAG = 'KubernetesCluster';

export function grantApplyPermissions(role: IRole, props: FunctionPermissionsProps): void {
  allowObjects(role, props.artifactsBucket, ['s3:GetObject']);
  allowTable(role, props.revisionsTable, TABLE_WRITE);
  const stacks = Stack.of(role).formatArn({
    service: 'cloudformation',
    resource: 'stack',
    resourceName: '*',
  });
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: [
        'cloudformation:DeleteChangeSet',
        'cloudformation:DescribeChangeSet',
        'cloudformation:DescribeStackEvents',
        'cloudformation:DescribeStackResources',
        'cloudformation:DescribeStacks',
        'cloudformation:ExecuteChangeSet',
        'cloudformation:SetStackPolicy',
        'cloudformation:UpdateTerminationProtection',
      ],
      resources: [stacks],
    }),
  );
  // A change set must name the deployment role, so a cluster stack never runs with apply's
  // own credentials and apply cannot hand CloudFormation any other role.
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['cloudformation:CreateChangeSet'],
      resources: [stacks],
      conditions: { StringEquals: { 'cloudformation:RoleArn': props.deploymentRoleArn } },
    }),
  );
  // Only a stack left in ROLLBACK_COMPLETE by a failed first create is deleted, to retry; the
  // tag apply puts on every cluster stack (pipeline/apply-step.ts) keeps other stacks safe.
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['cloudformation:DeleteStack'],
      resources: [stacks],
      conditions: { Null: { [`aws:ResourceTag/${CLUSTER_STACK_TAG}`]: 'false' } },
    }),
  );
  acknowledgeWildcardResource(
    role,
    stacks,
    'cluster stacks are named after the clusters submitted at run time; the resources they ' +
      'create are limited by the deployment role, which is the only role apply may pass',
  );
  // The cluster template's AMI parameter is an SSM parameter type, resolved with the caller's
  // credentials when the change set is created.
  const amiParameters = amiParameterArn(role);
  role.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['ssm:GetParameters'], resources: [amiParameters] }),
  );
  acknowledgeWildcardResource(role, amiParameters, AMI_PARAMETER_REASON);
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [props.deploymentRoleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
    }),
  );
}
