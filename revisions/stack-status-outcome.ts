import type { ApplyOutcome } from '../ports/stack-deployer.ts';

/** What to do with a stack before changing it, decided from its current status alone. */
export type PreflightDecision =
  | { kind: 'create' }
  | { kind: 'update' }
  /** Another operation is running; wait and decide again. */
  | { kind: 'wait' }
  /** A failed first create: the stack must be deleted before it can be created again. */
  | { kind: 'delete-then-create' }
  /** A person must act first (rollback failed, delete failed, rollback disabled). */
  | { kind: 'needs-recovery' };

/**
 * Branches on `StackStatus` before any mutation. `undefined` means the stack does not exist.
 * REVIEW_IN_PROGRESS is a stack that only ever had an unexecuted CREATE change set: it takes
 * another CREATE change set, so it is not a "wait" status despite its suffix. DELETE_COMPLETE is
 * a stack that is gone (some emulators still return it by name).
 */
export function decidePreflight(status: string | undefined): PreflightDecision {
  if (status === undefined || status === 'REVIEW_IN_PROGRESS' || status === 'DELETE_COMPLETE') {
    return { kind: 'create' };
  }
  if (status.endsWith('_IN_PROGRESS')) return { kind: 'wait' };
  if (
    status === 'ROLLBACK_COMPLETE' ||
    status === 'ROLLBACK_FAILED' ||
    status === 'CREATE_FAILED'
  ) {
    return { kind: 'delete-then-create' };
  }
  if (status.endsWith('_COMPLETE')) return { kind: 'update' };

  // UPDATE_ROLLBACK_FAILED, DELETE_FAILED, UPDATE_FAILED (rollback disabled), IMPORT_ROLLBACK_FAILED
  return { kind: 'needs-recovery' };
}

/**
 * Maps the stack status after our change set was executed to the revision's outcome, or
 * IN_PROGRESS while CloudFormation is still working. A rolled-back update is never APPLIED.
 */
export function mapExecutedStackStatus(status: string): ApplyOutcome | 'IN_PROGRESS' {
  if (status.endsWith('_IN_PROGRESS')) return 'IN_PROGRESS';
  switch (status) {
    case 'CREATE_COMPLETE':
    case 'UPDATE_COMPLETE':
    case 'IMPORT_COMPLETE':
      return 'APPLIED';
    case 'UPDATE_ROLLBACK_COMPLETE':
      return 'ROLLED_BACK';
    case 'UPDATE_ROLLBACK_FAILED':
    case 'UPDATE_FAILED':
      return 'NEEDS_RECOVERY';
    default:
      // CREATE_FAILED, ROLLBACK_COMPLETE, ROLLBACK_FAILED, DELETE_*, IMPORT_ROLLBACK_*
      return 'FAILED';
  }
}
