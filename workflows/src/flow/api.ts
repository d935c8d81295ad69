// The flows and runs API's answers as zod schemas, shared by the server (which declares its routes
// with them), the CLI and the editor (which parse what they receive). docs/flows-api.md explains them.
import { z } from 'zod';
import { flowGraph } from './graph';

export const nodeStateSchema = z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped', 'cached', 'cancelled']);
export const runStatusSchema = z.enum(['running', 'succeeded', 'failed', 'cancelled']);

export const flowProblemSchema = z.object({ code: z.string(), nodeId: z.string().optional(), edgeId: z.string().optional(), path: z.string(), message: z.string() });

export const flowSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  owner: z.string(),
  latestVersion: z.number(),
  updatedAt: z.string(),
  visibility: z.enum(['private', 'shared']),
  sharedWith: z.object({ users: z.array(z.string()), roles: z.array(z.string()) }),
  canEdit: z.boolean(),
});

export const runSummarySchema = z.object({
  id: z.string(),
  flowId: z.string(),
  flowName: z.string(),
  version: z.number(),
  status: runStatusSchema,
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  rerunOf: z.string().nullable(),
  fromNode: z.string().nullable(),
  /** What the run was given: a list of runs is read by its inputs ("which question was that?"). */
  inputs: z.record(z.string(), z.string()),
  /** The username of whoever started it. */
  ranBy: z.string(),
});

export const runNodeSchema = z.object({
  nodeId: z.string(),
  type: z.string(),
  label: z.string().nullable(),
  state: nodeStateSchema,
  attempts: z.number(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  error: z.string().nullable(),
  inputPreview: z.string().nullable(),
  outputPreview: z.string().nullable(),
  logs: z.array(z.object({ at: z.string(), level: z.string(), message: z.string() })),
});

export const runSchema = runSummarySchema.extend({
  outputs: z.record(z.string(), z.unknown()),
  error: z.string().nullable(),
  workflowId: z.string(),
  temporalUrl: z.string().nullable(),
  nodes: z.array(runNodeSchema),
});

/** One step of a Fine-tune (LoRA) node: the training loss of that step's batch, the validation loss where it was measured. */
export const trainingPointSchema = z.object({
  step: z.number().int().min(0),
  steps: z.number().int().min(0),
  loss: z.number().nullable(),
  valLoss: z.number().nullable(),
  tokensPerSecond: z.number().nullable(),
  etaSeconds: z.number().nullable(),
});

/** One message of `GET /api/runs/{id}/events` after the snapshot. */
export const runEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('node'), nodeId: z.string(), state: nodeStateSchema, attempt: z.number().optional(), at: z.string(), error: z.string().optional(), preview: z.string().optional() }),
  z.object({ type: z.literal('progress'), nodeId: z.string(), done: z.number(), total: z.number(), unit: z.string() }),
  z.object({ type: z.literal('log'), nodeId: z.string(), level: z.enum(['info', 'warn', 'error']), message: z.string(), at: z.string() }),
  z.object({ type: z.literal('token'), nodeId: z.string(), text: z.string(), seq: z.number() }),
  z.object({ type: z.literal('run'), status: runStatusSchema, at: z.string(), error: z.string().optional() }),
  z.object({ type: z.literal('training'), nodeId: z.string(), point: trainingPointSchema }),
]);

/** `GET /api/runs/{id}/training`: each training node's loss curve so far, and each Evaluate node's before/after figures and samples. */
export const runTrainingSchema = z.object({
  curves: z.array(z.object({ nodeId: z.string(), points: z.array(trainingPointSchema) })),
  evaluations: z.array(z.object({
    nodeId: z.string(),
    before: z.object({ valLoss: z.number(), perplexity: z.number() }),
    after: z.object({ valLoss: z.number(), perplexity: z.number() }),
    samples: z.array(z.object({ prompt: z.string(), before: z.string(), after: z.string() })),
  })),
});

export type FlowSummary = z.infer<typeof flowSummarySchema>;
export type RunSummary = z.infer<typeof runSummarySchema>;
export type RunView = z.infer<typeof runSchema>;
export type RunNodeView = z.infer<typeof runNodeSchema>;
export type RunEventMessage = z.infer<typeof runEventSchema>;
export type TrainingPoint = z.infer<typeof trainingPointSchema>;
export type RunTraining = z.infer<typeof runTrainingSchema>;

// The envelopes the routes answer with, parsed by the CLI and the editor alike.
export const flowVersion = z.object({ number: z.number(), graph: flowGraph, createdAt: z.string(), createdBy: z.string(), message: z.string() });
// A page of flows: your own first, then those shared with you; `total` counts every match, so a
// page that is not all of them says so (`nextOffset` is where the next page starts, null on the last).
export const flowList = z.object({ flows: z.array(flowSummarySchema), total: z.number().int(), nextOffset: z.number().int().nullable() });
export const flowWithVersion = z.object({ flow: flowSummarySchema, version: flowVersion });
export const versionAnswer = z.object({ version: flowVersion });
export const validation = z.object({ valid: z.boolean(), problems: z.array(flowProblemSchema) });
/** The body of a 422 on a flow or a run. */
export const problemsAnswer = z.object({ error: z.string(), problems: z.array(flowProblemSchema).default([]) });
export const runAnswer = z.object({ run: runSchema });
export const runList = z.object({ runs: z.array(runSummarySchema) });

/**
 * Picks the flow a name means among the flows with exactly that name the caller can see: their own
 * flow wins over shared ones, so someone sharing a flow of the same name cannot have it run in the
 * caller's place; two candidates of the same rank are refused, naming each (id and owner).
 */
export function pickFlowByName<T extends Pick<FlowSummary, 'id' | 'name' | 'owner' | 'canEdit'>>(
  named: T[], reference: string,
): { flow: T } | { error: string } {
  const exact = named.filter((flow) => flow.name === reference);
  const own = exact.filter((flow) => flow.canEdit);
  const rank = own.length > 0 ? own : exact;
  if (rank.length === 1) return { flow: rank[0]! };
  if (rank.length === 0) return { error: `no flow with the id or name "${reference}"` };
  const whose = own.length > 0 ? 'of yours are' : 'shared with you are';
  return { error: `${rank.length} flows ${whose} named "${reference}": ${rank.map((flow) => `${flow.id} (by ${flow.owner})`).join(', ')}; use the id` };
}
