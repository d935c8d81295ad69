// One store per open flow (see ./context): the canvas graph, undo history, clipboard, problems and the
// run being watched. Components read it through narrow selectors, so a drag re-renders only what moves.
import { addEdge, applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange } from '@xyflow/react';
import { createStore } from 'zustand/vanilla';
import type { FlowGraph, FlowProblem, FlowSummary, NodeState, NodeTypeInfo, PortInfo, PortTypeInfo, Run, RunEvent, RunLog, RunTraining } from '../api/schemas';
import { withPoint } from '@astra/client';
import { connectionProblem } from '@astra/workflows/flow';
import { defaultParams } from '../lib/json-schema';
import { edgeIdFor, fromFlowGraph, graphKey, newNodeId, toFlowGraph, wouldCycle, type AstraEdge, type AstraNode } from '../lib/graph';
import { autoLayout } from '../lib/layout';

export interface Catalogue {
  list: NodeTypeInfo[];
  byKey: Map<string, NodeTypeInfo>;
  latest: Map<string, NodeTypeInfo>;
  portTypes: Map<string, PortTypeInfo>;
}

export const specKey = (type: string, version: number): string => `${type}@${version}`;

export function makeCatalogue(nodeTypes: NodeTypeInfo[], portTypes: PortTypeInfo[]): Catalogue {
  const latest = new Map<string, NodeTypeInfo>();
  for (const info of nodeTypes) {
    const seen = latest.get(info.type);
    if (!seen || seen.version < info.version) latest.set(info.type, info);
  }
  return {
    list: nodeTypes,
    byKey: new Map(nodeTypes.map((info) => [specKey(info.type, info.version), info])),
    latest,
    portTypes: new Map(portTypes.map((info) => [info.type, info])),
  };
}

export interface NodeRunView {
  state: NodeState;
  attempts: number;
  startedAt: string | null;
  durationMs: number | null;
  error: string | null;
  /** What the node was given, as the server summarises it. */
  inputPreview: string | null;
  preview: string | null;
  progress: { done: number; total: number; unit: string } | null;
  logs: RunLog[];
}

export interface Notice {
  id: number;
  kind: 'error' | 'info' | 'success';
  text: string;
}

interface Snapshot {
  nodes: AstraNode[];
  edges: AstraEdge[];
}

export interface EditorState {
  catalogue: Catalogue;
  flow: FlowSummary | null;
  savedVersion: number;
  savedKey: string;
  nodes: AstraNode[];
  edges: AstraEdge[];
  past: Snapshot[];
  future: Snapshot[];
  historyTag: string | null;
  historyAt: number;
  clipboard: Snapshot | null;
  pasteCount: number;
  problems: FlowProblem[];
  nodeProblems: Record<string, FlowProblem[]>;
  edgeProblems: Record<string, string>;
  notice: Notice | null;
  run: Run | null;
  nodeRuns: Record<string, NodeRunView>;
  /**
   * Text streamed so far by each generating node. Apart from nodeRuns so that a token changes only
   * this map: the canvas and the other nodes' cards do not re-render on every token.
   */
  streams: Record<string, string>;
  /** The loss curve so far of each training node of the run (live `training` events merged into what was read). */
  training: Record<string, RunTraining['curves'][number]['points']>;

  loadGraph(flow: FlowSummary | null, version: number, graph: FlowGraph): void;
  markSaved(flow: FlowSummary, version: number, graph: FlowGraph): void;
  currentGraph(): FlowGraph;
  isDirty(): boolean;

  onNodesChange(changes: NodeChange<AstraNode>[]): void;
  onEdgesChange(changes: EdgeChange<AstraEdge>[]): void;
  onConnect(connection: Connection): void;
  /** Why this connection is refused, or null when it may be made. */
  connectionRefusal(connection: Connection | { source: string; sourceHandle: string | null; target: string; targetHandle: string | null }): string | null;
  recordHistory(tag?: string): void;
  undo(): void;
  redo(): void;

  addNode(type: string, version: number, position: { x: number; y: number }): string | null;
  setParam(nodeId: string, name: string, value: unknown): void;
  setLabel(nodeId: string, label: string): void;
  selectOnly(ids: readonly string[]): void;
  selectAll(): void;
  deleteSelected(): void;
  copySelection(): number;
  paste(): number;
  duplicateSelection(): number;
  layout(): void;

  setProblems(problems: FlowProblem[]): void;
  notify(kind: Notice['kind'], text: string): void;
  dismissNotice(id: number): void;

  showRun(run: Run | null): void;
  applyRunEvent(event: RunEvent): void;
  /** Curves read from the run's record, merged with the points the live events brought meanwhile. */
  mergeTraining(runId: string, curves: RunTraining['curves']): void;
}

const historyLimit = 200;
/** Edits with the same tag this close together are one undo step (typing in a field, nudging). */
const coalesceMs = 1200;

function viewOf(node: Run['nodes'][number]): NodeRunView {
  return {
    state: node.state,
    attempts: node.attempts,
    startedAt: node.startedAt,
    durationMs: node.durationMs,
    error: node.error,
    inputPreview: node.inputPreview,
    preview: node.outputPreview,
    progress: null,
    logs: node.logs,
  };
}

const emptyView: NodeRunView = { state: 'pending', attempts: 0, startedAt: null, durationMs: null, error: null, inputPreview: null, preview: null, progress: null, logs: [] };

export function portOf(catalogue: Catalogue, node: AstraNode | undefined, side: 'inputs' | 'outputs', name: string | null): PortInfo | undefined {
  if (!node || name === null) return undefined;
  return catalogue.byKey.get(specKey(node.data.nodeType, node.data.version))?.[side].find((port) => port.name === name);
}

let noticeIds = 0;

export function createEditorStore(catalogue: Catalogue) {
  return createStore<EditorState>()((set, get) => {
    const snapshot = (): Snapshot => ({ nodes: get().nodes, edges: get().edges });

    const pasteFrom = (source: Snapshot, offset: number): number => {
      const { nodes, edges, recordHistory } = get();
      if (source.nodes.length === 0) return 0;
      recordHistory();
      const taken = new Set(nodes.map((node) => node.id));
      const renamed = new Map<string, string>();
      const added: AstraNode[] = source.nodes.map((node) => {
        const id = newNodeId(node.data.nodeType, taken);
        taken.add(id);
        renamed.set(node.id, id);
        return {
          id,
          type: 'astra',
          position: { x: node.position.x + offset, y: node.position.y + offset },
          data: structuredClone(node.data),
          selected: true,
        };
      });
      const addedEdges: AstraEdge[] = source.edges.flatMap((edge) => {
        const s = renamed.get(edge.source);
        const t = renamed.get(edge.target);
        if (!s || !t) return [];
        return [{ id: edgeIdFor(s, edge.sourceHandle ?? '', t, edge.targetHandle ?? ''), source: s, target: t, sourceHandle: edge.sourceHandle ?? null, targetHandle: edge.targetHandle ?? null }];
      });
      set({
        nodes: [...nodes.map((node) => (node.selected ? { ...node, selected: false } : node)), ...added],
        edges: [...edges.map((edge) => (edge.selected ? { ...edge, selected: false } : edge)), ...addedEdges],
      });
      return added.length;
    };

    const selectionSnapshot = (): Snapshot => {
      const { nodes, edges } = get();
      const chosen = nodes.filter((node) => node.selected);
      const ids = new Set(chosen.map((node) => node.id));
      return { nodes: chosen, edges: edges.filter((edge) => ids.has(edge.source) && ids.has(edge.target)) };
    };

    return {
      catalogue,
      flow: null,
      savedVersion: 0,
      savedKey: graphKey({ nodes: [], edges: [] }),
      nodes: [],
      edges: [],
      past: [],
      future: [],
      historyTag: null,
      historyAt: 0,
      clipboard: null,
      pasteCount: 0,
      problems: [],
      nodeProblems: {},
      edgeProblems: {},
      notice: null,
      run: null,
      nodeRuns: {},
      streams: {},
      training: {},

      loadGraph(flow, version, graph) {
        const { nodes, edges } = fromFlowGraph(graph);
        set({ flow, savedVersion: version, savedKey: graphKey(toFlowGraph(nodes, edges)), nodes, edges, past: [], future: [], historyTag: null });
      },
      markSaved(flow, version, graph) {
        set({ flow, savedVersion: version, savedKey: graphKey(graph) });
      },
      currentGraph() {
        return toFlowGraph(get().nodes, get().edges);
      },
      isDirty() {
        return graphKey(get().currentGraph()) !== get().savedKey;
      },

      onNodesChange(changes) {
        set({ nodes: applyNodeChanges(changes, get().nodes) });
      },
      onEdgesChange(changes) {
        set({ edges: applyEdgeChanges(changes, get().edges) });
      },
      connectionRefusal(connection) {
        const { nodes, edges, catalogue: cat } = get();
        const source = nodes.find((node) => node.id === connection.source);
        const target = nodes.find((node) => node.id === connection.target);
        const out = portOf(cat, source, 'outputs', connection.sourceHandle);
        const into = portOf(cat, target, 'inputs', connection.targetHandle);
        if (!out || !into) return 'connect an output (right side) to an input (left side)';
        if (connection.source === connection.target) return 'a node cannot feed itself';
        const mismatch = connectionProblem(out.type, into.type);
        if (mismatch) return mismatch;
        if (edges.some((edge) => edge.target === connection.target && edge.targetHandle === connection.targetHandle)) {
          return `input "${into.label}" already has a connection; an input takes one (delete the old edge first)`;
        }
        if (wouldCycle(edges, connection.source, connection.target)) return 'this connection would make a cycle';
        return null;
      },
      onConnect(connection) {
        if (get().connectionRefusal(connection) !== null) return;
        get().recordHistory();
        const id = edgeIdFor(connection.source, connection.sourceHandle ?? '', connection.target, connection.targetHandle ?? '');
        set({ edges: addEdge({ ...connection, id }, get().edges) });
      },

      recordHistory(tag) {
        const now = Date.now();
        const { historyTag, historyAt, past } = get();
        if (tag && tag === historyTag && now - historyAt < coalesceMs) {
          set({ historyAt: now });
          return;
        }
        set({ past: [...past.slice(-historyLimit + 1), snapshot()], future: [], historyTag: tag ?? null, historyAt: now });
      },
      undo() {
        const { past, future } = get();
        const previous = past.at(-1);
        if (!previous) return;
        set({ past: past.slice(0, -1), future: [snapshot(), ...future], nodes: previous.nodes, edges: previous.edges, historyTag: null });
      },
      redo() {
        const { past, future } = get();
        const next = future[0];
        if (!next) return;
        set({ past: [...past, snapshot()], future: future.slice(1), nodes: next.nodes, edges: next.edges, historyTag: null });
      },

      addNode(type, version, position) {
        const info = get().catalogue.byKey.get(specKey(type, version));
        if (!info) return null;
        get().recordHistory();
        const id = newNodeId(type, new Set(get().nodes.map((node) => node.id)));
        const node: AstraNode = { id, type: 'astra', position, selected: true, data: { nodeType: type, version, params: defaultParams(info.params) } };
        set({
          nodes: [...get().nodes.map((other) => (other.selected ? { ...other, selected: false } : other)), node],
          edges: get().edges.map((edge) => (edge.selected ? { ...edge, selected: false } : edge)),
        });
        return id;
      },
      setParam(nodeId, name, value) {
        get().recordHistory(`param:${nodeId}:${name}`);
        set({
          nodes: get().nodes.map((node) => {
            if (node.id !== nodeId) return node;
            const params = { ...node.data.params };
            if (value === undefined) delete params[name];
            else params[name] = value;
            return { ...node, data: { ...node.data, params } };
          }),
        });
      },
      setLabel(nodeId, label) {
        get().recordHistory(`label:${nodeId}`);
        set({
          nodes: get().nodes.map((node) => {
            if (node.id !== nodeId) return node;
            const data = { ...node.data };
            if (label) data.label = label;
            else delete data.label;
            return { ...node, data };
          }),
        });
      },
      selectOnly(ids) {
        const wanted = new Set(ids);
        set({
          nodes: get().nodes.map((node) => (Boolean(node.selected) === wanted.has(node.id) ? node : { ...node, selected: wanted.has(node.id) })),
          edges: get().edges.map((edge) => (edge.selected ? { ...edge, selected: false } : edge)),
        });
      },
      selectAll() {
        set({
          nodes: get().nodes.map((node) => (node.selected ? node : { ...node, selected: true })),
          edges: get().edges.map((edge) => (edge.selected ? edge : { ...edge, selected: true })),
        });
      },
      deleteSelected() {
        const { nodes, edges } = get();
        const gone = new Set(nodes.filter((node) => node.selected).map((node) => node.id));
        const keptEdges = edges.filter((edge) => !edge.selected && !gone.has(edge.source) && !gone.has(edge.target));
        if (gone.size === 0 && keptEdges.length === edges.length) return;
        get().recordHistory();
        set({ nodes: nodes.filter((node) => !gone.has(node.id)), edges: keptEdges });
      },
      copySelection() {
        const copied = selectionSnapshot();
        if (copied.nodes.length === 0) return 0;
        set({ clipboard: structuredClone(copied), pasteCount: 0 });
        return copied.nodes.length;
      },
      paste() {
        const { clipboard, pasteCount } = get();
        if (!clipboard) return 0;
        const count = pasteFrom(clipboard, 40 * (pasteCount + 1));
        set({ pasteCount: pasteCount + 1 });
        return count;
      },
      duplicateSelection() {
        return pasteFrom(selectionSnapshot(), 40);
      },
      layout() {
        const { nodes, edges } = get();
        const onlySelected = nodes.filter((node) => node.selected).length > 1;
        get().recordHistory();
        set({ nodes: autoLayout(nodes, edges, onlySelected) });
      },

      setProblems(problems) {
        const nodeProblems: Record<string, FlowProblem[]> = {};
        const edgeProblems: Record<string, string> = {};
        for (const problem of problems) {
          if (problem.nodeId) (nodeProblems[problem.nodeId] ??= []).push(problem);
          if (problem.edgeId) edgeProblems[problem.edgeId] = problem.message;
        }
        set({ problems, nodeProblems, edgeProblems });
      },
      notify(kind, text) {
        noticeIds += 1;
        set({ notice: { id: noticeIds, kind, text } });
      },
      dismissNotice(id) {
        if (get().notice?.id === id) set({ notice: null });
      },

      showRun(run) {
        const nodeRuns: Record<string, NodeRunView> = {};
        for (const node of run?.nodes ?? []) nodeRuns[node.nodeId] = viewOf(node);
        // A snapshot of the same run keeps its curve: the points came from events the snapshot does not carry.
        set({ run, nodeRuns, streams: {}, ...(run?.id === get().run?.id ? {} : { training: {} }) });
      },
      mergeTraining(runId, curves) {
        if (get().run?.id !== runId) return;
        const training = { ...get().training };
        for (const curve of curves) training[curve.nodeId] = curve.points.reduce(withPoint, training[curve.nodeId] ?? []);
        set({ training });
      },
      applyRunEvent(event) {
        const { run, nodeRuns } = get();
        if (!run) return;
        if (event.type === 'token') {
          const { streams } = get();
          set({ streams: { ...streams, [event.nodeId]: (streams[event.nodeId] ?? '') + event.text } });
          return;
        }
        if (event.type === 'training') {
          const { training } = get();
          set({ training: { ...training, [event.nodeId]: withPoint(training[event.nodeId] ?? [], event.point) } });
          return;
        }
        if (event.type === 'run') {
          set({ run: { ...run, status: event.status, finishedAt: event.status === 'running' ? null : event.at, error: event.error ?? run.error } });
          return;
        }
        const before = nodeRuns[event.nodeId] ?? emptyView;
        let after: NodeRunView;
        switch (event.type) {
          case 'node':
            after = {
              ...before,
              state: event.state,
              attempts: event.attempt ?? before.attempts,
              startedAt: event.state === 'running' && !before.startedAt ? event.at : before.startedAt,
              durationMs: event.state !== 'running' && event.state !== 'pending' && before.startedAt ? Date.parse(event.at) - Date.parse(before.startedAt) : before.durationMs,
              error: event.error ?? (event.state === 'running' ? null : before.error),
              preview: event.preview ?? before.preview,
              progress: event.state === 'running' ? before.progress : null,
            };
            break;
          case 'progress':
            after = { ...before, progress: { done: event.done, total: event.total, unit: event.unit } };
            break;
          case 'log':
            after = { ...before, logs: [...before.logs, { at: event.at, level: event.level, message: event.message }] };
            break;
        }
        set({ nodeRuns: { ...nodeRuns, [event.nodeId]: after } });
      },
    };
  });
}

export type EditorStore = ReturnType<typeof createEditorStore>;
