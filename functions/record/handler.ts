import { recordFailureStep, recordStep } from '../../pipeline/record-step.ts';
import { createTaskHandler } from '../task-handler.ts';

/** The Record Result and Record Failure Tasks: the revision's final status and lastApplied. */
export const handler = createTaskHandler({
  record: recordStep,
  'record-failure': recordFailureStep,
});
