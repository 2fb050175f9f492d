import { describe, expect, it } from 'vitest';
import {
  describeFailedValidation,
  formatFindingsCapped,
  MAX_PRINTED_FINDINGS,
} from '../../../cli/describe-failed-validation.ts';
import type { Finding } from '../../../schemas/finding.ts';

function unknownKeys(count: number): Finding[] {
  return Array.from({ length: count }, (_, index) => ({
    severity: 'error' as const,
    file: 'cluster.yaml',
    line: index + 1,
    column: 1,
    path: `extra${index}`,
    rule: 'unknown-key',
    message: `extra${index} is not a known key`,
  }));
}

describe('formatFindingsCapped', () => {
  it('prints 50 findings in full with no line about the rest', () => {
    const text = formatFindingsCapped(
      { valid: false, errors: unknownKeys(MAX_PRINTED_FINDINGS), warnings: [] },
      'in s3://bucket/key',
    );

    expect(text.split('\n')).toHaveLength(51);
    expect(text.endsWith('cluster.yaml:50:1: error: extra49 is not a known key\n')).toBe(true);
  });

  it('prints the first 50 of 51 in file order, warnings among errors, then where the last one is', () => {
    const findings = unknownKeys(50);
    const warning: Finding = {
      ...findings[0]!,
      severity: 'warning',
      line: 2,
      rule: 'deprecated-key',
      message: 'hostedZone is deprecated; use hostedZoneId',
    };
    const text = formatFindingsCapped(
      { valid: false, errors: findings, warnings: [warning] },
      'in s3://bucket/key',
    );

    expect(text.split('\n').slice(0, 3)).toEqual([
      'cluster.yaml:1:1: error: extra0 is not a known key',
      'cluster.yaml:2:1: error: extra1 is not a known key',
      'cluster.yaml:2:1: warning: hostedZone is deprecated; use hostedZoneId',
    ]);
    expect(text.split('\n').slice(-3)).toEqual([
      'cluster.yaml:49:1: error: extra48 is not a known key',
      '... and 1 more finding in s3://bucket/key',
      '',
    ]);
  });
});

describe('describeFailedValidation', () => {
  // An address nothing answers on: a request would fail the test with a connection error.
  const session = { apiUrl: 'http://127.0.0.1:9', description: 'nowhere', close: async () => {} };

  it.each([
    ['a revision that failed in another state', 'FAILED', 'DependencyError'],
    ['a revision that did not fail', 'PLANNED', undefined],
  ] as const)('says nothing and asks nothing for %s', async (_name, status, errorName) => {
    const text = await describeFailedValidation(
      session,
      {
        cluster: 'demo',
        revision: 1,
        status,
        ...(errorName === undefined ? {} : { error: { name: errorName, message: 'm' } }),
      },
      'cluster.yaml',
    );

    expect(text).toBe('');
  });
});
