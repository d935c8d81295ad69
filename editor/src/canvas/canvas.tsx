// The flow canvas: typed connections (a wrong one is refused, with the reason), palette drops,
// undo points at every structural change, minimap and controls.
import {
  Background,
  Controls,
  MiniMap,
  Panel,
  ReactFlow,
  useConnection,
  useNodesInitialized,
  useReactFlow,
  useStoreApi,
  getViewportForBounds,
  type ColorMode,
  type DefaultEdgeOptions,
  type Edge,
  type FinalConnectionState,
  type InternalNode,
  type IsValidConnection,
  type NodeTypes,
  type Viewport,
} from '@xyflow/react';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { AstraNode } from '../lib/graph';
import { useEditor, useEditorStoreApi } from '../store/context';
import { specKey, type EditorStore } from '../store/editor-store';
import { renderCounts } from '../lib/render-count';
import { FlowNode } from './flow-node';

export const paletteMime = 'application/x-astra-node';

const nodeTypes: NodeTypes = { astra: FlowNode };
const defaultEdgeOptions: DefaultEdgeOptions = { interactionWidth: 16 };
const deleteKeys = ['Delete', 'Backspace'];
/**
 * The smallest zoom at which a card's title, port names and params can be read. Fitting a flow never
 * zooms out further: a bigger flow is shown from its start (its left edge, where the inputs are) and
 * panned. Zooming out by hand still goes down to minZoom, where cards turn compact (see flow-node).
 */
export const readableZoom = 0.75;
const fitPadding = 0.15;
const fitMaxZoom = 1.2;
export const fitViewOptions = { padding: fitPadding, maxZoom: fitMaxZoom, minZoom: readableZoom };
const minZoom = 0.1;

type Bounds = { x: number; y: number; width: number; height: number };

/** The viewport that fits the bounds, or, where that is below the readable zoom, shows their start at the readable zoom. */
export function readableViewport(bounds: Bounds, width: number, height: number): Viewport {
  const fitted = getViewportForBounds(bounds, width, height, minZoom, fitMaxZoom, fitPadding);
  if (fitted.zoom >= readableZoom) return fitted;
  const zoom = readableZoom;
  const margin = 40;
  const x = margin - bounds.x * zoom;
  // Vertically: centred when the flow's height fits, else from its top.
  const tall = bounds.height * zoom > height - 2 * margin;
  const y = tall ? margin - bounds.y * zoom : (height - bounds.height * zoom) / 2 - bounds.y * zoom;
  return { x, y, zoom };
}

/** Fit, readably: the toolbar's Fit, Shift F and Arrange use it, as does opening a flow. */
export function useReadableFit(): (options?: { duration?: number }) => Promise<boolean> {
  const { getNodes, getNodesBounds, setViewport } = useReactFlow();
  const flowStore = useStoreApi();
  return useCallback(
    async (options = {}) => {
      const { width, height } = flowStore.getState();
      const nodes = getNodes();
      if (!width || !height || nodes.length === 0) return false;
      return setViewport(readableViewport(getNodesBounds(nodes), width, height), options);
    },
    [getNodes, getNodesBounds, setViewport, flowStore],
  );
}

/** Once the loaded flow's cards are measured, fit it (readably) with their real sizes. */
function FitOnLoad() {
  const measured = useNodesInitialized();
  const fit = useReadableFit();
  const done = useRef(false);
  useEffect(() => {
    if (!measured || done.current) return;
    done.current = true;
    void fit();
  }, [measured, fit]);
  return null;
}

const categoryColours: Record<string, string> = {
  'input-output': '#6d5dfc',
  sources: '#0f9d8a',
  rag: '#2f7de1',
  models: '#d9480f',
  text: '#8a6d3b',
  control: '#c2255c',
  utility: '#6b7280',
};
const stateColours: Record<string, string> = {
  running: '#2f7de1',
  succeeded: '#1f9d55',
  cached: '#0f9d8a',
  failed: '#d93025',
  cancelled: '#e8710a',
  skipped: '#9aa0a6',
  pending: '#bdc1c6',
};

type Ends = { source: string; sourceHandle: string | null; target: string; targetHandle: string | null };

/** A connection dragged either way (output → input or input → output), as output → input. */
function endsOf(state: { fromHandle: { nodeId: string; id?: string | null; type: 'source' | 'target' } | null; toHandle: { nodeId: string; id?: string | null } | null }): Ends | null {
  const { fromHandle, toHandle } = state;
  if (!fromHandle || !toHandle) return null;
  return fromHandle.type === 'source'
    ? { source: fromHandle.nodeId, sourceHandle: fromHandle.id ?? null, target: toHandle.nodeId, targetHandle: toHandle.id ?? null }
    : { source: toHandle.nodeId, sourceHandle: toHandle.id ?? null, target: fromHandle.nodeId, targetHandle: fromHandle.id ?? null };
}

/** While a connection is dragged over a handle that refuses it, say why. */
function ConnectionHint() {
  const store = useEditorStoreApi();
  const ends = useConnection((connection) => (connection.inProgress && connection.isValid === false ? endsOf(connection) : null));
  const reason = ends ? store.getState().connectionRefusal(ends) : null;
  if (!reason) return null;
  return (
    <Panel position="top-center" className="connection-hint" role="status">
      Cannot connect: {reason}
    </Panel>
  );
}

/**
 * The graph for React Flow. Its drag updates arrive in native pointer events; read through
 * useSyncExternalStore they would force a synchronous re-render inside every pointer event, so the
 * canvas mirrors nodes and edges into React state and renders at the event's own priority, as a
 * plain React Flow canvas does. Everything else reads the store through selectors.
 */
function useGraph(store: EditorStore): { nodes: AstraNode[]; edges: Edge[] } {
  const [graph, setGraph] = useState(() => ({ nodes: store.getState().nodes, edges: store.getState().edges }));
  useEffect(() => {
    const sync = (state: { nodes: AstraNode[]; edges: Edge[] }) =>
      setGraph((shown) => (shown.nodes === state.nodes && shown.edges === state.edges ? shown : { nodes: state.nodes, edges: state.edges }));
    sync(store.getState());
    return store.subscribe(sync);
  }, [store]);
  return graph;
}

/** The minimap mounts once the canvas's own nodes are measured, so a big flow appears without waiting for it. */
function DeferredMiniMap({ nodeColour }: { nodeColour: (node: AstraNode) => string }) {
  const measured = useNodesInitialized();
  const empty = useEditor((state) => state.nodes.length === 0);
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (shown || !(measured || empty)) return;
    const frameId = requestAnimationFrame(() => setShown(true));
    return () => cancelAnimationFrame(frameId);
  }, [measured, empty, shown]);
  return shown ? <MiniMap<AstraNode> pannable zoomable nodeColor={nodeColour} ariaLabel="Minimap" /> : null;
}

export function Canvas({ colorMode }: { colorMode: ColorMode }) {
  const store = useEditorStoreApi();
  const { nodes, edges } = useGraph(store);
  renderCounts.canvas += 1;
  // Only which nodes are running matters here (their edges flow): progress, logs and tokens of a
  // running node re-render its own card, not the canvas.
  const runningKey = useEditor((state) => Object.keys(state.nodeRuns).filter((id) => state.nodeRuns[id]!.state === 'running').join('\n'));
  const { edgeProblems, onNodesChange, onEdgesChange, onConnect } = useEditor(
    useShallow((state) => ({
      edgeProblems: state.edgeProblems,
      onNodesChange: state.onNodesChange,
      onEdgesChange: state.onEdgesChange,
      onConnect: state.onConnect,
    })),
  );
  const { screenToFlowPosition } = useReactFlow();
  // Fit a loaded flow into view once; an empty one keeps zoom 1, or the first dropped node would set the zoom.
  const [fitOnLoad] = useState(() => store.getState().nodes.length > 0);
  // The first render already uses the zoom the fit will pick (from positions and a typical node size), so a
  // big flow is not first drawn in full detail at zoom 1 and then again zoomed out; the fit corrects it once measured.
  const frame = useRef<HTMLDivElement | null>(null);
  const [initialViewport, setInitialViewport] = useState<Viewport | null>(null);
  useLayoutEffect(() => {
    const box = frame.current?.getBoundingClientRect();
    const placed = store.getState().nodes;
    if (!box || placed.length === 0) {
      setInitialViewport({ x: 0, y: 0, zoom: 1 });
      return;
    }
    const xs = placed.map((node) => node.position.x);
    const ys = placed.map((node) => node.position.y);
    const bounds = { x: Math.min(...xs), y: Math.min(...ys), width: Math.max(...xs) + 230 - Math.min(...xs), height: Math.max(...ys) + 150 - Math.min(...ys) };
    setInitialViewport(readableViewport(bounds, box.width, box.height));
  }, [store]);

  const shownEdges = useMemo<Edge[]>(
    () => {
      const running = new Set(runningKey ? runningKey.split('\n') : []);
      return edges.map((edge) => {
        const problem = edgeProblems[edge.id];
        const flowing = running.has(edge.target) || running.has(edge.source);
        if (!problem && !flowing) return edge;
        return { ...edge, className: problem ? 'edge-problem' : 'edge-flowing', animated: flowing, ...(problem ? { ariaLabel: problem } : {}) };
      });
    },
    [edges, edgeProblems, runningKey],
  );

  const isValidConnection = useCallback<IsValidConnection>(
    (connection) => store.getState().connectionRefusal({ source: connection.source, target: connection.target, sourceHandle: connection.sourceHandle ?? null, targetHandle: connection.targetHandle ?? null }) === null,
    [store],
  );

  const onConnectEnd = useCallback(
    (_event: MouseEvent | TouchEvent, state: FinalConnectionState<InternalNode>) => {
      if (state.isValid !== false) return;
      const ends = endsOf(state);
      const reason = ends ? store.getState().connectionRefusal(ends) : null;
      if (reason) store.getState().notify('error', `Connection refused: ${reason}`);
    },
    [store],
  );

  const onBeforeDelete = useCallback(async () => {
    store.getState().recordHistory();
    return true;
  }, [store]);
  const onDragStart = useCallback(() => store.getState().recordHistory(), [store]);

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(paletteMime)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);
  const onDrop = useCallback(
    (event: DragEvent) => {
      const key = event.dataTransfer.getData(paletteMime);
      if (!key) return;
      event.preventDefault();
      const info = store.getState().catalogue.byKey.get(key);
      if (!info) return;
      const at = screenToFlowPosition({ x: event.clientX, y: event.clientY });
      store.getState().addNode(info.type, info.version, { x: Math.round(at.x - 110), y: Math.round(at.y - 30) });
    },
    [store, screenToFlowPosition],
  );

  const minimapColour = useCallback(
    (node: AstraNode) => {
      const run = store.getState().nodeRuns[node.id];
      if (run) return stateColours[run.state] ?? '#999';
      const info = store.getState().catalogue.byKey.get(specKey(node.data.nodeType, node.data.version));
      return categoryColours[info?.category ?? ''] ?? '#999';
    },
    [store],
  );

  return (
    <div ref={frame} className="canvas-frame">
      {initialViewport ? (
    <ReactFlow<AstraNode>
      nodes={nodes}
      edges={shownEdges}
      nodeTypes={nodeTypes}
      defaultEdgeOptions={defaultEdgeOptions}
      onNodesChange={onNodesChange}
      onEdgesChange={onEdgesChange}
      onConnect={onConnect}
      isValidConnection={isValidConnection}
      onConnectEnd={onConnectEnd}
      onBeforeDelete={onBeforeDelete}
      onNodeDragStart={onDragStart}
      onSelectionDragStart={onDragStart}
      onDragOver={onDragOver}
      onDrop={onDrop}
      deleteKeyCode={deleteKeys}
      colorMode={colorMode}
      defaultViewport={initialViewport}
      fitViewOptions={fitViewOptions}
      minZoom={minZoom}
      maxZoom={2}
      aria-label="Flow canvas"
    >
      <Background gap={20} />
      <DeferredMiniMap nodeColour={minimapColour} />
      <Controls showInteractive={false} fitViewOptions={fitViewOptions} />
      <ConnectionHint />
      {fitOnLoad ? <FitOnLoad /> : null}
    </ReactFlow>
      ) : null}
    </div>
  );
}
