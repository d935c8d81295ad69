export type { SelfCheckInput } from './self-check.workflow';
export type { ChatTurnInput, ChatTurnResult } from './chat-turn.workflow';
export type * as workflows from './workflows';

/** Absolute path of the workflow bundle's entry, for `Worker.create({ workflowsPath })` and `bundleWorkflowCode`. */
export const workflowsPath = new URL('./workflows.ts', import.meta.url).pathname;
