import type * as CloudFormationSdk from '@aws-sdk/client-cloudformation';
import type {
  DescribeStackEventsCommandOutput,
  DescribeStackResourcesCommandOutput,
  StackEvent,
} from '@aws-sdk/client-cloudformation';

/** Builds one command from the SDK module, which the deployer loads only on its first call. */
export type BuildCloudFormationCommand = (sdk: typeof CloudFormationSdk) => object;

/** Sends one CloudFormation command; the deployer's guarded `call`. */
export type CloudFormationCall = <O>(
  operation: string,
  build: BuildCloudFormationCommand,
) => Promise<O>;

/** Events that only echo another resource's failure and hide the real cause. */
const ECHO_REASONS = [
  /resource creation cancelled/i,
  /resource update cancelled/i,
  /resource deletion cancelled/i,
  /the following resource\(s\) failed to/i,
];

/** Stack events are newest first; reading this many pages reaches any single operation's start. */
const MAX_EVENT_PAGES = 20;

/**
 * The first real failure of the operation that carried `clientToken`: the oldest `*_FAILED`
 * event of that operation whose reason is not an echo ("Resource creation cancelled") of another
 * resource's failure. Undefined when the events name no cause.
 */
export async function findFailureCause(
  call: CloudFormationCall,
  stackName: string,
  clientToken: string,
): Promise<string | undefined> {
  const failures: StackEvent[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_EVENT_PAGES; page++) {
    const output = await call<DescribeStackEventsCommandOutput>(
      'DescribeStackEvents',
      (sdk) => new sdk.DescribeStackEventsCommand({ StackName: stackName, NextToken: nextToken }),
    );
    for (const event of output.StackEvents ?? []) {
      if (event.ClientRequestToken !== clientToken) continue;
      if (!event.ResourceStatus?.endsWith('_FAILED')) continue;
      const reason = event.ResourceStatusReason ?? '';
      if (reason === '' || ECHO_REASONS.some((pattern) => pattern.test(reason))) continue;
      failures.push(event);
    }
    nextToken = output.NextToken;
    if (nextToken === undefined) break;
  }
  const first = failures.at(-1);
  if (first === undefined) return undefined;

  return `${first.LogicalResourceId} (${first.ResourceType}) ${first.ResourceStatus}: ${first.ResourceStatusReason}`;
}

/** What an operator must run for a stack that CloudFormation cannot move on its own. */
export async function describeRecovery(
  call: CloudFormationCall,
  stackName: string,
  stackStatus: string,
): Promise<{ cause: string; remedy: string }> {
  const output = await call<DescribeStackResourcesCommandOutput>(
    'DescribeStackResources',
    (sdk) => new sdk.DescribeStackResourcesCommand({ StackName: stackName }),
  );
  const failed = (output.StackResources ?? []).filter((resource) =>
    resource.ResourceStatus?.endsWith('_FAILED'),
  );
  const ids = failed.map((resource) => resource.LogicalResourceId ?? '?');
  const reasons = failed
    .map(
      (resource) =>
        `${resource.LogicalResourceId}: ${resource.ResourceStatusReason ?? 'no reason given'}`,
    )
    .join('; ');
  const cause = `stack ${stackName} is ${stackStatus}${reasons === '' ? '' : ` (${reasons})`}`;

  const listed = ids.join(' ');
  switch (stackStatus) {
    case 'UPDATE_ROLLBACK_FAILED': {
      const skip = ids.length === 0 ? '' : ` --resources-to-skip ${listed}`;
      const command = `aws cloudformation continue-update-rollback --stack-name ${stackName}${skip}`;
      return { cause, remedy: `fix the cause, then run: ${command}; or delete the stack` };
    }
    case 'DELETE_FAILED': {
      const retain = ids.length === 0 ? '' : ` --retain-resources ${listed}`;
      const blockers = ids.length === 0 ? 'the resources' : ids.join(', ');
      const command = `aws cloudformation delete-stack --stack-name ${stackName}${retain}`;
      return { cause, remedy: `remove what blocks ${blockers}, then run: ${command}` };
    }
    case 'UPDATE_FAILED':
      return {
        cause,
        remedy: `run: aws cloudformation rollback-stack --stack-name ${stackName}; then submit again`,
      };
    default:
      return {
        cause,
        remedy: `inspect the stack events of ${stackName}, resolve its status, then submit again`,
      };
  }
}
