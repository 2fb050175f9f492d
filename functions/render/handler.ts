import { renderStep } from '../../pipeline/render-step.ts';
import { createTaskHandler } from '../task-handler.ts';

/** The render Task of the provision state machine. */
export const handler = createTaskHandler({ render: renderStep });
