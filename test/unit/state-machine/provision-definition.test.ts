import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { RETRYABLE_ERROR_NAMES } from '../../../lib/errors.ts';
import {
  FUNCTION_ARN_VARIABLES,
  STATE,
  TASK_FUNCTIONS,
} from '../../../state-machines/state-names.ts';

interface AslState {
  Type: string;
  Resource?: string;
  TimeoutSeconds?: number;
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string }[];
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
}

const definition = JSON.parse(
  readFileSync(new URL('../../../state-machines/provision.asl.json', import.meta.url), 'utf8'),
) as { StartAt: string; TimeoutSeconds?: number; States: Record<string, AslState> };
const tasks = Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');

describe('provision.asl.json', () => {
  it('passes asl-validator', () => {
    const result = aslValidator(definition);

    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('names exactly the states of the shared STATE constant', () => {
    expect(Object.keys(definition.States).sort()).toEqual(Object.values(STATE).sort());
    expect(definition.StartAt).toBe(STATE.validate);
  });

  it('has an overall timeout', () => {
    expect(definition.TimeoutSeconds).toBeGreaterThan(0);
  });

  it.each(tasks)('gives task %s a timeout, a retry of transient errors and a catch', (_, state) => {
    expect(state.TimeoutSeconds).toBeGreaterThan(0);
    const retried = (state.Retry ?? []).flatMap((retry) => retry.ErrorEquals);
    for (const name of RETRYABLE_ERROR_NAMES) expect(retried).toContain(name);
    expect(retried).toContain('Lambda.TooManyRequestsException');
    expect(state.Catch?.map((c) => c.ErrorEquals)).toEqual([['States.ALL']]);
  });

  it.each(tasks.filter(([name]) => name !== STATE.recordFailure))(
    'routes a caught error in %s to the failure recorder with the error kept',
    (_, state) => {
      expect(state.Catch?.[0]?.Next).toBe(STATE.recordFailure);
      expect(state.Catch?.[0]?.ResultPath).toBe('$.error');
    },
  );

  it('ends a caught failure of the failure recorder itself in the Fail state', () => {
    expect(definition.States[STATE.recordFailure]?.Catch?.[0]?.Next).toBe(STATE.runFailed);
    expect(definition.States[STATE.runFailed]?.Type).toBe('Fail');
  });

  it.each(tasks)('binds task %s to the ARN variable of its function', (name, state) => {
    const fn = TASK_FUNCTIONS[name as keyof typeof TASK_FUNCTIONS];

    expect(fn).toBeDefined();
    expect(state.Resource).toBe(`\${${FUNCTION_ARN_VARIABLES[fn]}}`);
  });

  it('loops Check Apply back to the choice until the apply is finished', () => {
    const choice = definition.States[STATE.applyFinished];

    expect(choice?.Choices?.[0]?.Next).toBe(STATE.waitForStack);
    expect(choice?.Default).toBe(STATE.recordResult);
    expect(definition.States[STATE.waitForStack]?.Next).toBe(STATE.checkApply);
    expect(definition.States[STATE.checkApply]?.Next).toBe(STATE.applyFinished);
  });
});
