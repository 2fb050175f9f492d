import { describe, expect, it } from 'vitest';
import { formatExecutionEvent } from '../../../cli/follow-execution.ts';
import type { ExecutionEvent } from '../../../ports/workflow.ts';

/** Every line `up` prints for a whole history, fed one event at a time as the follow does. */
function printHistory(events: readonly ExecutionEvent[]): string {
  return events
    .flatMap((event, index) => formatExecutionEvent(event, events.slice(0, index + 1)))
    .join('');
}

const at = (seconds: number) => new Date(Date.UTC(2026, 11, 4, 12, 0, seconds)).toISOString();
const DEPENDENCY = 'S3 answered 503 SlowDown (received PutObject)';
const TWO_FINDINGS =
  'cluster.yaml is invalid: hostedZoneId Z123 does not exist in the account (and 1 more)';

describe('formatExecutionEvent', () => {
  it('prints a state that exits without failing as succeeded with its duration', () => {
    const events: ExecutionEvent[] = [
      { type: 'ExecutionStarted', timestamp: at(0) },
      { type: 'StateEntered', timestamp: at(0), state: 'Render Stack' },
      { type: 'StateExited', timestamp: at(2), state: 'Render Stack' },
    ];

    expect(printHistory(events)).toBe('  Render Stack       succeeded  2.00s\n');
  });

  it.each([
    [
      'the assets it re-issued by name and the count it reused',
      { issued: ['apiserver'], reused: ['kube-ca', 'kubelet'] },
      'issued apiserver, reused 2',
    ],
    [
      'a count and the CAs by name when it re-issued more than five',
      { issued: ['kube-ca', 'etcd-ca', 'a', 'b', 'c', 'd'], reused: [] },
      'issued 6 (new CAs: kube-ca, etcd-ca), reused 0',
    ],
    [
      'none when it reused everything',
      { issued: [], reused: ['kube-ca'] },
      'issued none, reused 1',
    ],
  ])('prints beside Generate Assets %s', (_label, assets, detail) => {
    const events: ExecutionEvent[] = [
      { type: 'StateEntered', timestamp: at(0), state: 'Generate Assets' },
      {
        type: 'StateExited',
        timestamp: at(1),
        state: 'Generate Assets',
        output: { cluster: 'demo', assets: { manifestKey: 'k', ...assets } },
      },
    ];

    expect(printHistory(events)).toBe(`  Generate Assets    succeeded  1.00s  ${detail}\n`);
  });

  it('prints each retried attempt of the local runner once as retrying, then the success', () => {
    // The order aws-local-stepfunctions writes: a failure, then (after the backoff) its retry.
    const events: ExecutionEvent[] = [
      { type: 'StateEntered', timestamp: at(0), state: 'Start Apply' },
      {
        type: 'StateFailed',
        timestamp: at(1),
        state: 'Start Apply',
        error: 'DependencyError',
        cause: DEPENDENCY,
      },
      { type: 'StateRetried', timestamp: at(3), state: 'Start Apply', cause: 'retry attempt 1' },
      {
        type: 'StateFailed',
        timestamp: at(4),
        state: 'Start Apply',
        error: 'DependencyError',
        cause: 'timed out',
      },
      { type: 'StateRetried', timestamp: at(8), state: 'Start Apply', cause: 'retry attempt 2' },
      { type: 'StateExited', timestamp: at(9), state: 'Start Apply' },
    ];

    expect(printHistory(events)).toBe(
      [
        `  Start Apply        retrying   attempt 1 failed: DependencyError: ${DEPENDENCY}\n`,
        '  Start Apply        retrying   attempt 2 failed: DependencyError: timed out\n',
        '  Start Apply        succeeded  9.00s\n',
      ].join(''),
    );
  });

  it('prints a state whose error was caught as failed, never succeeded, then Record Failure', () => {
    const events: ExecutionEvent[] = [
      { type: 'StateEntered', timestamp: at(0), state: 'Start Apply' },
      {
        type: 'StateFailed',
        timestamp: at(1),
        state: 'Start Apply',
        error: 'DependencyError',
        cause: DEPENDENCY,
      },
      { type: 'StateRetried', timestamp: at(2), state: 'Start Apply', cause: 'retry attempt 1' },
      {
        type: 'StateFailed',
        timestamp: at(3),
        state: 'Start Apply',
        error: 'DependencyError',
        cause: DEPENDENCY,
      },
      {
        type: 'StateCaught',
        timestamp: at(3),
        state: 'Start Apply',
        cause: 'caught, next Record Failure',
      },
      { type: 'StateExited', timestamp: at(3), state: 'Start Apply' },
      { type: 'StateEntered', timestamp: at(3), state: 'Record Failure' },
      { type: 'StateExited', timestamp: at(4), state: 'Record Failure' },
    ];

    expect(printHistory(events)).toBe(
      [
        `  Start Apply        retrying   attempt 1 failed: DependencyError: ${DEPENDENCY}\n`,
        '  Start Apply        failed     DependencyError\n',
        '  Record Failure     succeeded  1.00s\n',
      ].join(''),
    );
  });

  it('reads a Step Functions history: a repeated failure is a retry, a failed exit a catch', () => {
    // Step Functions has no retry or catch events: a failed task is followed by its next
    // attempt's failure, or directly by the state's exit towards the Catch target.
    const lambdaCause = JSON.stringify({
      errorType: 'ValidationError',
      errorMessage: TWO_FINDINGS,
      trace: ['at validateStep'],
    });
    const events: ExecutionEvent[] = [
      { type: 'StateEntered', timestamp: at(0), state: 'Validate Cluster' },
      {
        type: 'StateFailed',
        timestamp: at(0),
        state: 'Validate Cluster',
        error: 'DependencyError',
        cause: DEPENDENCY,
      },
      {
        type: 'StateFailed',
        timestamp: at(1),
        state: 'Validate Cluster',
        error: 'ValidationError',
        cause: lambdaCause,
      },
      { type: 'StateExited', timestamp: at(1), state: 'Validate Cluster' },
      { type: 'StateEntered', timestamp: at(1), state: 'Record Failure' },
    ];

    expect(printHistory(events)).toBe(
      [
        `  Validate Cluster   retrying   attempt 1 failed: DependencyError: ${DEPENDENCY}\n`,
        '  Validate Cluster   failed     ValidationError\n',
      ].join(''),
    );
  });

  it('prints a caught failure of several lines as its error name alone', () => {
    const events: ExecutionEvent[] = [
      { type: 'StateEntered', timestamp: at(0), state: 'Validate Cluster' },
      {
        type: 'StateFailed',
        timestamp: at(0),
        state: 'Validate Cluster',
        error: 'ValidationError',
        cause: 'cluster.yaml is invalid: 2 errors\ncluster.yaml:3:1: a\ncluster.yaml:9:5: b',
      },
      {
        type: 'StateCaught',
        timestamp: at(0),
        state: 'Validate Cluster',
        cause: 'caught, next Record Failure',
      },
    ];

    expect(printHistory(events)).toBe('  Validate Cluster   failed     ValidationError\n');
  });

  it('prints a failure followed directly by the Catch target as failed', () => {
    const events: ExecutionEvent[] = [
      { type: 'StateEntered', timestamp: at(0), state: 'Start Apply' },
      {
        type: 'StateFailed',
        timestamp: at(1),
        state: 'Start Apply',
        error: 'DependencyError',
        cause: DEPENDENCY,
      },
      { type: 'StateEntered', timestamp: at(1), state: 'Record Failure' },
    ];

    expect(printHistory(events)).toBe('  Start Apply        failed     DependencyError\n');
  });

  it('prints an uncaught last failure as failed when the execution fails', () => {
    const events: ExecutionEvent[] = [
      { type: 'StateEntered', timestamp: at(0), state: 'Record Failure' },
      {
        type: 'StateFailed',
        timestamp: at(1),
        state: 'Record Failure',
        error: 'InvariantError',
        cause: 'boom',
      },
      { type: 'ExecutionFailed', timestamp: at(1), error: 'InvariantError', cause: 'boom' },
    ];

    expect(printHistory(events)).toBe('  Record Failure     failed     InvariantError: boom\n');
  });

  it('names a validation failure once per state line, never its message, through Run Failed', () => {
    const message = `${TWO_FINDINGS}; every finding is in s3://artifacts/clusters/demo/revisions/000001/validation.json`;
    const events: ExecutionEvent[] = [
      { type: 'StateEntered', timestamp: at(0), state: 'Validate Cluster' },
      {
        type: 'StateFailed',
        timestamp: at(1),
        state: 'Validate Cluster',
        error: 'ValidationError',
        cause: message,
      },
      { type: 'StateExited', timestamp: at(1), state: 'Validate Cluster' },
      { type: 'StateEntered', timestamp: at(1), state: 'Record Failure' },
      { type: 'StateExited', timestamp: at(2), state: 'Record Failure' },
      { type: 'StateEntered', timestamp: at(2), state: 'Run Failed' },
      {
        type: 'StateFailed',
        timestamp: at(2),
        state: 'Run Failed',
        error: 'ValidationError',
        cause: message,
      },
      { type: 'ExecutionFailed', timestamp: at(2), error: 'ValidationError', cause: message },
    ];

    expect(printHistory(events)).toBe(
      [
        '  Validate Cluster   failed     ValidationError\n',
        '  Record Failure     succeeded  1.00s\n',
        '  Run Failed         failed     ValidationError\n',
      ].join(''),
    );
  });

  it('prints nothing for a state cut off by an abort before it exited', () => {
    const events: ExecutionEvent[] = [
      { type: 'StateEntered', timestamp: at(0), state: 'Record Result' },
      { type: 'ExecutionAborted', timestamp: at(1) },
    ];

    expect(printHistory(events)).toBe('');
  });
});
