// Every saved version of the flow: compare any two on a read-only canvas (added, removed, changed
// and moved nodes and edges coloured) and restore one as a new version.
import { Background, Controls, Handle, Position, ReactFlow, ReactFlowProvider, type Edge, type Node, type NodeProps, type NodeTypes } from '@xyflow/react';
import { memo, useCallback, useEffect, useMemo, useState } from 'react';
import { useApi } from '../api/client';
import type { FlowDiff, FlowGraph, FlowWithVersion, VersionInfo } from '../api/schemas';
import { useEditor } from '../store/context';

type DiffStatus = 'added' | 'removed' | 'changed' | 'moved' | 'same';
type DiffNodeData = { title: string; id: string; status: DiffStatus; fields: string[] };
type DiffNode = Node<DiffNodeData, 'diff'>;

const DiffNodeView = memo(function DiffNodeView({ data }: NodeProps<DiffNode>) {
  return (
    <div className={`diff-node diff-${data.status}`} aria-label={`${data.id}: ${data.status}`}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <strong>{data.title}</strong>
      <div className="node-id">{data.id}</div>
      {data.status !== 'same' ? <div className="diff-tag">{data.status}</div> : null}
      {data.fields.length > 0 ? <div className="diff-fields">{data.fields.join(', ')}</div> : null}
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

const diffNodeTypes: NodeTypes = { diff: DiffNodeView };

function diffCanvas(before: FlowGraph, after: FlowGraph, diff: FlowDiff, titleOf: (type: string) => string): { nodes: DiffNode[]; edges: Edge[] } {
  const changed = new Map(diff.nodes.changed.map((change) => [change.id, change.fields]));
  const moved = new Set(diff.nodes.moved);
  const added = new Set(diff.nodes.added.map((node) => node.id));
  const nodes: DiffNode[] = after.nodes.map((node, i) => ({
    id: node.id,
    type: 'diff',
    position: node.position ?? { x: i * 240, y: 0 },
    data: {
      title: node.label || titleOf(node.type),
      id: node.id,
      status: added.has(node.id) ? 'added' : changed.has(node.id) ? 'changed' : moved.has(node.id) ? 'moved' : 'same',
      fields: changed.get(node.id) ?? [],
    },
  }));
  for (const [i, node] of diff.nodes.removed.entries()) {
    nodes.push({ id: `removed:${node.id}`, type: 'diff', position: node.position ?? { x: i * 240, y: 300 }, data: { title: node.label || titleOf(node.type), id: node.id, status: 'removed', fields: [] } });
  }
  const present = new Set(after.nodes.map((node) => node.id));
  const key = (edge: { source: string; sourcePort: string; target: string; targetPort: string }) => `${edge.source}.${edge.sourcePort}>${edge.target}.${edge.targetPort}`;
  const addedEdges = new Set(diff.edges.added.map(key));
  const edges: Edge[] = after.edges.map((edge) => ({ id: `e:${edge.id}`, source: edge.source, target: edge.target, className: addedEdges.has(key(edge)) ? 'diff-edge-added' : 'diff-edge-same' }));
  for (const edge of diff.edges.removed) {
    edges.push({
      id: `removed-edge:${edge.id}`,
      source: present.has(edge.source) && !diff.nodes.removed.some((node) => node.id === edge.source) ? edge.source : `removed:${edge.source}`,
      target: present.has(edge.target) && !diff.nodes.removed.some((node) => node.id === edge.target) ? edge.target : `removed:${edge.target}`,
      className: 'diff-edge-removed',
    });
  }
  return { nodes, edges };
}

function DiffView({ flowId, from, to, onClose }: { flowId: string; from: number; to: number; onClose: () => void }) {
  const api = useApi();
  const catalogue = useEditor((state) => state.catalogue);
  const [data, setData] = useState<{ diff: FlowDiff; before: FlowGraph; after: FlowGraph } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    Promise.all([api.diff(flowId, from, to), api.version(flowId, from), api.version(flowId, to)]).then(
      ([diff, before, after]) => live && setData({ diff: diff.diff, before: before.version.graph, after: after.version.graph }),
      (error: Error) => live && setProblem(error.message),
    );
    return () => {
      live = false;
    };
  }, [api, flowId, from, to]);
  const titleOf = useCallback((type: string) => catalogue.latest.get(type)?.title ?? type, [catalogue]);
  const canvas = useMemo(() => (data ? diffCanvas(data.before, data.after, data.diff, titleOf) : null), [data, titleOf]);
  const summary = data
    ? [
        `${data.diff.nodes.added.length} added`,
        `${data.diff.nodes.removed.length} removed`,
        `${data.diff.nodes.changed.length} changed`,
        `${data.diff.nodes.moved.length} moved`,
        `edges +${data.diff.edges.added.length} −${data.diff.edges.removed.length}`,
      ].join(' · ')
    : '';

  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <div className="modal diff-modal" role="dialog" aria-modal="true" aria-label={`Changes from version ${from} to ${to}`} onClick={(event) => event.stopPropagation()} onKeyDown={(event) => event.key === 'Escape' && onClose()}>
        <header className="modal-header">
          <h2>Version {from} → {to}</h2>
          <button type="button" onClick={onClose} autoFocus aria-label="Close the comparison">Close</button>
        </header>
        {problem ? <p className="field-error">{problem}</p> : null}
        {data ? (
          <>
            <p className="diff-summary">{summary}</p>
            <ul className="diff-legend" aria-hidden="true">
              <li className="diff-added">added</li><li className="diff-removed">removed</li><li className="diff-changed">changed</li><li className="diff-moved">moved</li>
            </ul>
            <div className="diff-canvas">
              <ReactFlowProvider>
                <ReactFlow nodes={canvas?.nodes} edges={canvas?.edges} nodeTypes={diffNodeTypes} fitView nodesDraggable={false} nodesConnectable={false} elementsSelectable={false} minZoom={0.1}>
                  <Background />
                  <Controls showInteractive={false} />
                </ReactFlow>
              </ReactFlowProvider>
            </div>
            {data.diff.nodes.changed.length > 0 ? (
              <ul className="diff-details">
                {data.diff.nodes.changed.map((change) => (
                  <li key={change.id}>
                    <code>{change.id}</code>:{' '}
                    {change.fields.map((field) => {
                      const [, name] = field.split('.');
                      const was = name ? change.before.params[name] : undefined;
                      const now = name ? change.after.params[name] : undefined;
                      return <span key={field} className="diff-field">{field} {name ? <>(<del>{JSON.stringify(was) ?? '—'}</del> → <ins>{JSON.stringify(now) ?? '—'}</ins>)</> : null} </span>;
                    })}
                  </li>
                ))}
              </ul>
            ) : null}
          </>
        ) : problem ? null : <p className="muted">Loading…</p>}
      </div>
    </div>
  );
}

export function VersionsPanel({ flowId, onRestored, canEdit }: { flowId: string; onRestored: (answer: FlowWithVersion) => void; canEdit: boolean }) {
  const api = useApi();
  const savedVersion = useEditor((state) => state.savedVersion);
  const [versions, setVersions] = useState<VersionInfo[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [comparing, setComparing] = useState<{ from: number; to: number } | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    api.versions(flowId).then(
      (answer) => live && setVersions(answer.versions),
      (error: Error) => live && setProblem(error.message),
    );
    return () => {
      live = false;
    };
  }, [api, flowId, savedVersion]);

  const latest = versions[0]?.number ?? savedVersion;
  const restore = async (n: number) => {
    setBusy(true);
    try {
      onRestored(await api.restore(flowId, n));
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="versions-panel">
      {problem ? <p className="field-error" role="alert">{problem}</p> : null}
      {versions.length === 0 && !problem ? <p className="muted">Loading versions…</p> : null}
      <ol className="version-list" aria-label="Versions, newest first">
        {versions.map((version) => (
          <li key={version.number} className={version.number === savedVersion ? 'current' : ''}>
            <div className="version-head">
              <strong>v{version.number}</strong> {version.message ? <span>{version.message}</span> : <span className="muted">no message</span>}
            </div>
            <div className="muted">{version.createdBy} · {new Date(version.createdAt).toLocaleString()} · {version.nodes} nodes, {version.edges} edges</div>
            {version.number !== latest ? (
              <div className="button-row">
                <button type="button" onClick={() => setComparing({ from: version.number, to: latest })} aria-label={`Compare version ${version.number} with version ${latest}`}>Compare with v{latest}</button>
                {canEdit ? <button type="button" disabled={busy} onClick={() => void restore(version.number)} aria-label={`Restore version ${version.number}`}>Restore</button> : null}
              </div>
            ) : <div className="muted">latest</div>}
          </li>
        ))}
      </ol>
      {comparing ? <DiffView flowId={flowId} from={comparing.from} to={comparing.to} onClose={() => setComparing(null)} /> : null}
    </div>
  );
}
