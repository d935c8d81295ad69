// Validation on save and before every run: each problem names the node (or edge) and the field.
import { findNodeSpec } from '../nodes/registry';
import type { AnyNodeSpec } from './define-node';
import { flowGraph, type FlowGraph } from './graph';
import { connectionProblem } from './ports';

export type FlowProblemCode =
  | 'invalid-graph'
  | 'duplicate-id'
  | 'unknown-node-type'
  | 'invalid-params'
  | 'unknown-node'
  | 'unknown-port'
  | 'port-type-mismatch'
  | 'input-already-connected'
  | 'cycle'
  | 'missing-input'
  | 'unknown-input'
  | 'duplicate-name';

export interface FlowProblem {
  code: FlowProblemCode;
  /** The node the problem is on, when it is on one. */
  nodeId?: string;
  edgeId?: string;
  /** Where in the node or edge: `params.model`, `inputs.query`, `targetPort`. */
  path: string;
  message: string;
}

/** Every problem with a graph (unparsed JSON in, so the same checks cover the API, imports and notebooks). */
export function validateFlow(input: unknown): { graph?: FlowGraph; problems: FlowProblem[] } {
  const parsed = flowGraph.safeParse(input);
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((issue) => {
        const [where, index, ...rest] = issue.path;
        const node = where === 'nodes' && typeof index === 'number' ? (input as { nodes?: Array<{ id?: unknown }> }).nodes?.[index] : undefined;
        return {
          code: 'invalid-graph',
          ...(typeof node?.id === 'string' ? { nodeId: node.id } : {}),
          path: (node ? rest : issue.path).map(String).join('.') || '(graph)',
          message: issue.message,
        };
      }),
    };
  }
  const graph = parsed.data;
  const problems: FlowProblem[] = [];
  const specs = new Map<string, AnyNodeSpec>();
  const seen = new Set<string>();
  const names = new Map<string, string>();

  for (const node of graph.nodes) {
    if (seen.has(node.id)) problems.push({ code: 'duplicate-id', nodeId: node.id, path: 'id', message: `two nodes have the id "${node.id}"` });
    seen.add(node.id);
    const spec = findNodeSpec(node.type, node.version);
    if (!spec) {
      problems.push({ code: 'unknown-node-type', nodeId: node.id, path: 'type', message: `no node type "${node.type}" at version ${node.version}` });
      continue;
    }
    specs.set(node.id, spec);
    const params = spec.params.safeParse(node.params);
    if (!params.success) {
      for (const issue of params.error.issues) {
        const field = issue.path.map(String).join('.');
        problems.push({ code: 'invalid-params', nodeId: node.id, path: `params${field ? `.${field}` : ''}`, message: `${spec.title} "${node.id}": ${field || 'params'}: ${issue.message}` });
      }
    } else if (node.type === 'io.input' || node.type === 'io.output') {
      const name = String((params.data as { name: string }).name);
      const key = `${node.type}:${name}`;
      if (names.has(key)) problems.push({ code: 'duplicate-name', nodeId: node.id, path: 'params.name', message: `node "${names.get(key)}" already uses the ${node.type === 'io.input' ? 'input' : 'output'} name "${name}"` });
      else names.set(key, node.id);
    }
  }

  const connected = new Map<string, string>();
  for (const edge of graph.edges) {
    const from = specs.get(edge.source);
    const to = specs.get(edge.target);
    if (!seen.has(edge.source)) problems.push({ code: 'unknown-node', edgeId: edge.id, path: 'source', message: `edge "${edge.id}" starts at a node "${edge.source}" that is not in the flow` });
    if (!seen.has(edge.target)) problems.push({ code: 'unknown-node', edgeId: edge.id, path: 'target', message: `edge "${edge.id}" ends at a node "${edge.target}" that is not in the flow` });
    if (!from || !to) continue;
    const out = from.outputs[edge.sourcePort];
    const into = to.inputs[edge.targetPort];
    if (!out) problems.push({ code: 'unknown-port', nodeId: edge.source, edgeId: edge.id, path: `outputs.${edge.sourcePort}`, message: `${from.title} has no output "${edge.sourcePort}" (it has ${Object.keys(from.outputs).join(', ') || 'none'})` });
    if (!into) problems.push({ code: 'unknown-port', nodeId: edge.target, edgeId: edge.id, path: `inputs.${edge.targetPort}`, message: `${to.title} has no input "${edge.targetPort}" (it has ${Object.keys(to.inputs).join(', ') || 'none'})` });
    if (!out || !into) continue;
    const mismatch = connectionProblem(out.type, into.type);
    if (mismatch) problems.push({ code: 'port-type-mismatch', nodeId: edge.target, edgeId: edge.id, path: `inputs.${edge.targetPort}`, message: `${edge.source}.${edge.sourcePort} → ${edge.target}.${edge.targetPort}: ${mismatch}` });
    const key = `${edge.target}\0${edge.targetPort}`;
    if (connected.has(key)) problems.push({ code: 'input-already-connected', nodeId: edge.target, edgeId: edge.id, path: `inputs.${edge.targetPort}`, message: `input "${edge.targetPort}" of "${edge.target}" already has an edge ("${connected.get(key)}"); an input takes one` });
    else connected.set(key, edge.id);
  }

  for (const node of graph.nodes) {
    const spec = specs.get(node.id);
    if (!spec) continue;
    for (const [port, input] of Object.entries(spec.inputs)) {
      if (input.required !== false && !connected.has(`${node.id}\0${port}`)) {
        problems.push({ code: 'missing-input', nodeId: node.id, path: `inputs.${port}`, message: `${spec.title} "${node.id}" needs its "${input.label}" input connected` });
      }
    }
  }

  const cycle = findCycle(graph);
  if (cycle) problems.push({ code: 'cycle', nodeId: cycle[0], path: 'edges', message: `the flow has a cycle: ${[...cycle, cycle[0]].join(' → ')}` });
  return { graph, problems };
}

/** The nodes of one cycle, in order, or null (iterative DFS, so 5,000 nodes in a chain do not overflow the stack). */
export function findCycle(graph: FlowGraph): string[] | null {
  const next = new Map<string, string[]>(graph.nodes.map((node) => [node.id, []]));
  for (const edge of graph.edges) next.get(edge.source)?.push(edge.target);
  const state = new Map<string, 1 | 2>();
  for (const start of next.keys()) {
    if (state.has(start)) continue;
    const stack: Array<{ id: string; i: number }> = [{ id: start, i: 0 }];
    state.set(start, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const targets = next.get(top.id) ?? [];
      if (top.i < targets.length) {
        const target = targets[top.i++]!;
        if (state.get(target) === 1) {
          const from = stack.findIndex((frame) => frame.id === target);
          return stack.slice(from).map((frame) => frame.id);
        }
        if (!state.has(target) && next.has(target)) {
          state.set(target, 1);
          stack.push({ id: target, i: 0 });
        }
      } else {
        state.set(top.id, 2);
        stack.pop();
      }
    }
  }
  return null;
}
