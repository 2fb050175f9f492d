import { generateAssetsStep } from '../../pipeline/generate-assets-step.ts';
import { createTaskHandler } from '../task-handler.ts';

/** The generate-assets Task of the provision state machine. */
export const handler = createTaskHandler({ 'generate-assets': generateAssetsStep });
