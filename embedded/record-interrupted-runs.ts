import type { LocalWorkflow } from '../adapters/embedded/local-workflow.ts';
import { logger } from '../lib/logger.ts';
import type { Deps } from '../pipeline/deps.ts';
import { recordFailureStep } from '../pipeline/record-step.ts';
import { startExecution, startNextQueued } from '../revisions/start-next-queued.ts';
import { type RevisionStatus, TERMINAL_STATUSES } from '../schemas/revision.ts';
import { ExecutionInputSchema } from '../schemas/state-payloads.ts';

/** The error a run cut off by a stop of the embedded backend is recorded with. */
export const INTERRUPTED_ERROR = {
  Error: 'States.Aborted',
  Cause: 'the embedded backend stopped while this run was in progress; submit the file again',
};

/** What a recovery found and did, for the log and for tests. */
export interface RecoveryReport {
  /** Revisions recorded FAILED because their run was cut off. */
  failed: Array<{ cluster: string; revision: number }>;
  /**
   * Revisions whose run was cut off after it had recorded its final status, which they keep
   * (the execution stopped between Record Result's write and its exit). Absent when none.
   */
  finished?: RecordedRun[];
  /** Revisions moved to RUNNING whose execution never started; started now. */
  resumed: Array<{ cluster: string; revision: number }>;
  /** Queued revisions started because the lock was free (or held by a finished revision). */
  started: Array<{ cluster: string; revision: number }>;
}

/** What recording one cut-off run found and did, so callers report only what is true. */
export interface RecordedRun {
  cluster: string;
  revision: number;
  /** The revision's status once recorded: FAILED, or the final status it had already reached. */
  status: RevisionStatus;
  /** True when the revision had reached a final status before this call; it kept it. */
  alreadyFinished: boolean;
  /** True when this call released the cluster lock; false when the run had already freed it. */
  releasedLock: boolean;
}

/**
 * Runs the workflow's own Record Failure step for each given run, so its revision ends FAILED
 * with `error`, the cluster lock is released and the next queued revision starts. A revision that
 * had already reached a final status keeps it; each result says which happened.
 */
export async function recordRunsFailed(
  runs: ReadonlyArray<{ name: string; input: unknown }>,
  error: { Error: string; Cause: string },
  deps: Deps,
): Promise<RecordedRun[]> {
  const recorded: RecordedRun[] = [];
  for (const { name, input } of runs) {
    const parsed = ExecutionInputSchema.safeParse(input);
    if (!parsed.success) continue;
    const run = parsed.data;
    // Read before Record Failure runs: afterwards both answers describe its own work.
    const [before, cluster] = await Promise.all([
      deps.revisions.get(run.cluster, run.revision),
      deps.revisions.getCluster(run.cluster),
    ]);
    const alreadyFinished = before !== undefined && TERMINAL_STATUSES.includes(before.status);
    const result = await recordFailureStep(
      { ...run, step: 'record-failure', state: { ...run, error } },
      deps,
    );
    logger.warn(
      alreadyFinished
        ? 'interrupted run had already finished'
        : 'interrupted run recorded as failed',
      {
        execution_name: name,
        cluster_name: run.cluster,
        revision: run.revision,
        status: result.status,
      },
    );
    recorded.push({
      cluster: run.cluster,
      revision: run.revision,
      status: result.status,
      alreadyFinished,
      releasedLock: cluster?.lock?.revision === run.revision,
    });
  }

  return recorded;
}

/**
 * A process stopped between storing a revision and counting it leaves the cluster record one
 * behind (the next submission would repair it); recovery repairs it at once, so the record's
 * `latestRevision` names the newest revision from the start.
 */
async function repairCounter(
  cluster: string,
  newest: number | undefined,
  deps: Deps,
): Promise<void> {
  if (newest === undefined || deps.revisions.raiseLatestRevision === undefined) return;
  const counted = (await deps.revisions.getCluster(cluster))?.latestRevision ?? 0;
  if (counted >= newest) return;
  await deps.revisions.raiseLatestRevision(cluster, newest);
  logger.warn('revision counter repaired', {
    cluster_name: cluster,
    counted_revision: counted,
    revision: newest,
  });
}

/**
 * Recovers every run the previous process on this state dir left unfinished. The caller holds
 * the state dir's lock, so nothing else can be running any of them:
 * - an execution left RUNNING is marked ABORTED and its revision recorded FAILED;
 * - a RUNNING revision whose execution ended without recording a result is recorded FAILED;
 * - a RUNNING revision whose execution never started (the process stopped in between) starts;
 * - a cluster whose lock is free, or held by a finished revision, starts its next queued one;
 * - a cluster record that counts fewer revisions than are stored is raised to the newest.
 */
export async function recordInterruptedRuns(
  workflow: LocalWorkflow,
  deps: Deps,
  clusters: readonly string[] = [],
): Promise<RecoveryReport> {
  const report: RecoveryReport = { failed: [], resumed: [], started: [] };
  const sortInto = (runs: RecordedRun[]) => {
    for (const run of runs) {
      if (!run.alreadyFinished) {
        report.failed.push({ cluster: run.cluster, revision: run.revision });
      } else {
        report.finished ??= [];
        report.finished.push(run);
      }
    }
  };
  sortInto(
    await recordRunsFailed(
      await workflow.takeInterrupted(() => INTERRUPTED_ERROR),
      INTERRUPTED_ERROR,
      deps,
    ),
  );

  for (const cluster of clusters) {
    const listed = await deps.revisions.list(cluster);
    await repairCounter(cluster, listed[0]?.revision, deps);
    for (const revision of listed) {
      if (revision.status !== 'RUNNING') continue;
      const execution = await workflow.readRawExecution(revision.executionName);
      if (execution === undefined) {
        await startExecution(revision, deps);
        logger.warn('unstarted run started', {
          cluster_name: cluster,
          revision: revision.revision,
        });
        report.resumed.push({ cluster, revision: revision.revision });
        continue;
      }
      if (execution.status === 'RUNNING') continue;
      const cause = `the execution ended ${execution.status} without recording a result; submit the file again`;
      sortInto(
        await recordRunsFailed(
          [{ name: execution.name, input: execution.input }],
          { Error: 'States.Aborted', Cause: cause },
          deps,
        ),
      );
    }

    const record = await deps.revisions.getCluster(cluster);
    const holder = record?.lock?.revision;
    if (holder !== undefined) {
      const held = await deps.revisions.get(cluster, holder);
      if (held === undefined || !TERMINAL_STATUSES.includes(held.status)) continue;
      await deps.revisions.releaseLock(cluster, holder);
    }
    const started = await startNextQueued(cluster, deps);
    if (started !== undefined) report.started.push({ cluster, revision: started.revision });
  }

  return report;
}
