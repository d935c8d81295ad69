import { describe, expect, it } from 'vitest';
import { createActivities } from '@astra/activities';
import { connectionProblem, diffFlows, findCycle, nodeCatalogue, validateFlow, type FlowGraph } from './index';

const chain = (length: number): FlowGraph => ({
  nodes: Array.from({ length }, (_, i) => ({ id: `n${i}`, type: 'util.pass-through', version: 1, params: {} })),
  edges: Array.from({ length: length - 1 }, (_, i) => ({ id: `e${i}`, source: `n${i}`, sourcePort: 'value', target: `n${i + 1}`, targetPort: 'value' })),
});

describe('validateFlow', () => {
  it('accepts a 5000-node chain and finds a cycle closed at its end without overflowing the stack', () => {
    const graph = chain(5000);
    expect(validateFlow(graph).problems).toEqual([]);
    graph.edges.push({ id: 'back', source: 'n4999', sourcePort: 'value', target: 'n0', targetPort: 'value' });
    expect(findCycle(graph)).toHaveLength(5000);
  });

  it('names the node and field of malformed graphs, duplicate ids, unknown ports and doubly fed inputs', () => {
    expect(validateFlow({ nodes: [{ id: '1bad', type: 'x', version: 1 }], edges: [] }).problems).toEqual([
      expect.objectContaining({ code: 'invalid-graph', nodeId: '1bad', path: 'id' }),
    ]);
    const graph = chain(2);
    graph.nodes.push({ id: 'n1', type: 'util.pass-through', version: 1, params: {} });
    graph.edges.push({ id: 'x', source: 'n0', sourcePort: 'nope', target: 'n1', targetPort: 'value' });
    graph.edges.push({ id: 'y', source: 'n0', sourcePort: 'value', target: 'n1', targetPort: 'value' });
    const codes = validateFlow(graph).problems.map((problem) => [problem.code, problem.nodeId, problem.path]);
    expect(codes).toEqual(expect.arrayContaining([
      ['duplicate-id', 'n1', 'id'],
      ['unknown-port', 'n0', 'outputs.nope'],
      ['input-already-connected', 'n1', 'inputs.value'],
    ]));
  });

  it('refuses connections between types that do not fit, with the reason', () => {
    expect(connectionProblem('text', 'documents')).toMatch(/a text output cannot feed a documents input \(it takes documents\)/);
    expect(connectionProblem('documents', 'text')).toBeNull();
    expect(connectionProblem('embeddings', 'any')).toBeNull();
    // A collection input takes a collection's name as text (an Input a chat app fills), nothing else.
    expect(connectionProblem('text', 'collection')).toBeNull();
    expect(connectionProblem('number', 'collection')).toMatch(/a number output cannot feed a collection input \(it takes collection, text\)/);
    // Port types that start with a vowel read with "an".
    expect(connectionProblem('embeddings', 'chunks')).toMatch(/^an embeddings output cannot feed a chunks input/);
    expect(connectionProblem('chunks', 'answer')).toMatch(/^a chunks output cannot feed an answer input/);
  });

  it('diffs two versions by node id and edge endpoints', () => {
    const before = chain(3);
    const after = chain(2);
    after.nodes[0]!.position = { x: 5, y: 5 };
    after.nodes[1]!.label = 'renamed';
    const diff = diffFlows(before, after);
    expect(diff.nodes.removed.map((node) => node.id)).toEqual(['n2']);
    expect(diff.nodes.changed.map((change) => [change.id, change.fields])).toEqual([['n1', ['label']]]);
    expect(diff.nodes.moved).toEqual(['n0']);
    expect(diff.edges.removed.map((edge) => edge.id)).toEqual(['e1']);
  });
});

describe('node catalogue', () => {
  it('has a worker activity for every node that runs as one, and unique type@version keys', () => {
    const activities = createActivities({} as Parameters<typeof createActivities>[0]);
    const missing = nodeCatalogue.filter((spec) => 'activity' in spec.run && !(spec.run.activity in activities)).map((spec) => spec.type);
    expect(missing).toEqual([]);
    expect(new Set(nodeCatalogue.map((spec) => `${spec.type}@${spec.version}`)).size).toBe(nodeCatalogue.length);
    for (const spec of nodeCatalogue) expect(spec.params.safeParse({}).success || spec.type === 'rag.store' || spec.type === 'io.input', spec.type).toBe(true);
  });
});
