// Pure graph questions the interpreter, the runs API and the editor ask: what feeds a node, what lies
// upstream of it, and what changed between two versions.
import { z } from 'zod';
import { flowEdge, flowNode, type FlowEdge, type FlowGraph } from './graph';

/** The edges into each node, keyed by node id. */
export function incomingEdges(graph: FlowGraph): Map<string, FlowEdge[]> {
  const incoming = new Map<string, FlowEdge[]>(graph.nodes.map((node) => [node.id, []]));
  for (const edge of graph.edges) incoming.get(edge.target)?.push(edge);
  return incoming;
}

/** Every node upstream of `nodeId` (not itself). */
export function ancestorsOf(graph: FlowGraph, nodeId: string): Set<string> {
  const incoming = incomingEdges(graph);
  const found = new Set<string>();
  const queue = [nodeId];
  while (queue.length > 0) {
    for (const edge of incoming.get(queue.pop()!) ?? []) {
      if (!found.has(edge.source)) {
        found.add(edge.source);
        queue.push(edge.source);
      }
    }
  }
  return found;
}

const stable = (value: unknown): string => JSON.stringify(value, (_key, v: unknown) =>
  v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v);

/** Whether a node computes the same thing in both graphs: same type, version, params and the same wiring into it. */
export function sameComputation(a: FlowGraph, b: FlowGraph, nodeId: string): boolean {
  const na = a.nodes.find((node) => node.id === nodeId);
  const nb = b.nodes.find((node) => node.id === nodeId);
  if (!na || !nb || na.type !== nb.type || na.version !== nb.version || stable(na.params) !== stable(nb.params)) return false;
  const wiring = (graph: FlowGraph) => graph.edges.filter((edge) => edge.target === nodeId).map((edge) => `${edge.source}.${edge.sourcePort}>${edge.targetPort}`).sort().join(',');
  return wiring(a) === wiring(b);
}

/** What `GET /api/flows/{id}/diff` answers and the editor's version view draws. */
export const flowDiff = z.object({
  nodes: z.object({
    added: z.array(flowNode),
    removed: z.array(flowNode),
    changed: z.array(z.object({ id: z.string(), before: flowNode, after: flowNode, fields: z.array(z.string()) })),
    moved: z.array(z.string()),
  }),
  edges: z.object({ added: z.array(flowEdge), removed: z.array(flowEdge) }),
});
export type FlowDiff = z.infer<typeof flowDiff>;

/** What changed from `before` to `after`: nodes by id (with the changed fields), edges by their endpoints. */
export function diffFlows(before: FlowGraph, after: FlowGraph): FlowDiff {
  const old = new Map(before.nodes.map((node) => [node.id, node]));
  const now = new Map(after.nodes.map((node) => [node.id, node]));
  const changed: FlowDiff['nodes']['changed'] = [];
  const moved: string[] = [];
  for (const [id, node] of now) {
    const was = old.get(id);
    if (!was) continue;
    const fields: string[] = [];
    if (was.type !== node.type) fields.push('type');
    if (was.version !== node.version) fields.push('version');
    if ((was.label ?? '') !== (node.label ?? '')) fields.push('label');
    for (const key of new Set([...Object.keys(was.params), ...Object.keys(node.params)])) {
      if (stable(was.params[key]) !== stable(node.params[key])) fields.push(`params.${key}`);
    }
    if (fields.length > 0) changed.push({ id, before: was, after: node, fields });
    else if (stable(was.position) !== stable(node.position)) moved.push(id);
  }
  const edgeKey = (edge: FlowEdge) => `${edge.source}.${edge.sourcePort}>${edge.target}.${edge.targetPort}`;
  const oldEdges = new Set(before.edges.map(edgeKey));
  const newEdges = new Set(after.edges.map(edgeKey));
  return {
    nodes: {
      added: after.nodes.filter((node) => !old.has(node.id)),
      removed: before.nodes.filter((node) => !now.has(node.id)),
      changed,
      moved,
    },
    edges: {
      added: after.edges.filter((edge) => !oldEdges.has(edgeKey(edge))),
      removed: before.edges.filter((edge) => !newEdges.has(edgeKey(edge))),
    },
  };
}
