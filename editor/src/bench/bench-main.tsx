// The canvas benchmark page (bench.html?canvas=astra|plain): 625 nodes in a 25×25 grid with an edge
// from each node to the next, as in xyflow's stress example. `astra` is the editor's own workbench
// (palette, canvas with Astra nodes, inspector); `plain` is React Flow with default nodes. The page
// reports when every node is on screen and records requestAnimationFrame times on request.
import { applyEdgeChanges, applyNodeChanges, Background, Controls, ReactFlow, ReactFlowProvider, useReactFlow, type Edge, type Node, type OnEdgesChange, type OnNodesChange } from '@xyflow/react';
import { StrictMode, useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import '../styles.css';
import { Workbench } from '../canvas/workbench';
import { edgeIdFor, type AstraEdge, type AstraNode } from '../lib/graph';
import { defaultParams } from '../lib/json-schema';
import { catalogueFromSpecs } from '../lib/spec-catalogue';
import { Inspector } from '../panels/inspector';
import { EditorStoreProvider } from '../store/context';
import { createEditorStore, type Catalogue, type EditorStore } from '../store/editor-store';
import { renderCounts } from '../lib/render-count';

const columns = 25;
const rows = 25;

declare global {
  interface Window {
    astraBench: {
      ready: number | null;
      nodes: number;
      startFrames(): void;
      stopFrames(): number[];
      zoomTo?: (zoom: number) => Promise<void>;
      /** The whole flow in view, however small (as the fit did before fits stopped at the readable zoom). */
      fitAll?: () => Promise<void>;
      /** Streams tokens into a running node of a run shown on the canvas; how many renders they caused. */
      streamTokens?: (count: number) => Promise<{ tokens: number; canvas: number; nodes: number; runningCard: number; streamTails: number }>;
      /** Mounted cards of nodes that have params set (pass-through nodes have none), and how many show them. */
      cardsWithParams?: () => { cards: number; withParams: number };
    };
  }
}

function astraGraph(catalogue: Catalogue): { nodes: AstraNode[]; edges: AstraEdge[] } {
  // Pass-through nodes (any → any) alternate with real node types, so every chain edge is a valid one.
  const mix = ['rag.retrieve', 'models.generate', 'rag.chunk', 'text.template'].map((type) => catalogue.latest.get(type)).filter((info) => info !== undefined);
  const passThrough = catalogue.latest.get('util.pass-through');
  if (!passThrough || mix.length === 0) throw new Error('the node catalogue lacks the benchmark node types');
  const nodes: AstraNode[] = [];
  const edges: AstraEdge[] = [];
  for (let i = 0; i < columns * rows; i += 1) {
    const info = i % 2 === 0 ? passThrough : mix[Math.floor(i / 2) % mix.length]!;
    nodes.push({ id: `n${i + 1}`, type: 'astra', position: { x: (i % columns) * 260, y: Math.floor(i / columns) * 170 }, data: { nodeType: info.type, version: info.version, params: defaultParams(info.params) } });
    if (i > 0) {
      const previous = nodes[i - 1]!;
      const from = catalogue.latest.get(previous.data.nodeType)!.outputs[0]!.name;
      const into = info.inputs[0]!.name;
      edges.push({ id: edgeIdFor(previous.id, from, `n${i + 1}`, into), source: previous.id, sourceHandle: from, target: `n${i + 1}`, targetHandle: into });
    }
  }
  return { nodes, edges };
}

/** Lets the benchmark centre the middle node at a given zoom (to drag at full detail as well as zoomed out). */
function ZoomControl() {
  const { getInternalNode, setCenter, fitView } = useReactFlow();
  useEffect(() => {
    window.astraBench.fitAll = async () => {
      await fitView({ minZoom: 0.05, padding: 0.05 });
    };
    window.astraBench.zoomTo = async (zoom) => {
      const node = getInternalNode('n313');
      if (!node) throw new Error('node n313 is missing');
      await setCenter(node.internals.positionAbsolute.x + (node.measured.width ?? 0) / 2, node.internals.positionAbsolute.y + (node.measured.height ?? 0) / 2, { zoom });
    };
  }, [getInternalNode, setCenter, fitView]);
  return null;
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));

/**
 * A run over the benchmark flow with node n313 running, fed token events through the store exactly as
 * the run panel feeds the server's SSE events; counts the canvas's and the cards' renders they cause.
 */
function TokenStream({ store }: { store: EditorStore }) {
  useEffect(() => {
    window.astraBench.cardsWithParams = () => {
      const withValues = new Set(store.getState().nodes.filter((node) => Object.keys(node.data.params).length > 0).map((node) => node.id));
      const cards = [...document.querySelectorAll('.react-flow__node')].filter((element) => withValues.has(element.getAttribute('data-id') ?? ''));
      return { cards: cards.length, withParams: cards.filter((card) => card.querySelector('.node-params')).length };
    };
    window.astraBench.streamTokens = async (count) => {
      const at = new Date().toISOString();
      store.getState().showRun({
        id: 'bench-run', flowId: 'bench', flowName: 'Benchmark', version: 1, status: 'running', startedAt: at, finishedAt: null, rerunOf: null, fromNode: null, ranBy: 'bench',
        inputs: {}, outputs: {}, error: null, workflowId: 'bench', temporalUrl: null,
        nodes: store.getState().nodes.map((node) => ({ nodeId: node.id, type: node.data.nodeType, label: null, state: 'pending' as const, attempts: 0, startedAt: null, finishedAt: null, durationMs: null, error: null, inputPreview: null, outputPreview: null, logs: [] })),
      });
      store.getState().applyRunEvent({ type: 'node', nodeId: 'n313', state: 'running', attempt: 1, at });
      // The node's turn to running re-renders the canvas once (its edges start flowing); let that settle
      // before counting, so that only what the tokens cause is counted.
      for (let frame = 0; frame < 10; frame += 1) await nextFrame();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const before = { ...renderCounts, runningCard: renderCounts.byNode.n313 ?? 0 };
      for (let seq = 0; seq < count; seq += 1) {
        store.getState().applyRunEvent({ type: 'token', nodeId: 'n313', text: `word${seq} `, seq });
        // One token per frame, as a model streams them: each gets its own render pass.
        await nextFrame();
      }
      await nextFrame();
      const runningCard = (renderCounts.byNode.n313 ?? 0) - before.runningCard;
      // Cards other than the running one; the running card's own renders and its text line are counted apart.
      return { tokens: count, canvas: renderCounts.canvas - before.canvas, nodes: renderCounts.nodes - before.nodes - runningCard, runningCard, streamTails: renderCounts.streamTails - before.streamTails };
    };
  }, [store]);
  return null;
}

function AstraBench() {
  const [store] = useState(() => {
    const catalogue = catalogueFromSpecs();
    const created = createEditorStore(catalogue);
    const { nodes, edges } = astraGraph(catalogue);
    created.setState({ nodes, edges });
    return created;
  });
  return (
    <EditorStoreProvider store={store}>
      <ReactFlowProvider>
        <Workbench colorMode="light" side={<Inspector />} />
        <ZoomControl />
        <TokenStream store={store} />
      </ReactFlowProvider>
    </EditorStoreProvider>
  );
}

function plainGraph(): { nodes: Node[]; edges: Edge[] } {
  const nodes: Node[] = [];
  const edges: Edge[] = [];
  for (let i = 0; i < columns * rows; i += 1) {
    const x = i % columns;
    const y = Math.floor(i / columns);
    nodes.push({ id: `n${i + 1}`, position: { x: x * 100, y: y * 50 }, data: { label: `Node ${i + 1}` }, style: { width: 50, height: 30, fontSize: 11 } });
    if (i > 0) edges.push({ id: `${x}-${y}`, source: `n${i}`, target: `n${i + 1}` });
  }
  return { nodes, edges };
}

const initialPlain = plainGraph();

function PlainBench() {
  const [nodes, setNodes] = useState(initialPlain.nodes);
  const [edges, setEdges] = useState(initialPlain.edges);
  const onNodesChange = useCallback<OnNodesChange>((changes) => setNodes((current) => applyNodeChanges(changes, current)), []);
  const onEdgesChange = useCallback<OnEdgesChange>((changes) => setEdges((current) => applyEdgeChanges(changes, current)), []);
  return (
    <ReactFlowProvider>
      <ReactFlow nodes={nodes} edges={edges} onNodesChange={onNodesChange} onEdgesChange={onEdgesChange} minZoom={0.1} fitView>
        <Controls />
        <Background />
      </ReactFlow>
      <ZoomControl />
    </ReactFlowProvider>
  );
}

let frames: number[] = [];
let recording = false;
const record = (at: number) => {
  frames.push(at);
  if (recording) requestAnimationFrame(record);
};

window.astraBench = {
  ready: null,
  nodes: columns * rows,
  startFrames() {
    frames = [];
    recording = true;
    requestAnimationFrame(record);
  },
  stopFrames() {
    recording = false;
    return frames.slice(1).map((at, i) => at - frames[i]!);
  },
};

/** Ready when every node is in the DOM and measured (React Flow hides nodes until it has their size). */
function waitUntilRendered() {
  const rendered = document.querySelectorAll('.react-flow__node');
  const last = rendered[rendered.length - 1];
  if (rendered.length === columns * rows && last instanceof HTMLElement && getComputedStyle(last).visibility === 'visible') {
    window.astraBench.ready = performance.now();
    return;
  }
  requestAnimationFrame(waitUntilRendered);
}

const canvas = new URLSearchParams(window.location.search).get('canvas') === 'plain' ? 'plain' : 'astra';
const root = document.getElementById('root');
if (!root) throw new Error('bench.html has no #root');
createRoot(root).render(<StrictMode>{canvas === 'plain' ? <PlainBench /> : <AstraBench />}</StrictMode>);
requestAnimationFrame(waitUntilRendered);
