import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { InvariantError } from '../lib/errors.ts';
import type { Deps } from '../pipeline/deps.ts';
import { type TaskInput, TaskInputSchema, type TaskStep } from '../schemas/state-payloads.ts';
import { loadAwsDeps, logWithCorrelation, serialiseErrorName } from './lambda-runtime.ts';

type StepCore = (input: TaskInput, deps: Deps) => Promise<unknown>;

/**
 * The middy chain every Task function shares: parse the Task input, refuse a step that belongs to
 * another function, tag logs with the correlation id, keep error names for Retry and Catch.
 */
export function createTaskHandler(cores: Partial<Record<TaskStep, StepCore>>) {
  const core = async (event: unknown, _context: Context): Promise<unknown> => {
    const input = TaskInputSchema.parse(event);
    const step = cores[input.step];
    if (step === undefined) {
      throw new InvariantError(`step ${input.step} is not served by this function`);
    }

    return step(input, loadAwsDeps());
  };

  return middy(core)
    .use(
      logWithCorrelation((event: unknown) => (event as { correlationId?: string }).correlationId),
    )
    .use(serialiseErrorName());
}
