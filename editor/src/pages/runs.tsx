// Runs across all your flows (#/runs): filter by flow, status and start time; each row says what the
// run was given, how long it took and who ran it, and opens to its nodes and outputs.
import { Fragment, useEffect, useState } from 'react';
import { useApi } from '../api/client';
import type { FlowSummary, Run, RunStatus, RunSummary } from '../api/schemas';
import { flowHref } from '../app/router';
import { OutputValue, PassagesContext } from '../panels/output-view';
import { useRunPassages } from '../panels/run-panel';
import { durationText, inputsText } from '../lib/run-text';

const statuses: RunStatus[] = ['running', 'succeeded', 'failed', 'cancelled'];
const periods: Array<{ label: string; hours: number | null }> = [
  { label: 'Any time', hours: null },
  { label: 'Last hour', hours: 1 },
  { label: 'Last 24 hours', hours: 24 },
  { label: 'Last 7 days', hours: 24 * 7 },
  { label: 'Last 30 days', hours: 24 * 30 },
];

function RunDetail({ runId }: { runId: string }) {
  const api = useApi();
  const [run, setRun] = useState<Run | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const passages = useRunPassages(run);
  useEffect(() => {
    let live = true;
    api.getRun(runId).then((answer) => live && setRun(answer.run), (error: Error) => live && setProblem(error.message));
    return () => {
      live = false;
    };
  }, [api, runId]);
  if (problem) return <p className="field-error" role="alert">{problem}</p>;
  if (!run) return <p className="muted" aria-busy="true">Loading the run…</p>;
  return (
    <div className="run-detail" aria-label={`Run ${run.id.slice(0, 8)}`}>
      {run.error ? <p className="field-error">{run.error}</p> : null}
      <h4>Inputs</h4>
      {Object.keys(run.inputs).length === 0 ? <p className="muted">None.</p> : (
        <dl className="run-inputs">{Object.entries(run.inputs).map(([name, value]) => <div key={name}><dt>{name}</dt><dd>{value}</dd></div>)}</dl>
      )}
      <h4>Nodes</h4>
      <ul className="run-detail-nodes">
        {run.nodes.map((node) => (
          <li key={node.nodeId}>
            <span className={`run-badge run-${node.state}`}>{node.state}</span> <code>{node.nodeId}</code> {node.label ?? ''}
            {node.durationMs !== null ? <span className="muted"> · {(node.durationMs / 1000).toFixed(1)} s</span> : null}
            {node.error ? <span className="field-error"> {node.error}</span> : null}
          </li>
        ))}
      </ul>
      {Object.keys(run.outputs).length > 0 ? (
        <>
          <h4>Outputs</h4>
          {Object.entries(run.outputs).map(([name, value]) => (
            <section key={name} className="output-port"><h5>{name}</h5><PassagesContext.Provider value={passages}><OutputValue value={value} /></PassagesContext.Provider></section>
          ))}
        </>
      ) : null}
      <p><a href={flowHref(run.flowId)}>Open the flow</a>{run.temporalUrl ? <> · <a href={run.temporalUrl} target="_blank" rel="noopener noreferrer">Temporal UI ↗</a></> : null}</p>
    </div>
  );
}

export function RunsPage() {
  const api = useApi();
  const [flows, setFlows] = useState<FlowSummary[]>([]);
  const [flowId, setFlowId] = useState('');
  const [status, setStatus] = useState<RunStatus | ''>('');
  const [hours, setHours] = useState<number | null>(null);
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    api.listFlows().then((answer) => setFlows(answer.flows), () => undefined);
  }, [api]);

  useEffect(() => {
    let live = true;
    setProblem(null);
    const since = hours === null ? undefined : new Date(Date.now() - hours * 3_600_000).toISOString();
    api.findRuns({ ...(flowId ? { flowId } : {}), ...(status ? { status } : {}), ...(since ? { since } : {}), limit: 200 }).then(
      (answer) => live && setRuns(answer.runs),
      (error: Error) => live && setProblem(error.message),
    );
    return () => {
      live = false;
    };
  }, [api, flowId, status, hours, refresh]);

  return (
    <section className="page runs-page" aria-labelledby="runs-title">
      <header className="page-header">
        <h1 id="runs-title">Runs</h1>
        <button type="button" onClick={() => setRefresh((n) => n + 1)}>Refresh</button>
      </header>
      <form className="filters" aria-label="Filter runs" onSubmit={(event) => event.preventDefault()}>
        <label>
          Flow
          <select value={flowId} onChange={(event) => setFlowId(event.target.value)}>
            <option value="">All flows</option>
            {flows.map((flow) => <option key={flow.id} value={flow.id}>{flow.name}</option>)}
          </select>
        </label>
        <label>
          Status
          <select value={status} onChange={(event) => setStatus(event.target.value as RunStatus | '')}>
            <option value="">Any status</option>
            {statuses.map((value) => <option key={value} value={value}>{value}</option>)}
          </select>
        </label>
        <label>
          Started
          <select value={hours ?? ''} onChange={(event) => setHours(event.target.value === '' ? null : Number(event.target.value))}>
            {periods.map((period) => <option key={period.label} value={period.hours ?? ''}>{period.label}</option>)}
          </select>
        </label>
      </form>
      {problem ? <p className="field-error" role="alert">{problem}</p> : null}
      {runs === null && !problem ? <p className="muted" aria-busy="true">Loading runs…</p> : null}
      {runs && runs.length === 0 ? <p className="muted">No runs match.</p> : null}
      {runs && runs.length > 0 ? (
        <table className="runs-table">
          <thead>
            <tr><th scope="col">Started</th><th scope="col">Flow</th><th scope="col">Status</th><th scope="col">Inputs</th><th scope="col">Duration</th><th scope="col">Ran by</th></tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <Fragment key={run.id}>
                <tr data-run={run.id} className={open === run.id ? 'is-open' : undefined}>
                  <td>
                    <button type="button" className="ghost" aria-expanded={open === run.id} onClick={() => setOpen(open === run.id ? null : run.id)}>
                      {new Date(run.startedAt).toLocaleString()}
                    </button>
                  </td>
                  <td><a href={flowHref(run.flowId)}>{run.flowName}</a> <span className="muted">v{run.version}</span>{run.fromNode ? <span className="muted"> · from {run.fromNode}</span> : null}</td>
                  <td><span className={`run-status status-${run.status}`}>{run.status}</span></td>
                  <td className="run-inputs-cell" title={inputsText(run.inputs)}>{inputsText(run.inputs)}</td>
                  <td>{durationText(run)}</td>
                  <td>{run.ranBy}</td>
                </tr>
                {open === run.id ? (
                  <tr className="run-detail-row"><td colSpan={6}><RunDetail runId={run.id} /></td></tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
