import type { DescribeChangeSetCommandOutput } from '@aws-sdk/client-cloudformation';
import { DependencyError } from '../../lib/errors.ts';
import type { CloudFormationCall } from './cloudformation-diagnosis.ts';

/** Pages of changes read for one summary; 100 pages of 100+ changes exceeds any cluster stack. */
const MAX_CHANGE_PAGES = 100;

/**
 * Polls DescribeChangeSet until the change set is CREATE_COMPLETE or FAILED, then collects every
 * page of its changes. Past the deadline it throws DependencyError: the step is retried, and the
 * retry finds the same change set by its client token instead of creating another.
 */
export async function waitForChangeSet(
  call: CloudFormationCall,
  options: {
    stackName: string;
    changeSetId: string;
    deadlineMs: number;
    intervalMs: number;
    sleep: (ms: number) => Promise<void>;
  },
): Promise<DescribeChangeSetCommandOutput> {
  const maxPolls = Math.max(1, Math.ceil(options.deadlineMs / Math.max(1, options.intervalMs)));
  let described: DescribeChangeSetCommandOutput | undefined;
  for (let poll = 0; poll < maxPolls; poll++) {
    described = await describe(call, options.stackName, options.changeSetId);
    if (described.Status === 'CREATE_COMPLETE' || described.Status === 'FAILED') break;
    await options.sleep(options.intervalMs);
  }
  if (described?.Status !== 'CREATE_COMPLETE' && described?.Status !== 'FAILED') {
    throw new DependencyError(
      `change set ${options.changeSetId} did not finish within ${options.deadlineMs} ms ` +
        `(received ${described?.Status})`,
    );
  }
  if (described.Status === 'FAILED') return described;

  const changes = [...(described.Changes ?? [])];
  let nextToken = described.NextToken;
  for (let page = 1; page < MAX_CHANGE_PAGES && nextToken !== undefined; page++) {
    const more = await describe(call, options.stackName, options.changeSetId, nextToken);
    changes.push(...(more.Changes ?? []));
    nextToken = more.NextToken;
  }

  return { ...described, Changes: changes, NextToken: undefined };
}

function describe(
  call: CloudFormationCall,
  stackName: string,
  changeSetId: string,
  nextToken?: string,
): Promise<DescribeChangeSetCommandOutput> {
  return call<DescribeChangeSetCommandOutput>(
    'DescribeChangeSet',
    (sdk) =>
      new sdk.DescribeChangeSetCommand({
        StackName: stackName,
        ChangeSetName: changeSetId,
        NextToken: nextToken,
      }),
  );
}
