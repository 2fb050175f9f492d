import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IntegrityError, isProductError, RETRYABLE_ERROR_NAMES } from '../../../lib/errors.ts';

interface AslTask {
  Type: string;
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[] }[];
}

const definition = JSON.parse(
  readFileSync(new URL('../../../state-machines/provision.asl.json', import.meta.url), 'utf8'),
) as { States: Record<string, AslTask> };
const tasks = Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');

describe('IntegrityError', () => {
  it('is a product error with a stable name, code and status', () => {
    const error = new IntegrityError('x must have the recorded sha256 a (received b)');

    expect(isProductError(error)).toBe(true);
    expect([error.name, error.code, error.status]).toEqual(['IntegrityError', 'INTEGRITY', 500]);
  });

  it('is not among the names the workflow retries', () => {
    expect(RETRYABLE_ERROR_NAMES).not.toContain('IntegrityError');
  });

  it.each(tasks)(
    'fails task %s at once: no retry names it, the catch-all records it',
    (_, state) => {
      const retried = (state.Retry ?? []).flatMap((retry) => retry.ErrorEquals);

      expect(retried).not.toContain('IntegrityError');
      expect(retried).not.toContain('States.ALL');
      expect(state.Catch?.[0]?.ErrorEquals).toEqual(['States.ALL']);
    },
  );
});
