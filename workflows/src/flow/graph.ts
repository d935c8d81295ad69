// A flow's graph as stored in each version and frozen into a run's snapshot, and its export format.
import { z } from 'zod';

export const nodeIdPattern = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

export const flowNode = z.object({
  id: z.string().regex(nodeIdPattern, 'a node id is 1-64 letters, digits, "_" or "-", starting with a letter'),
  type: z.string().min(1),
  version: z.number().int().positive(),
  label: z.string().max(200).optional(),
  params: z.record(z.string(), z.unknown()).default({}),
  position: z.object({ x: z.number(), y: z.number() }).optional(),
});

export const flowEdge = z.object({
  id: z.string().min(1).max(200),
  source: z.string(),
  sourcePort: z.string(),
  target: z.string(),
  targetPort: z.string(),
});

export const flowGraph = z.object({
  nodes: z.array(flowNode).max(5000),
  edges: z.array(flowEdge).max(20000),
});

export type FlowNode = z.infer<typeof flowNode>;
export type FlowEdge = z.infer<typeof flowEdge>;
export type FlowGraph = z.infer<typeof flowGraph>;

export const flowFormat = 'astra.flow' as const;
export const flowFormatVersion = 1 as const;

/** What `astra flows export` writes and import reads: the graph plus enough to name it. */
export const flowExport = z.object({
  format: z.literal(flowFormat, { error: 'not an Astra flow export: "format" must be "astra.flow"' }),
  formatVersion: z.literal(flowFormatVersion, { error: 'this version of Astra reads flow exports of formatVersion 1' }),
  name: z.string().min(1).max(200),
  description: z.string().max(4000).default(''),
  graph: flowGraph,
});

export type FlowExport = z.infer<typeof flowExport>;

/** What a run executes: one frozen version of a flow; the workflow never reads the database. */
export interface FlowSnapshot {
  flowId: string;
  flowVersion: number;
  graph: FlowGraph;
}
