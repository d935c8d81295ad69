// A run, live: node states, progress and streamed tokens as they arrive, then the outputs. The sidebar and
// the run MIME renderer both draw it, and it keeps following the run after the cell that started it finished.
import { useEffect, useState } from 'react';
import { outputText, type AstraClient, type Run, type RunEvent } from '@astra/client/browser';

export function applyEvent(run: Run, event: RunEvent): Run {
  if (event.type === 'node') return { ...run, nodes: run.nodes.map((node) => (node.nodeId === event.nodeId ? { ...node, state: event.state, error: event.error ?? node.error } : node)) };
  if (event.type === 'run') return { ...run, status: event.status, error: event.error ?? run.error };
  return run;
}

export function RunView({ client, runId, initial, onRerun }: { client: AstraClient; runId: string; initial?: Run; onRerun?: (run: Run) => void }) {
  const [run, setRun] = useState<Run | undefined>(initial);
  const [tokens, setTokens] = useState('');
  const [progress, setProgress] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState('');
  const [fromNode, setFromNode] = useState('');

  useEffect(() => {
    setTokens('');
    return client.followRun(runId, {
      snapshot: (snapshot) => setRun(snapshot),
      event: (event) => {
        if (event.type === 'token') setTokens((text) => text + event.text);
        if (event.type === 'progress') setProgress((known) => ({ ...known, [event.nodeId]: `${event.done}/${event.total} ${event.unit}` }));
        setRun((current) => (current ? applyEvent(current, event) : current));
        if (event.type === 'run' && event.status !== 'running') void client.getRun(runId).then(({ run: final }) => setRun(final), () => undefined);
      },
      lost: (reason) => setProblem(`live updates stopped: ${reason}`),
    });
  }, [client, runId]);

  if (!run) return <div className="astra-run-view">loading run {runId} …</div>;
  const answer = outputText(run);
  return (
    <div className="astra-run-view" data-run-id={run.id} data-status={run.status}>
      <p>
        <b>{run.flowName}</b> v{run.version}: <span className={`astra-node-state astra-state-${run.status}`} aria-label="run status">{run.status}</span>
      </p>
      <table>
        <tbody>
          {run.nodes.map((node) => (
            <tr key={node.nodeId} data-node-id={node.nodeId}>
              <td>{node.label ?? node.nodeId}</td>
              <td><span className={`astra-node-state astra-state-${node.state}`} data-state={node.state}>{node.state}</span></td>
              <td>{progress[node.nodeId] ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {tokens && run.status === 'running' ? <pre className="astra-tokens">{tokens}</pre> : null}
      {answer ? <pre className="astra-outputs">{answer}</pre> : null}
      {run.error ? <p className="astra-problem">{run.error}</p> : null}
      {problem ? <p className="astra-problem">{problem}</p> : null}
      {run.status === 'running' ? (
        <button type="button" onClick={() => void client.cancelRun(run.id).catch((error: Error) => setProblem(error.message))}>Cancel</button>
      ) : onRerun ? (
        <span>
          <select aria-label="Re-run from node" value={fromNode} onChange={(event) => setFromNode(event.target.value)}>
            <option value="">re-run from …</option>
            {run.nodes.map((node) => <option key={node.nodeId} value={node.nodeId}>{node.nodeId}</option>)}
          </select>
          <button type="button" disabled={!fromNode} onClick={() => void client.rerun(run.id, fromNode).then(({ run: next }) => onRerun(next), (error: Error) => setProblem(error.message))}>Re-run</button>
        </span>
      ) : null}
    </div>
  );
}
