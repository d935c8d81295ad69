import { describe, expect, it } from 'vitest';
import { connectionProblem } from '@astra/workflows/flow';
import { catalogueFromSpecs } from '../lib/spec-catalogue';
import { createEditorStore } from './editor-store';

const catalogue = catalogueFromSpecs();

function storeWith(types: string[]) {
  const store = createEditorStore(catalogue);
  const ids = types.map((type, i) => store.getState().addNode(type, 1, { x: i * 300, y: 0 })!);
  store.setState({ past: [], future: [] });
  return { store, ids };
}

const wire = (source: string, sourceHandle: string, target: string, targetHandle: string) => ({ source, sourceHandle, target, targetHandle });

describe('the editor store', () => {
  it('refuses wrong connections with the reason, and makes right ones', () => {
    const { store, ids } = storeWith(['sources.load-files', 'rag.chunk', 'rag.embed']);
    const [load, chunk, embed] = ids as [string, string, string];
    expect(store.getState().connectionRefusal(wire(load, 'documents', embed, 'chunks'))).toBe(connectionProblem('documents', 'chunks'));
    expect(store.getState().connectionRefusal(wire(load, 'documents', chunk, 'documents'))).toBeNull();
    store.getState().onConnect(wire(load, 'documents', chunk, 'documents'));
    store.getState().onConnect(wire(chunk, 'chunks', embed, 'chunks'));
    expect(store.getState().edges.map((edge) => edge.id)).toEqual([`${load}.documents-${chunk}.documents`, `${chunk}.chunks-${embed}.chunks`]);
    expect(store.getState().connectionRefusal(wire(load, 'documents', chunk, 'documents'))).toMatch(/already has a connection/);
    store.getState().onConnect(wire(load, 'documents', embed, 'chunks'));
    expect(store.getState().edges).toHaveLength(2);
  });

  it('refuses a cycle', () => {
    const { store, ids } = storeWith(['util.pass-through', 'util.pass-through']);
    const [a, b] = ids as [string, string];
    store.getState().onConnect(wire(a, 'value', b, 'value'));
    expect(store.getState().connectionRefusal(wire(b, 'value', a, 'value'))).toBe('this connection would make a cycle');
  });

  it('undoes and redoes, typing in one field being one step', () => {
    const { store, ids } = storeWith(['rag.retrieve']);
    const [retrieve] = ids as [string];
    const before = store.getState().currentGraph();
    store.getState().setParam(retrieve, 'k', 1);
    store.getState().setParam(retrieve, 'k', 12);
    store.getState().setLabel(retrieve, 'Search');
    const after = store.getState().currentGraph();
    expect(store.getState().past).toHaveLength(2);
    store.getState().undo();
    store.getState().undo();
    expect(store.getState().currentGraph()).toEqual(before);
    store.getState().undo();
    expect(store.getState().currentGraph()).toEqual(before);
    store.getState().redo();
    store.getState().redo();
    expect(store.getState().currentGraph()).toEqual(after);
    expect(after.nodes[0]).toMatchObject({ label: 'Search', params: { k: 12 } });
  });

  it('pastes copies with fresh ids, offset, and the edges between them', () => {
    const { store, ids } = storeWith(['rag.chunk', 'rag.embed', 'rag.store']);
    const [chunk, embed, storeNode] = ids as [string, string, string];
    store.getState().onConnect(wire(chunk, 'chunks', embed, 'chunks'));
    store.getState().onConnect(wire(embed, 'embeddings', storeNode, 'embeddings'));
    store.getState().setParam(storeNode, 'collection', 'notes');
    store.getState().selectOnly([embed, storeNode]);
    expect(store.getState().copySelection()).toBe(2);
    expect(store.getState().paste()).toBe(2);
    const graph = store.getState().currentGraph();
    expect(graph.nodes.map((node) => node.id)).toEqual(['chunk_1', 'embed_1', 'store_1', 'embed_2', 'store_2']);
    expect(graph.nodes[4]).toMatchObject({ type: 'rag.store', params: { collection: 'notes' }, position: { x: 640, y: 40 } });
    expect(graph.edges.map((edge) => edge.id)).toEqual(['chunk_1.chunks-embed_1.chunks', 'embed_1.embeddings-store_1.embeddings', 'embed_2.embeddings-store_2.embeddings']);
    expect(store.getState().nodes.filter((node) => node.selected).map((node) => node.id)).toEqual(['embed_2', 'store_2']);
    store.getState().undo();
    expect(store.getState().nodes.map((node) => node.id)).toEqual(['chunk_1', 'embed_1', 'store_1']);
  });

  it('deletes the selection with its edges, as one undo step', () => {
    const { store, ids } = storeWith(['rag.chunk', 'rag.embed']);
    const [chunk, embed] = ids as [string, string];
    store.getState().onConnect(wire(chunk, 'chunks', embed, 'chunks'));
    store.getState().selectOnly([chunk]);
    store.getState().deleteSelected();
    expect(store.getState().currentGraph()).toMatchObject({ nodes: [{ id: embed }], edges: [] });
    store.getState().undo();
    expect(store.getState().currentGraph().edges).toHaveLength(1);
  });

  it('lays a chain out left to right', () => {
    const { store, ids } = storeWith(['rag.chunk', 'rag.embed', 'rag.store']);
    const [chunk, embed, storeNode] = ids as [string, string, string];
    store.getState().onConnect(wire(embed, 'embeddings', storeNode, 'embeddings'));
    store.getState().onConnect(wire(chunk, 'chunks', embed, 'chunks'));
    store.setState({ nodes: store.getState().nodes.map((node, i) => ({ ...node, position: { x: (2 - i) * 500, y: i * 333 } })) });
    store.getState().layout();
    const x = (id: string) => store.getState().nodes.find((node) => node.id === id)!.position.x;
    expect(x(chunk)).toBeLessThan(x(embed));
    expect(x(embed)).toBeLessThan(x(storeNode));
  });

  it('follows a run: states, timings, streamed tokens and the end', () => {
    const { store, ids } = storeWith(['rag.answer']);
    const [answer] = ids as [string];
    store.getState().showRun({
      id: 'r1', flowId: 'f', flowName: 'F', version: 1, status: 'running', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: null, rerunOf: null, fromNode: null, ranBy: 'ada',
      inputs: {}, outputs: {}, error: null, workflowId: 'w', temporalUrl: null,
      nodes: [{ nodeId: answer, type: 'rag.answer', label: null, state: 'pending', attempts: 0, startedAt: null, finishedAt: null, durationMs: null, error: null, inputPreview: null, outputPreview: null, logs: [] }],
    });
    const apply = store.getState().applyRunEvent;
    apply({ type: 'node', nodeId: answer, state: 'running', attempt: 1, at: '2026-01-01T00:00:01.000Z' });
    const statesBeforeTokens = store.getState().nodeRuns;
    apply({ type: 'token', nodeId: answer, text: 'Otters ', seq: 0 });
    apply({ type: 'token', nodeId: answer, text: 'hold hands.', seq: 1 });
    // Tokens leave the node states as they were, so what draws states (the canvas) is not re-rendered per token.
    expect(store.getState().nodeRuns).toBe(statesBeforeTokens);
    expect(store.getState().nodeRuns[answer]).toMatchObject({ state: 'running', attempts: 1 });
    expect(store.getState().streams[answer]).toBe('Otters hold hands.');
    apply({ type: 'node', nodeId: answer, state: 'succeeded', at: '2026-01-01T00:00:03.500Z', preview: 'Otters hold hands.' });
    apply({ type: 'run', status: 'succeeded', at: '2026-01-01T00:00:04.000Z' });
    expect(store.getState().nodeRuns[answer]).toMatchObject({ state: 'succeeded', durationMs: 2500, preview: 'Otters hold hands.' });
    expect(store.getState().run).toMatchObject({ status: 'succeeded', finishedAt: '2026-01-01T00:00:04.000Z' });
  });
});
