import { validateStep } from '../../pipeline/validate-step.ts';
import { createTaskHandler } from '../task-handler.ts';

/** The validate Task of the provision state machine. */
export const handler = createTaskHandler({ validate: validateStep });
