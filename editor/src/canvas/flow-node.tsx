// One node on the canvas: title, typed ports (handles coloured by port type), a glance at its params,
// its live run state and the problems the server found on it. Memoised: a drag re-renders only it.
import { Handle, Position, useStore, type NodeProps, type ReactFlowState } from '@xyflow/react';
import { memo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { FlowProblem, NodeTypeInfo, PortInfo } from '../api/schemas';
import type { AstraNode } from '../lib/graph';
import { specKey, type NodeRunView } from '../store/editor-store';
import { useEditor } from '../store/context';

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

/** Up to two params worth seeing at a glance: set, short and different from the default. */
function paramSummary(info: NodeTypeInfo, params: Record<string, unknown>): Array<[string, string]> {
  const shown: Array<[string, string]> = [];
  for (const [name, property] of Object.entries(info.params.properties ?? {})) {
    const value = params[name];
    if (value === undefined || value === '' || (typeof value !== 'string' && typeof value !== 'number')) continue;
    if (property.default !== undefined && value === property.default && info.params.required?.includes(name) !== true && name !== 'path') continue;
    const text = String(value);
    shown.push([name, text.length > 30 ? `${text.slice(0, 29)}…` : text]);
    if (shown.length === 2) break;
  }
  return shown;
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
