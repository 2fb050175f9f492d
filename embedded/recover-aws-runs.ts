import type { LocalWorkflow } from '../adapters/embedded/local-workflow.ts';
import { describeError } from '../lib/errors.ts';
import { logger } from '../lib/logger.ts';
import type { Deps } from '../pipeline/deps.ts';
import { ExecutionInputSchema } from '../schemas/state-payloads.ts';
import { listExecutionClusters } from './list-local-runs.ts';
import type { ReadStackStatus } from './read-stack-status.ts';
import {
  type RecoveryReport,
  recordInterruptedRuns,
  recordRunsFailed,
} from './record-interrupted-runs.ts';

/**
 * Recovers, at an AWS-mode start, the runs a stopped process left behind on this state dir,
 * with the embedded start's own `recordInterruptedRuns` and the same report. The clusters come
 * from the executions on disk. A cut-off run is recorded FAILED (interrupted) first, with a cause
 * that says what its stack is doing now.
 *
 * Why FAILED and not a resumed poll of a stack still changing: the in-process runner cannot
 * start an execution at Wait For Stack, so resuming would mean a second execution of the whole
 * revision under a new name; and the process was stopped by its user (or killed), so quietly
 * running a poll of up to two hours inside the next `up`, for another file, would surprise them. Releasing the lock is safe: the next revision's Start Apply finds the
 * stack busy and waits for it to settle before making its own change set. The cause names the
 * stack, so the user can watch it settle; the record never claims an outcome nobody observed.
 *
 * The caller holds the state dir's lock, so no other process runs any of these executions.
 */
export async function recoverAwsRuns(
  workflow: LocalWorkflow,
  deps: Deps,
  readStackStatus: ReadStackStatus,
): Promise<RecoveryReport> {
  const failed: RecoveryReport['failed'] = [];
  const interrupted = await workflow.takeInterrupted(async (input) => {
    const parsed = ExecutionInputSchema.safeParse(input);
    const cause = parsed.success
      ? describeInterruption(parsed.data.cluster, await readStatusOrUndefined(parsed.data.cluster))
      : describeInterruption(undefined, undefined);

    return { Error: 'States.Aborted', Cause: cause };
  });
  for (const run of interrupted) {
    const recorded = await recordRunsFailed([run], run.error, deps);
    // A run cut off after it had recorded its final status keeps that status: not a failure.
    for (const entry of recorded) {
      if (!hadFinished(entry)) failed.push({ cluster: entry.cluster, revision: entry.revision });
    }
  }
  const report = await recordInterruptedRuns(workflow, deps, await listExecutionClusters(workflow));

  return { ...report, failed: [...failed, ...report.failed] };

  async function readStatusOrUndefined(stackName: string): Promise<StackReading> {
    try {
      return { status: await readStackStatus(stackName) };
    } catch (error: unknown) {
      // The revision is recorded either way: an unreadable stack only makes the cause vaguer.
      logger.warn('stack status unreadable during recovery', {
        stack_name: stackName,
        error: describeError(error),
      });

      return { unreadable: true };
    }
  }
}

/** Whether `recordRunsFailed` found the revision already finished (it says so when it does). */
function hadFinished(entry: object): boolean {
  return 'alreadyFinished' in entry && entry.alreadyFinished === true;
}

type StackReading = { status: string | undefined } | { unreadable: true };

/** The recorded cause of a run cut off by a stopped process, naming its stack's state now. */
export function describeInterruption(
  stackName: string | undefined,
  reading: StackReading | undefined,
): string {
  const stopped = 'the process running this revision stopped before it finished';
  if (stackName === undefined || reading === undefined) return `${stopped}; submit the file again`;
  const check = `aws cloudformation describe-stacks --stack-name ${stackName}`;
  if ('unreadable' in reading) {
    return `${stopped}, and stack ${stackName} could not be read; the stack may still be changing: check it with ${check}, then submit the file again`;
  }
  if (reading.status === undefined) {
    return `${stopped}; stack ${stackName} does not exist; submit the file again`;
  }
  if (reading.status.endsWith('_IN_PROGRESS')) {
    return `${stopped}; stack ${stackName} is still ${reading.status}, so it may still be changing: wait until ${check} shows it settled, then submit the file again`;
  }

  return `${stopped}; stack ${stackName} is ${reading.status} now; submit the file again`;
}
