// One node on the canvas: title, typed ports (handles coloured by port type), a glance at its params,
// its live run state and the problems the server found on it. Memoised: a drag re-renders only it.
import { Handle, Position, useStore, type NodeProps, type ReactFlowState } from '@xyflow/react';
import { memo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { FlowProblem, NodeTypeInfo, PortInfo } from '../api/schemas';
import type { AstraNode } from '../lib/graph';
import { specKey, type NodeRunView } from '../store/editor-store';
import { useEditor } from '../store/context';
import { renderCounts } from '../lib/render-count';

export const stateLabels: Record<NodeRunView['state'], string> = {
  pending: 'Pending',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  skipped: 'Skipped',
  cached: 'Reused',
  cancelled: 'Cancelled',
};

/** Below this zoom the labels are too small to read: nodes show their title large and their ports as bare handles. */
export const compactZoom = 0.5;
const isCompact = (state: ReactFlowState) => state.transform[2] < compactZoom;

function Port({ port, side, problem, compact }: { port: PortInfo; side: 'in' | 'out'; problem: FlowProblem | undefined; compact: boolean }) {
  const title = `${port.label} (${port.type})${port.description ? ` — ${port.description}` : ''}${problem ? `\n${problem.message}` : ''}`;
  return (
    <div className={`port port-${side}${problem ? ' port-problem' : ''}`} title={title}>
      <Handle
        type={side === 'in' ? 'target' : 'source'}
        position={side === 'in' ? Position.Left : Position.Right}
        id={port.name}
        className={`handle handle-${port.type}`}
        aria-label={`${side === 'in' ? 'Input' : 'Output'} ${port.label} (${port.type})`}
        data-port={port.name}
      />
      {compact ? null : (
        <span className="port-label">
          {port.label}
          {side === 'in' && port.required === false ? <span className="port-optional"> (optional)</span> : null}
        </span>
      )}
    </div>
  );
}

/** How many params a card shows: enough to tell two nodes of one type apart without opening the inspector. */
const cardParams = 3;

/**
 * The params worth seeing at a glance: required ones first, then those set away from their default,
 * then the rest that have a value (a default too: "top k 4" says what the node will do).
 */
export function paramSummary(info: NodeTypeInfo, params: Record<string, unknown>): Array<[string, string]> {
  const ranked: Array<{ rank: number; order: number; name: string; text: string }> = [];
  let order = 0;
  for (const [name, property] of Object.entries(info.params.properties ?? {})) {
    order += 1;
    const value = params[name];
    if (value === undefined || value === '' || value === null) continue;
    let text: string;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') text = String(value);
    else if (Array.isArray(value)) text = value.length === 0 ? '' : `${value.length} ${value.length === 1 ? 'item' : 'items'}`;
    else continue;
    if (!text) continue;
    const required = info.params.required?.includes(name) === true;
    const isDefault = property.default !== undefined && JSON.stringify(value) === JSON.stringify(property.default);
    const oneLine = text.replace(/\s+/g, ' ');
    ranked.push({ rank: required ? 0 : isDefault ? 2 : 1, order, name, text: oneLine.length > 28 ? `${oneLine.slice(0, 27)}…` : oneLine });
  }
  ranked.sort((a, b) => a.rank - b.rank || a.order - b.order);
  return ranked.slice(0, cardParams).sort((a, b) => a.order - b.order).map((entry) => [entry.name, entry.text]);
}

/** The last words a running node has streamed, on its card; only this card re-renders per token. */
function StreamTail({ id }: { id: string }) {
  renderCounts.streamTails += 1;
  const tail = useEditor((state) => {
    const text = state.streams[id];
    return text ? text.slice(-60).replace(/\s+/g, ' ').trimStart() : '';
  });
  const length = useEditor((state) => state.streams[id]?.length ?? 0);
  // The line is there from the moment the node runs, one line high whatever it holds: the first token
  // does not change the card's size (which would re-measure the node and re-render the canvas).
  return (
    <div className="node-stream" aria-label={tail ? `Writing: ${length} characters so far` : 'Working'}>
      <span className="node-stream-text">{tail ? `${length > 60 ? '…' : ''}${tail}` : 'working…'}</span>
    </div>
  );
}

function RunBadge({ run }: { run: NodeRunView }) {
  const seconds = run.durationMs !== null && run.state !== 'running' ? ` · ${(run.durationMs / 1000).toFixed(run.durationMs < 10_000 ? 1 : 0)} s` : '';
  return (
    <span className={`run-badge run-${run.state}`} role="status" aria-label={`State: ${stateLabels[run.state]}`}>
      {stateLabels[run.state]}
      {run.attempts > 1 ? ` · try ${run.attempts}` : ''}
      {seconds}
    </span>
  );
}

function FlowNodeView({ id, data, selected }: NodeProps<AstraNode>) {
  renderCounts.nodes += 1;
  renderCounts.byNode[id] = (renderCounts.byNode[id] ?? 0) + 1;
  // One subscription per node (625 nodes means 625 listeners on every store change, not three times that).
  const [info, run, problems] = useEditor(useShallow((state) => [state.catalogue.byKey.get(specKey(data.nodeType, data.version)), state.nodeRuns[id], state.nodeProblems[id]] as const));
  const compact = useStore(isCompact);

  if (!info) {
    return (
      <div className="astra-node unknown-node" data-state="unknown" aria-label={`Unknown node ${id}`}>
        <header className="node-header"><span className="node-title">{data.nodeType}@{data.version}</span></header>
        <div className="node-problem">No such node type on this server.</div>
      </div>
    );
  }
  const portProblem = (side: 'inputs' | 'outputs', name: string) => problems?.find((problem) => problem.path === `${side}.${name}`);
  const ports = info.inputs.length + info.outputs.length > 0 ? (
    <div className="node-ports">
      <div className="ports-in">{info.inputs.map((port) => <Port key={port.name} port={port} side="in" problem={portProblem('inputs', port.name)} compact={compact} />)}</div>
      <div className="ports-out">{info.outputs.map((port) => <Port key={port.name} port={port} side="out" problem={portProblem('outputs', port.name)} compact={compact} />)}</div>
    </div>
  ) : null;
  if (compact) {
    return (
      <div className={`astra-node is-compact cat-${info.category}${selected ? ' is-selected' : ''}${problems ? ' has-problems' : ''}`} data-state={run?.state ?? 'idle'} data-node-id={id}>
        <header className="node-header"><span className="node-title">{data.label || info.title}</span></header>
        {ports}
      </div>
    );
  }
  const summary = paramSummary(info, data.params);
  const progress = run?.state === 'running' ? run.progress : null;
  return (
    <div
      className={`astra-node cat-${info.category}${selected ? ' is-selected' : ''}${problems ? ' has-problems' : ''}`}
      data-state={run?.state ?? 'idle'}
      data-node-id={id}
    >
      <header className="node-header">
        <span className="node-title">{data.label || info.title}</span>
        {run ? <RunBadge run={run} /> : null}
      </header>
      <div className="node-sub">
        <span className="node-id">{id}</span>
        {data.label ? <span> · {info.title}</span> : null}
      </div>
      {ports}
      {summary.length > 0 ? (
        <dl className="node-params">
          {summary.map(([name, value]) => (
            <div key={name}><dt>{name}</dt><dd>{value}</dd></div>
          ))}
        </dl>
      ) : null}
      {progress ? (
        <div className="node-progress">
          <progress max={progress.total || 1} value={progress.done} aria-label={`${progress.done} of ${progress.total} ${progress.unit}`} />
          <span>{progress.done}/{progress.total} {progress.unit}</span>
        </div>
      ) : null}
      {run?.state === 'running' ? <StreamTail id={id} /> : null}
      {run?.state === 'failed' && run.error ? <div className="node-problem node-error">{run.error}</div> : null}
      {problems ? (
        <div className="node-problem" role="note">
          {problems[0]?.message}
          {problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}
        </div>
      ) : null}
    </div>
  );
}

export const FlowNode = memo(FlowNodeView);
