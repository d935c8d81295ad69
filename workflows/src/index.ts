export type { SelfCheckInput } from './self-check.workflow';
export type { ChatTurnInput, ChatTurnResult } from './chat-turn.workflow';
export type { IngestCorpusInput } from './ingest-corpus.workflow';
export type { RebuildCollectionInput } from './rebuild-collection.workflow';
export { rebuildProgressSchema, type RebuildProgress } from './rebuild-progress';
export type { AnswerQuestionInput, AnswerQuestionResult } from './answer-question.workflow';
export type { Citation, RetrievedChunk } from './answer';
export type { RunFlowInput, RunFlowResult } from './flow/run-types';
export type * as workflows from './workflows';

/** Absolute path of the workflow bundle's entry, for `Worker.create({ workflowsPath })` and `bundleWorkflowCode`. */
export const workflowsPath = new URL('./workflows.ts', import.meta.url).pathname;
export type { RunMetricsSinks, RunOutcome } from './run-metrics.interceptor';

/** Absolute path of the workflow interceptor module that reports run outcomes (`interceptors.workflowModules`). */
export const runMetricsInterceptorPath = new URL('./run-metrics.interceptor.ts', import.meta.url).pathname;

/** Absolute path of the workflow interceptor module that carries the request id header to activities (`interceptors.workflowModules`). */
export const requestIdInterceptorPath = new URL('./request-id.interceptor.ts', import.meta.url).pathname;
