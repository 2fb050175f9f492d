import { describe, expect, it } from 'vitest';
import {
  decidePreflight,
  mapExecutedStackStatus,
} from '../../../revisions/stack-status-outcome.ts';

describe('decidePreflight', () => {
  it.each([
    [undefined, 'create'],
    ['REVIEW_IN_PROGRESS', 'create'],
    ['DELETE_COMPLETE', 'create'],
    ['CREATE_IN_PROGRESS', 'wait'],
    ['UPDATE_IN_PROGRESS', 'wait'],
    ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'wait'],
    ['UPDATE_ROLLBACK_IN_PROGRESS', 'wait'],
    ['DELETE_IN_PROGRESS', 'wait'],
    ['ROLLBACK_COMPLETE', 'delete-then-create'],
    ['ROLLBACK_FAILED', 'delete-then-create'],
    ['CREATE_FAILED', 'delete-then-create'],
    ['CREATE_COMPLETE', 'update'],
    ['UPDATE_COMPLETE', 'update'],
    ['UPDATE_ROLLBACK_COMPLETE', 'update'],
    ['IMPORT_COMPLETE', 'update'],
    ['UPDATE_ROLLBACK_FAILED', 'needs-recovery'],
    ['DELETE_FAILED', 'needs-recovery'],
    ['UPDATE_FAILED', 'needs-recovery'],
  ])('decides %s => %s', (status, kind) => {
    expect(decidePreflight(status).kind).toBe(kind);
  });
});

describe('mapExecutedStackStatus', () => {
  it.each([
    ['CREATE_IN_PROGRESS', 'IN_PROGRESS'],
    ['UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', 'IN_PROGRESS'],
    ['CREATE_COMPLETE', 'APPLIED'],
    ['UPDATE_COMPLETE', 'APPLIED'],
    ['UPDATE_ROLLBACK_COMPLETE', 'ROLLED_BACK'],
    ['UPDATE_ROLLBACK_FAILED', 'NEEDS_RECOVERY'],
    ['CREATE_FAILED', 'FAILED'],
    ['ROLLBACK_COMPLETE', 'FAILED'],
    ['ROLLBACK_FAILED', 'FAILED'],
    ['DELETE_COMPLETE', 'FAILED'],
    ['DELETE_FAILED', 'FAILED'],
  ])('maps %s => %s', (status, outcome) => {
    expect(mapExecutedStackStatus(status)).toBe(outcome);
  });
});
