import type { Revision } from '../schemas/revision.ts';

/**
 * Whether a revision's run has started (it was moved to RUNNING, whatever it ended as). One
 * refused at submit never started; it may sit among queued ones. Revisions start oldest first,
 * so no revision older than the newest that has started can still be QUEUED.
 */
export function hasStarted(revision: Pick<Revision, 'status' | 'transitions'>): boolean {
  return (
    revision.status === 'RUNNING' ||
    revision.transitions.some((transition) => transition.status === 'RUNNING')
  );
}
