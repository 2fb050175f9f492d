import type { LocalWorkflow } from '../adapters/embedded/local-workflow.ts';
import { logger } from '../lib/logger.ts';
import type { Deps } from '../pipeline/deps.ts';
import { recordFailureStep } from '../pipeline/record-step.ts';
import { ExecutionInputSchema } from '../schemas/state-payloads.ts';

/** The error a run cut off by a stop of the embedded backend is recorded with. */
export const INTERRUPTED_ERROR = {
  Error: 'States.Aborted',
  Cause: 'the embedded backend stopped while this run was in progress; submit the file again',
};

/**
 * Runs the workflow's own Record Failure step for every run the previous process left unfinished,
 * so its revision ends FAILED, the cluster lock is released and the next queued revision starts.
 */
export async function recordInterruptedRuns(workflow: LocalWorkflow, deps: Deps): Promise<number> {
  const interrupted = await workflow.takeInterrupted();
  for (const { name, input } of interrupted) {
    const parsed = ExecutionInputSchema.safeParse(input);
    if (!parsed.success) continue;
    const run = parsed.data;
    await recordFailureStep(
      { ...run, step: 'record-failure', state: { ...run, error: INTERRUPTED_ERROR } },
      deps,
    );
    logger.warn('interrupted run recorded as failed', {
      execution_name: name,
      cluster_name: run.cluster,
      revision: run.revision,
    });
  }

  return interrupted.length;
}
