import { InvariantError } from '../lib/errors.ts';
import { type TaskInput, TaskInputSchema, type TaskStep } from '../schemas/state-payloads.ts';
import { checkApplyStep, startApplyStep } from './apply-step.ts';
import type { Deps } from './deps.ts';
import { encryptStep } from './encrypt-step.ts';
import { generateAssetsStep } from './generate-assets-step.ts';
import { recordFailureStep, recordStep } from './record-step.ts';
import { renderStep } from './render-step.ts';
import { validateStep } from './validate-step.ts';

type StepCore = (input: TaskInput, deps: Deps) => Promise<unknown>;

const STEP_CORES: Record<TaskStep, StepCore> = {
  validate: validateStep,
  'generate-assets': generateAssetsStep,
  encrypt: encryptStep,
  render: renderStep,
  'start-apply': startApplyStep,
  'check-apply': checkApplyStep,
  record: recordStep,
  'record-failure': recordFailureStep,
};

/**
 * Runs the step a Task names in its `step` parameter. The local workflow binds every Task here,
 * and each Lambda handler checks that the step belongs to its function before calling.
 */
export async function runTask(input: unknown, deps: Deps): Promise<unknown> {
  const parsed = TaskInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvariantError(
      `task input ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'} (received keys ${Object.keys(input ?? {}).join(',')})`,
    );
  }

  return STEP_CORES[parsed.data.step](parsed.data, deps);
}
