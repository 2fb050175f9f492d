import { encryptStep } from '../../pipeline/encrypt-step.ts';
import { createTaskHandler } from '../task-handler.ts';

/** The encrypt Task of the provision state machine. */
export const handler = createTaskHandler({ encrypt: encryptStep });
