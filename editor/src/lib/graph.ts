// A flow's graph as stored (FlowGraph) and as the canvas holds it (xyflow nodes and edges), and back.
import type { Edge, Node } from '@xyflow/react';
import type { FlowEdge, FlowGraph, FlowNode } from '../api/schemas';

export interface AstraNodeData extends Record<string, unknown> {
  nodeType: string;
  version: number;
  label?: string;
  params: Record<string, unknown>;
}

export type AstraNode = Node<AstraNodeData, 'astra'>;
export type AstraEdge = Edge;

export function toCanvasNode(node: FlowNode, index = 0): AstraNode {
  return {
    id: node.id,
    type: 'astra',
    position: node.position ?? { x: (index % 5) * 280, y: Math.floor(index / 5) * 200 },
    data: { nodeType: node.type, version: node.version, params: node.params, ...(node.label !== undefined ? { label: node.label } : {}) },
  };
}

export function toCanvasEdge(edge: FlowEdge): AstraEdge {
  return { id: edge.id, source: edge.source, target: edge.target, sourceHandle: edge.sourcePort, targetHandle: edge.targetPort };
}

export function fromFlowGraph(graph: FlowGraph): { nodes: AstraNode[]; edges: AstraEdge[] } {
  return { nodes: graph.nodes.map(toCanvasNode), edges: graph.edges.map(toCanvasEdge) };
}

export function toFlowNode(node: AstraNode): FlowNode {
  return {
    id: node.id,
    type: node.data.nodeType,
    version: node.data.version,
    ...(node.data.label ? { label: node.data.label } : {}),
    params: node.data.params,
    position: { x: Math.round(node.position.x), y: Math.round(node.position.y) },
  };
}

export function toFlowEdge(edge: AstraEdge): FlowEdge {
  return { id: edge.id, source: edge.source, sourcePort: edge.sourceHandle ?? '', target: edge.target, targetPort: edge.targetHandle ?? '' };
}

export function toFlowGraph(nodes: readonly AstraNode[], edges: readonly AstraEdge[]): FlowGraph {
  return { nodes: nodes.map(toFlowNode), edges: edges.map(toFlowEdge) };
}

/** JSON with object keys sorted, so two equal graphs give the same text whatever order their keys came in. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v);
}

/** What decides "unsaved changes": the graph as it would be saved. */
export const graphKey = (graph: FlowGraph): string => stableJson(graph);

export const edgeIdFor = (source: string, sourcePort: string, target: string, targetPort: string): string =>
  `${source}.${sourcePort}-${target}.${targetPort}`.slice(0, 200);

/** A fresh node id from the type's last word: `rag.embed` → `embed_1`, `embed_2`, … */
export function newNodeId(type: string, taken: ReadonlySet<string>): string {
  const base = (type.split('.').pop() ?? 'node').replace(/[^A-Za-z0-9_-]/g, '_').replace(/^[^A-Za-z]+/, '') || 'node';
  for (let n = 1; ; n += 1) {
    const id = `${base.slice(0, 56)}_${n}`;
    if (!taken.has(id)) return id;
  }
}

/** Whether an edge source → target would close a cycle (target already reaches source). */
export function wouldCycle(edges: readonly AstraEdge[], source: string, target: string): boolean {
  if (source === target) return true;
  const next = new Map<string, string[]>();
  for (const edge of edges) next.set(edge.source, [...(next.get(edge.source) ?? []), edge.target]);
  const seen = new Set<string>();
  const stack = [target];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === source) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return false;
}
