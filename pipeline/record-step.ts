import { InvariantError } from '../lib/errors.ts';
import { logger } from '../lib/logger.ts';
import { readableCause } from '../revisions/readable-cause.ts';
import { startNextQueued } from '../revisions/start-next-queued.ts';
import { type Revision, type RevisionStatus, TERMINAL_STATUSES } from '../schemas/revision.ts';
import type { TaskInput } from '../schemas/state-payloads.ts';
import { STATE } from '../state-machines/state-names.ts';
import type { ChangeSummary } from './apply-step.ts';
import type { Deps } from './deps.ts';

const FAILED_OUTCOMES: ReadonlySet<string> = new Set(['FAILED', 'ROLLED_BACK', 'NEEDS_RECOVERY']);

export interface RecordResult {
  status: RevisionStatus;
  /** The revision this run started next, when one was waiting. */
  startedNext?: number;
}

/**
 * Record Result: the revision's final status from the apply outcome (a rolled-back update is
 * never APPLIED), its template and asset fingerprints, `lastApplied` for an APPLIED revision,
 * then the cluster lock is released and the next queued revision starts. Safe to re-run.
 */
export async function recordStep(input: TaskInput, deps: Deps): Promise<RecordResult> {
  const outcome = input.state.apply?.state;
  if (outcome === undefined || outcome === 'IN_PROGRESS') {
    throw new InvariantError(
      `state.apply.state must be final before record (received ${outcome ?? 'none'})`,
    );
  }
  const { cluster, revision } = input;
  const current = await requireRevision(input, deps);
  let status = current.status;
  if (!TERMINAL_STATUSES.includes(current.status)) {
    const summary = current.changeSummary as ChangeSummary | undefined;
    const failed = FAILED_OUTCOMES.has(outcome);
    const message = [summary?.cause, summary?.remedy].filter(Boolean).join('; ');
    const recorded = await deps.revisions.transition(
      cluster,
      revision,
      outcome,
      { state: STATE.recordResult, ...(message === '' ? {} : { detail: message }) },
      {
        ...collectArtefacts(input),
        ...(failed ? { error: { name: 'StackApplyError', message: message || outcome } } : {}),
      },
    );
    status = recorded.status;
  }
  if (status === 'APPLIED') await deps.revisions.setLastApplied(cluster, revision);

  return finishRun(input, status, deps);
}

/**
 * Record Failure: a Task failed after its retries. The revision becomes FAILED with the error
 * made readable (Lambda wraps it as JSON in `Cause`), the lock is released and the next queued
 * revision starts. A revision that already reached a final status keeps it. Safe to re-run.
 */
export async function recordFailureStep(input: TaskInput, deps: Deps): Promise<RecordResult> {
  const current = await requireRevision(input, deps);
  if (TERMINAL_STATUSES.includes(current.status)) return finishRun(input, current.status, deps);

  const error = readableCause(input.state.error);
  await deps.revisions.transition(
    input.cluster,
    input.revision,
    'FAILED',
    { state: STATE.recordFailure, detail: `${error.name}: ${error.message}` },
    { error },
  );
  logger.warn('revision failed', {
    cluster_name: input.cluster,
    revision: input.revision,
    error_name: error.name,
    error_message: error.message,
    correlation_id: input.correlationId,
  });

  return finishRun(input, 'FAILED', deps);
}

/**
 * At least once: a re-run (a retry after a failed publish) notifies again, which subscribers
 * tolerate better than a failure nobody hears about.
 */
async function notifyFailure(input: TaskInput, status: RevisionStatus, deps: Deps): Promise<void> {
  if (deps.notifier === undefined || !FAILED_OUTCOMES.has(status)) return;
  const recorded = await requireRevision(input, deps);
  await deps.notifier.notifyRevisionFailed({
    cluster: input.cluster,
    revision: input.revision,
    status,
    cause: recorded.error?.message ?? status,
  });
}

async function requireRevision(input: TaskInput, deps: Deps): Promise<Revision> {
  const current = await deps.revisions.get(input.cluster, input.revision);
  if (current === undefined) {
    throw new InvariantError(
      `revision ${input.revision} of ${input.cluster} must exist to be recorded (received none)`,
    );
  }

  return current;
}

/**
 * The template this revision rendered, when it got that far. Asset fingerprints are Generate
 * Assets' to record (from the manifest, one per asset); the node bundle holds one per file, and
 * writing those here overwrote the manifest's with a file's.
 */
function collectArtefacts(input: TaskInput): Partial<Revision> {
  const render = input.state.render;

  return render === undefined
    ? {}
    : { templateKey: render.templateKey, templateSha256: render.templateSha256 };
}

async function finishRun(
  input: TaskInput,
  status: RevisionStatus,
  deps: Deps,
): Promise<RecordResult> {
  await notifyFailure(input, status, deps);
  await deps.revisions.releaseLock(input.cluster, input.revision);
  const next = await startNextQueued(input.cluster, deps);
  logger.info('revision recorded', {
    cluster_name: input.cluster,
    revision: input.revision,
    status,
    next_revision: next?.revision,
    correlation_id: input.correlationId,
  });

  return { status, ...(next === undefined ? {} : { startedNext: next.revision }) };
}
