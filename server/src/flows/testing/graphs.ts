// Small flows the tests build: a graph from nodes listed in order and edges written "a.port>b.port".
import type { FlowGraph } from '@astra/workflows/flow';

export function graphOf(nodes: Array<{ id: string; type: string; version?: number; params?: Record<string, unknown> }>, edges: string[]): FlowGraph {
  return {
    nodes: nodes.map((node, i) => ({ id: node.id, type: node.type, version: node.version ?? 1, params: node.params ?? {}, position: { x: i * 280, y: 0 } })),
    edges: edges.map((edge) => {
      const [from, to] = edge.split('>') as [string, string];
      const [source, sourcePort] = from.split('.') as [string, string];
      const [target, targetPort] = to.split('.') as [string, string];
      return { id: `${source}-${sourcePort}-${target}-${targetPort}`, source, sourcePort, target, targetPort };
    }),
  };
}

/** The RAG pipeline over a folder and a question: load → chunk → embed → store → retrieve → answer. */
export function ragFlow(collection: string, answerModel = 'smollm2-135m-instruct'): FlowGraph {
  return graphOf(
    [
      { id: 'folder', type: 'io.input', params: { name: 'folder' } },
      { id: 'question', type: 'io.input', params: { name: 'question' } },
      { id: 'load', type: 'sources.load-files' },
      { id: 'chunk', type: 'rag.chunk' },
      { id: 'embed', type: 'rag.embed' },
      { id: 'store', type: 'rag.store', params: { collection } },
      { id: 'retrieve', type: 'rag.retrieve', params: { k: 3, mode: 'hybrid' } },
      { id: 'answer', type: 'rag.answer', params: { model: answerModel, maxTokens: 60 } },
      { id: 'result', type: 'io.output', params: { name: 'answer' } },
    ],
    [
      'folder.value>load.path', 'load.documents>chunk.documents', 'chunk.chunks>embed.chunks', 'chunk.chunks>store.chunks',
      'embed.embeddings>store.embeddings', 'store.collection>retrieve.collection', 'question.value>retrieve.query',
      'question.value>answer.question', 'retrieve.passages>answer.passages', 'answer.answer>result.value',
    ],
  );
}

/** `chains` independent chains of `length` pass-through nodes (version 1 runs each as an activity, version 2 inside the workflow). */
export function passThroughGrid(chains: number, length: number, version = 1): FlowGraph {
  const nodes = [];
  const edges = [];
  for (let c = 0; c < chains; c += 1) {
    for (let i = 0; i < length; i += 1) {
      nodes.push({ id: `n${c}_${i}`, type: 'util.pass-through', version });
      if (i > 0) edges.push(`n${c}_${i - 1}.value>n${c}_${i}.value`);
    }
  }
  return graphOf(nodes, edges);
}
