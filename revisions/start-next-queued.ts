import { ConflictError } from '../lib/errors.ts';
import { logger } from '../lib/logger.ts';
import type { Deps } from '../pipeline/deps.ts';
import type { Revision } from '../schemas/revision.ts';
import type { ExecutionInput } from '../schemas/state-payloads.ts';
import { hasStarted } from './has-started.ts';

/**
 * How long a run holds its cluster's lock: the state machine's own timeout (2 h) plus a margin,
 * so a lease only lapses for a run that can no longer be alive.
 */
export const LOCK_LEASE_MS = 150 * 60 * 1000;

/** Queued revisions tried per call; each failed try means the revision left the queue meanwhile. */
const MAX_CANDIDATES = 5;

/**
 * Starts the oldest QUEUED revision of a cluster when its lock is free: takes the lock, moves
 * the revision to RUNNING (guarded, so racing callers record it once) and starts the execution
 * named after it. Returns the started revision, or undefined when the lock is held or nothing
 * waits. Safe to call from any number of places at once.
 */
export async function startNextQueued(
  cluster: string,
  deps: Pick<Deps, 'revisions' | 'workflow'>,
): Promise<Revision | undefined> {
  const queued = await listQueued(cluster, deps);
  for (const candidate of queued.slice(0, MAX_CANDIDATES)) {
    if (!(await deps.revisions.acquireLock(cluster, candidate.revision, LOCK_LEASE_MS))) {
      return undefined;
    }
    try {
      await deps.revisions.transition(
        cluster,
        candidate.revision,
        'RUNNING',
        { detail: 'cluster lock acquired' },
        {},
        { from: ['QUEUED'] },
      );
    } catch (error: unknown) {
      if (!(error instanceof ConflictError)) throw error;
      const current = await deps.revisions.get(cluster, candidate.revision);
      // Another caller started it: that caller also starts the execution.
      if (current?.status === 'RUNNING') return undefined;
      // It became final meanwhile (a rejected submission): free the lock and try the next one.
      await deps.revisions.releaseLock(cluster, candidate.revision);
      continue;
    }

    return startExecution(candidate, deps);
  }

  return undefined;
}

/**
 * Starts (or finds) the execution of a RUNNING revision and records its ARN. The execution name
 * is the revision's, so repeating this after a crash never starts a second run.
 */
export async function startExecution(
  revision: Revision,
  deps: Pick<Deps, 'revisions' | 'workflow'>,
): Promise<Revision> {
  const input: ExecutionInput = {
    cluster: revision.cluster,
    revision: revision.revision,
    correlationId: revision.correlationId,
  };
  const { executionArn } = await deps.workflow.start(revision.executionName, input);
  const updated = await deps.revisions.update(revision.cluster, revision.revision, {
    executionArn,
  });
  logger.info('execution started', {
    cluster_name: revision.cluster,
    revision: revision.revision,
    execution_arn: executionArn,
    correlation_id: revision.correlationId,
  });

  return updated;
}

/** Revisions read a page at a time while looking for the queue's end. */
const QUEUE_PAGE = 25;

/**
 * QUEUED revisions of a cluster, oldest first; position 1 runs next. Revisions start oldest
 * first, so every QUEUED one is newer than the newest that has started: the search reads from
 * the newest revision down to that one, not the whole history.
 */
export async function listQueued(
  cluster: string,
  deps: Pick<Deps, 'revisions'>,
): Promise<Revision[]> {
  const queued: Revision[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await deps.revisions.listPage(cluster, {
      limit: QUEUE_PAGE,
      ...(before === undefined ? {} : { before }),
    });
    for (const revision of page.revisions) {
      if (hasStarted(revision)) return queued.reverse();
      if (revision.status === 'QUEUED') queued.push(revision);
    }
    const oldest = page.revisions.at(-1);
    if (!page.more || oldest === undefined) return queued.reverse();
    before = oldest.revision;
  }
}
