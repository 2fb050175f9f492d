import { hasStarted } from '../revisions/has-started.ts';
import type { Revision } from '../schemas/revision.ts';
import { type BackendSession, callApi, describeApiError } from './backend-session.ts';
import { readRevisions } from './read-revisions.ts';

/** Where a submitted revision stands: still queued (with its place and the lock), or not. */
export type QueuePlace =
  | { queued: true; position: number; lock?: { revision: number; expiresAt: string } }
  | { queued: false; status: string };

/**
 * Reads the cluster's lock and its revisions from `revision` down to the newest one that has
 * started (older ones cannot be queued), and places `revision` in its queue.
 */
export async function readQueuePlace(
  session: BackendSession,
  cluster: string,
  revision: number,
): Promise<QueuePlace> {
  const [recordAnswer, read] = await Promise.all([
    callApi(session, 'GET', `/clusters/${encodeURIComponent(cluster)}`),
    readRevisions(session, encodeURIComponent(cluster), { before: revision + 1, stop: hasStarted }),
  ]);
  if (recordAnswer.status !== 200) throw new Error(describeApiError(recordAnswer));
  const lock = (recordAnswer.body as { lock?: { revision: number; expiresAt: string } }).lock;

  return placeInQueue(revision, read.revisions, lock);
}

/**
 * The place of `revision` among the cluster's QUEUED revisions (1 runs next: they start oldest
 * first), or its status when it is no longer queued.
 */
export function placeInQueue(
  revision: number,
  revisions: ReadonlyArray<
    Pick<Revision, 'revision' | 'status'> & Partial<Pick<Revision, 'transitions'>>
  >,
  lock: { revision: number; expiresAt: string } | undefined,
): QueuePlace {
  const own = revisions.find((candidate) => candidate.revision === revision);
  if (own === undefined || own.status !== 'QUEUED' || lock?.revision === revision) {
    // Holding the lock while still QUEUED: the start is between taking it and moving to RUNNING.
    // A revision that has finished since left the queue into RUNNING all the same.
    return {
      queued: false,
      status: (own === undefined ? undefined : findQueueExit(own))?.status ?? 'RUNNING',
    };
  }
  const ahead = revisions.filter(
    (candidate) => candidate.status === 'QUEUED' && candidate.revision < revision,
  ).length;

  return { queued: true, position: ahead + 1, ...(lock === undefined ? {} : { lock }) };
}

/** The status a revision left the queue into, and when, as its transitions record it. */
export interface QueueExit {
  status: string;
  at?: string | undefined;
}

/**
 * The first transition after QUEUED: RUNNING for a run that started (whatever it ended as), or
 * the status a revision got without running; undefined while it is still queued.
 */
export function findQueueExit(
  revision: Pick<Revision, 'status'> & Partial<Pick<Revision, 'transitions'>>,
): QueueExit | undefined {
  if (revision.status === 'QUEUED') return undefined;
  const exit = revision.transitions?.find((transition) => transition.status !== 'QUEUED');
  if (exit === undefined) return { status: 'RUNNING' };

  return { status: exit.status, at: exit.at };
}

/** When the revision entered the queue, by its first transition. */
export function findQueuedAt(revision: Revision): string {
  return (
    revision.transitions.find((transition) => transition.status === 'QUEUED')?.at ??
    revision.createdAt
  );
}

/** `revision 13 left the queue after 0.4 s: RUNNING`; tenths below 10 s, whole seconds above. */
export function describeQueueExit(revision: number, status: string, seconds: number): string {
  const tenths = Math.round(seconds * 10) / 10;
  const shown = tenths < 10 ? tenths.toFixed(1) : String(Math.round(seconds));

  return `revision ${revision} left the queue after ${shown} s: ${status}`;
}

/** `queued at position 2: waiting for ...`, or that the revision left the queue at once. */
export function describeQueuePlace(cluster: string, revision: number, place: QueuePlace): string {
  if (!place.queued) return `revision ${revision} left the queue at once: ${place.status}`;

  const waiting =
    place.lock === undefined
      ? 'waiting for the cluster lock'
      : `waiting for revision ${place.lock.revision} of cluster ${cluster}, ` +
        `which holds the lock (lease until ${place.lock.expiresAt})`;

  return `queued at position ${place.position}: ${waiting}`;
}

/** How often a queued `up` reads its place again, and how long it stays silent at most. */
export const QUEUE_CHECK_MS = 2_000;
export const QUEUE_REMINDER_MS = 30_000;

/**
 * What a queued `up` says as its place is read again: `now ...` when the position or the lock
 * holder changed, `still ...` when nothing did for QUEUE_REMINDER_MS, nothing otherwise.
 */
export class QueueNotices {
  private last: string;
  private lastAt: number;

  constructor(first: string, at: number) {
    this.last = first;
    this.lastAt = at;
  }

  next(current: string, at: number): string | undefined {
    if (current !== this.last) {
      this.last = current;
      this.lastAt = at;
      return `now ${current}`;
    }
    if (at - this.lastAt < QUEUE_REMINDER_MS) return undefined;
    this.lastAt = at;

    return `still ${current}`;
  }
}
