// What the flows and runs API answers (docs/flows-api.md), parsed with zod so no surface trusts a cast.
// Flows, runs, their envelopes and run events use the shared schemas of @astra/workflows/flow;
// the rest are the shapes the surfaces read of the other answers.
import { z } from 'zod';
import {
  flowDiff,
  flowExport,
  flowGraph,
  flowProblemSchema,
  flowSummarySchema,
  flowVersion,
  flowWithVersion,
  nodeStateSchema,
  portTypes,
  runEventSchema,
  runNodeSchema,
  runSchema,
  runStatusSchema,
  runSummarySchema,
  runTrainingSchema,
  type PortType,
} from '@astra/workflows/flow';

export { flowGraph };
export { flowList, flowVersion, flowWithVersion, problemsAnswer, runAnswer, runList, validation, versionAnswer } from '@astra/workflows/flow';
export type { FlowGraph, FlowNode, FlowEdge, NodeState, RunStatus, PortType } from '@astra/workflows/flow';

const portTypeNames = Object.keys(portTypes) as [PortType, ...PortType[]];
export const portType = z.enum(portTypeNames);

/** The subset of JSON Schema (draft 2020-12) the node params use and the inspector understands. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

export const jsonSchema: z.ZodType<JsonSchema> = z.lazy(() =>
  z.object({
    type: z.union([z.string(), z.array(z.string())]).optional(),
    title: z.string().optional(),
    description: z.string().optional(),
    default: z.unknown().optional(),
    const: z.unknown().optional(),
    enum: z.array(z.unknown()).optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    exclusiveMinimum: z.number().optional(),
    exclusiveMaximum: z.number().optional(),
    minLength: z.number().optional(),
    maxLength: z.number().optional(),
    pattern: z.string().optional(),
    format: z.string().optional(),
    items: jsonSchema.optional(),
    minItems: z.number().optional(),
    maxItems: z.number().optional(),
    anyOf: z.array(jsonSchema).optional(),
    oneOf: z.array(jsonSchema).optional(),
    properties: z.record(z.string(), jsonSchema).optional(),
    required: z.array(z.string()).optional(),
  }),
);

export const portInfo = z.object({
  name: z.string(),
  type: portType,
  label: z.string(),
  required: z.boolean().optional(),
  description: z.string().optional(),
});
export type PortInfo = z.infer<typeof portInfo>;

export const nodeTypeInfo = z.object({
  type: z.string(),
  version: z.number(),
  title: z.string(),
  category: z.string(),
  categoryLabel: z.string(),
  description: z.string(),
  inputs: z.array(portInfo),
  outputs: z.array(portInfo),
  params: jsonSchema,
  runsOn: z.enum(['worker', 'workflow']),
});
export type NodeTypeInfo = z.infer<typeof nodeTypeInfo>;

export const portTypeInfo = z.object({ type: portType, label: z.string(), description: z.string(), accepts: z.array(z.string()) });
export type PortTypeInfo = z.infer<typeof portTypeInfo>;

export const nodeTypesAnswer = z.object({ nodeTypes: z.array(nodeTypeInfo), portTypes: z.array(portTypeInfo) });

export const user = z.object({ id: z.string(), username: z.string(), role: z.string() });
export type User = z.infer<typeof user>;
export const userAnswer = z.object({ user });

export const flowProblem = flowProblemSchema;
export type FlowProblem = z.infer<typeof flowProblem>;

export const flowSummary = flowSummarySchema;
/** The answer of PUT /api/flows/{id}/sharing. */
export const flowAnswer = z.object({ flow: flowSummary });
export type FlowSummary = z.infer<typeof flowSummary>;

export type FlowVersion = z.infer<typeof flowVersion>;

export const versionInfo = z.object({ number: z.number(), createdAt: z.string(), createdBy: z.string(), message: z.string(), nodes: z.number(), edges: z.number() });
export type VersionInfo = z.infer<typeof versionInfo>;

export type FlowWithVersion = z.infer<typeof flowWithVersion>;
export const versionList = z.object({ versions: z.array(versionInfo) });

export { flowDiff };
export type { FlowDiff } from '@astra/workflows/flow';
export const diffAnswer = z.object({ diff: flowDiff });

/** The export file: what an export answers and an import sends (the one definition, in @astra/workflows/flow). */
export const flowExportFile = flowExport;
export type FlowExportFile = z.infer<typeof flowExportFile>;

export const template = z.object({ id: z.string(), name: z.string(), description: z.string(), graph: flowGraph });
export type FlowTemplate = z.infer<typeof template>;
export const templateList = z.object({ templates: z.array(template) });

export const nodeState = nodeStateSchema;
export const runStatus = runStatusSchema;

export const runSummary = runSummarySchema;
export type RunSummary = z.infer<typeof runSummary>;

export const runLog = runNodeSchema.shape.logs.element;
export type RunLog = z.infer<typeof runLog>;

export const runNode = runNodeSchema;
export type RunNode = z.infer<typeof runNode>;

export const run = runSchema;
export type Run = z.infer<typeof run>;

export const nodeOutputs = z.object({ outputs: z.record(z.string(), z.unknown()) });

/** One live event of `GET /api/runs/{id}/events` after the snapshot; the SSE event name is its type. */
export const runEvent = runEventSchema;
export type RunEvent = z.infer<typeof runEvent>;

/** `GET /api/runs/{id}/training`: the loss curves of a run's training nodes and its evaluations. */
export const runTraining = runTrainingSchema;
export type RunTraining = z.infer<typeof runTraining>;

/** An answer as the Answer with Citations node gives it. */
export const answerValue = z.object({
  answer: z.string(),
  citations: z.array(z.object({ number: z.number(), source: z.string(), title: z.string().nullable(), cited: z.boolean(), chunkId: z.string().optional() })),
});
export type AnswerValue = z.infer<typeof answerValue>;

export const modelList = z.object({ models: z.array(z.object({ name: z.string(), kind: z.enum(['generation', 'embedding']) })) });
