// What the flows and runs API answers (docs/flows-api.md), parsed with zod so the CLI never trusts a cast.
// The shapes are the server's own (`@astra/workflows/flow`); this module only adds the CLI's envelopes.
import { z } from 'zod';
import { flowExport, flowGraph, flowProblemSchema, flowSummarySchema, nodeStateSchema, runEventSchema, runSchema, runStatusSchema, runSummarySchema, runNodeSchema } from '@astra/workflows/flow';

export const nodeStates = nodeStateSchema.options;
export const nodeState = nodeStateSchema;
export const runStatus = runStatusSchema;
export type NodeState = z.infer<typeof nodeState>;
export type RunStatus = z.infer<typeof runStatus>;
export { flowGraph };
export type FlowGraph = z.infer<typeof flowGraph>;

/** The export file: what `flows export` writes and `flows import` sends. */
export const flowExportFile = flowExport;
export type FlowExportFile = z.infer<typeof flowExportFile>;

export const flowProblem = flowProblemSchema;
export type FlowProblem = z.infer<typeof flowProblem>;
export const flowSummary = flowSummarySchema;
export type FlowSummary = z.infer<typeof flowSummary>;

export { flowList, flowVersion, flowWithVersion, problemsAnswer, runAnswer, runList, validation, versionAnswer } from '@astra/workflows/flow';

export const runSummary = runSummarySchema;
export type RunSummary = z.infer<typeof runSummary>;
export const runNode = runNodeSchema;
export type RunNode = z.infer<typeof runNode>;
export const run = runSchema;
export type Run = z.infer<typeof run>;

/** One live event of `GET /api/runs/{id}/events`; the SSE event name is its type. */
export const runEvent = z.union([z.object({ type: z.literal('snapshot'), run }), runEventSchema]);
export type RunEvent = z.infer<typeof runEvent>;

/** An answer object as the Answer with Citations node gives it. */
export const answerOutput = z.object({
  answer: z.string(),
  citations: z.array(z.object({ number: z.number(), source: z.string(), title: z.string().nullable(), cited: z.boolean() })),
});
