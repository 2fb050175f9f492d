import { checkApplyStep, startApplyStep } from '../../pipeline/apply-step.ts';
import { createTaskHandler } from '../task-handler.ts';

/** The Start Apply and Check Apply Tasks: create and execute the change set, then poll it. */
export const handler = createTaskHandler({
  'start-apply': startApplyStep,
  'check-apply': checkApplyStep,
});
