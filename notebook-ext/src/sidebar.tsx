// The "Astra" sidebar: flows (search, open in a tab, run with their inputs), runs (live, cancel, re-run from a
// node), chat apps (the published ones you may use, a chat with each), collections (a query box) and schedules.
import { useCallback, useEffect, useState } from 'react';
import type { App, AstraClient, FlowSummary, QueryResult, Run, RunSummary } from '@astra/client/browser';
import { ChatPane } from './chat';
import { RunView } from './run-view';

type Collections = Awaited<ReturnType<AstraClient['collections']>>['collections'];
type Schedules = Awaited<ReturnType<AstraClient['schedules']>>['schedules'];

function RunForm({ client, flow, onStarted }: { client: AstraClient; flow: FlowSummary; onStarted: (run: Run) => void }) {
  const [inputs, setInputs] = useState<Array<{ name: string; label: string; default: string }> | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState('');
  useEffect(() => {
    client.getFlow(flow.id).then(({ version }) => {
      const found = version.graph.nodes
        .filter((node) => node.type === 'io.input')
        .map((node) => ({ name: String(node.params.name ?? node.id), label: String(node.params.label || node.params.name || node.id), default: typeof node.params.default === 'string' ? node.params.default : '' }));
      setInputs(found);
      setValues(Object.fromEntries(found.map((input) => [input.name, input.default])));
    }, (error: Error) => setProblem(error.message));
  }, [client, flow.id]);
  if (problem) return <p className="astra-problem">{problem}</p>;
  if (!inputs) return <p>loading inputs …</p>;
  return (
    <form
      aria-label={`Run ${flow.name}`}
      onSubmit={(event) => {
        event.preventDefault();
        client.startRun({ flowId: flow.id, inputs: values }).then(({ run }) => onStarted(run), (error: Error) => setProblem(error.message));
      }}
    >
      {inputs.map((input) => (
        <label key={input.name}>
          {input.label}
          <input name={input.name} value={values[input.name] ?? ''} onChange={(event) => setValues((known) => ({ ...known, [input.name]: event.target.value }))} />
        </label>
      ))}
      <button type="submit" className="jp-mod-styled jp-mod-accept">Start run</button>
    </form>
  );
}

export function AstraSidebar({ client, openFlow }: { client: AstraClient; openFlow: (flow: FlowSummary) => void }) {
  const [search, setSearch] = useState('');
  const [flows, setFlows] = useState<FlowSummary[]>([]);
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [collections, setCollections] = useState<Collections>([]);
  const [schedules, setSchedules] = useState<Schedules>([]);
  const [apps, setApps] = useState<App[]>([]);
  const [chatting, setChatting] = useState<string | null>(null);
  const [runningFlow, setRunningFlow] = useState<FlowSummary | null>(null);
  const [shownRun, setShownRun] = useState<string | null>(null);
  const [query, setQuery] = useState({ collection: '', text: '' });
  const [results, setResults] = useState<QueryResult[] | null>(null);
  const [problem, setProblem] = useState('');

  const refresh = useCallback(() => {
    const fail = (error: Error) => setProblem(error.message);
    client.listFlows(search.trim()).then(({ flows: found }) => setFlows(found), fail);
    client.listRuns(undefined, 20).then(({ runs: found }) => setRuns(found), fail);
    client.collections().then(({ collections: found }) => setCollections(found), fail);
    client.schedules().then(({ schedules: found }) => setSchedules(found), fail);
    client.apps().then(({ apps: found }) => setApps(found), fail);
  }, [client, search]);
  useEffect(refresh, [refresh]);

  const started = (run: Run) => {
    setRunningFlow(null);
    setShownRun(run.id);
    refresh();
  };

  return (
    <div className="astra-sidebar">
      {problem ? <p className="astra-problem" role="alert">{problem}</p> : null}
      <section aria-label="Flows">
        <h2>Flows</h2>
        <input type="search" placeholder="Search flows" aria-label="Search flows" value={search} onChange={(event) => setSearch(event.target.value)} />
        <ul>
          {flows.map((flow) => (
            <li key={flow.id} data-flow-id={flow.id}>
              <div className="astra-flow-name">{flow.name}</div>
              <button type="button" onClick={() => openFlow(flow)} aria-label={`Open ${flow.name}`}>Open</button>
              <button type="button" onClick={() => setRunningFlow(runningFlow?.id === flow.id ? null : flow)} aria-label={`Run ${flow.name}`}>Run</button>
              {runningFlow?.id === flow.id ? <RunForm client={client} flow={flow} onStarted={started} /> : null}
            </li>
          ))}
        </ul>
      </section>
      <section aria-label="Runs">
        <h2>Runs <button type="button" onClick={refresh} aria-label="Refresh">↻</button></h2>
        {shownRun ? <RunView key={shownRun} client={client} runId={shownRun} onRerun={started} /> : null}
        <ul>
          {runs.map((run) => (
            <li key={run.id}>
              <button type="button" onClick={() => setShownRun(run.id)}>{run.flowName}</button>
              <span className={`astra-node-state astra-state-${run.status}`}>{run.status}</span>
            </li>
          ))}
        </ul>
      </section>
      <section aria-label="Chat apps">
        <h2>Chat apps</h2>
        {apps.length === 0 ? <p className="astra-muted">No published apps yet (publish a chat flow from the editor, the CLI or <code>astra.publish</code>).</p> : null}
        <ul>
          {apps.map((app) => (
            <li key={app.id} data-app-slug={app.slug}>
              <div className="astra-flow-name">{app.title}</div>
              <small>{app.slug}: {app.flowName} v{app.version}</small>{' '}
              <button type="button" aria-label={`Chat with ${app.title}`} onClick={() => setChatting(chatting === app.slug ? null : app.slug)}>{chatting === app.slug ? 'Close' : 'Chat'}</button>
              {chatting === app.slug ? <ChatPane client={client} app={app} /> : null}
            </li>
          ))}
        </ul>
      </section>
      <section aria-label="Collections">
        <h2>Collections</h2>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            client.query({ collection: query.collection, query: query.text }).then(({ results: found }) => setResults(found), (error: Error) => setProblem(error.message));
          }}
        >
          <select aria-label="Collection" value={query.collection} onChange={(event) => setQuery((known) => ({ ...known, collection: event.target.value }))}>
            <option value="">collection …</option>
            {collections.map((collection) => <option key={collection.name} value={collection.name}>{collection.name} ({collection.chunks} chunks)</option>)}
          </select>
          <input aria-label="Query" placeholder="Ask the collection" value={query.text} onChange={(event) => setQuery((known) => ({ ...known, text: event.target.value }))} />
          <button type="submit" disabled={!query.collection || !query.text.trim()}>Query</button>
        </form>
        {results ? <ol className="astra-results" aria-label="Query results">{results.length === 0 ? <li>no results</li> : null}{results.map((result) => <li key={result.chunkId}><b>{result.title ?? result.source}</b> {result.score.toFixed(3)}<br />{result.text.slice(0, 200)}</li>)}</ol> : null}
      </section>
      <section aria-label="Schedules">
        <h2>Schedules</h2>
        {schedules.length === 0 ? <p className="astra-muted">No schedules.</p> : null}
        <ul>{schedules.map((schedule) => <li key={schedule.name} data-schedule={schedule.name}>{schedule.name}: {schedule.every ?? schedule.cron} into {schedule.collection} ({schedule.state})</li>)}</ul>
      </section>
    </div>
  );
}
