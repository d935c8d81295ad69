// Run the flow and watch it: inputs form, run and cancel, live node states (over SSE), the run's
// outputs, the selected node's output, logs and timings, re-run from a node, and the run history.
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ApiError, useApi } from '../api/client';
import { runInHash } from '../app/router';
import type { Run, RunSummary } from '../api/schemas';
import { stateLabels } from '../canvas/flow-node';
import { useEditor, useEditorStoreApi } from '../store/context';
import type { NodeRunView } from '../store/editor-store';
import { inputsText } from '../lib/run-text';
import { OutputValue, PassagesContext } from './output-view';
import { TrainingView, trainingNodeIds } from './training-view';

const time = (iso: string | null) => (iso ? new Date(iso).toLocaleTimeString() : '');
const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
const durationOf = (run: { startedAt: string; finishedAt: string | null }) =>
  run.finishedAt ? seconds(Date.parse(run.finishedAt) - Date.parse(run.startedAt)) : 'running';

interface RunInput {
  name: string;
  label: string;
  placeholder: string;
  required: boolean;
}

function useRunInputs(): RunInput[] {
  const inputNodes = useEditor(useShallow((state) => state.nodes.filter((node) => node.data.nodeType === 'io.input' || node.data.nodeType === 'io.chat-input')));
  return inputNodes.map((node) => {
    if (node.data.nodeType === 'io.chat-input') return { name: 'message', label: 'Message', placeholder: '', required: true };
    const params = node.data.params;
    const name = typeof params.name === 'string' ? params.name : node.id;
    const fallback = typeof params.default === 'string' ? params.default : '';
    return {
      name,
      label: typeof params.label === 'string' && params.label ? params.label : name,
      placeholder: fallback,
      required: params.required !== false && fallback === '',
    };
  });
}

function RunInputs({ inputs, values, onChange }: { inputs: RunInput[]; values: Record<string, string>; onChange: (name: string, value: string) => void }) {
  const base = useId();
  if (inputs.length === 0) return <p className="muted">This flow takes no inputs (add an Input node to ask for one).</p>;
  return (
    <>
      {inputs.map((input) => (
        <div className="field" key={input.name}>
          <label htmlFor={`${base}-${input.name}`}>
            {input.label}
            {input.required ? <span className="required" aria-label="required"> *</span> : null}
          </label>
          <textarea id={`${base}-${input.name}`} rows={2} name={input.name} data-run-input={input.name} value={values[input.name] ?? ''} placeholder={input.placeholder} onChange={(event) => onChange(input.name, event.target.value)} />
        </div>
      ))}
    </>
  );
}

function ProgressLine({ progress }: { progress: NonNullable<NodeRunView['progress']> }) {
  return (
    <div className="node-progress panel-progress">
      <progress max={progress.total || 1} value={progress.done} aria-label={`${progress.done} of ${progress.total} ${progress.unit}`} />
      <span>{progress.done}/{progress.total} {progress.unit}</span>
    </div>
  );
}

/** Every node running now, with its progress, whichever node is selected. */
function RunningNodes() {
  const running = useEditor(useShallow((state) => Object.entries(state.nodeRuns).filter(([, view]) => view.state === 'running').map(([id]) => id)));
  if (running.length === 0) return null;
  return (
    <section className="running-nodes" aria-label="Running now">
      <h4>Running now</h4>
      <ul>{running.map((id) => <RunningNode key={id} id={id} />)}</ul>
    </section>
  );
}

function RunningNode({ id }: { id: string }) {
  const view = useEditor((state) => state.nodeRuns[id]);
  const label = useEditor((state) => {
    const node = state.nodes.find((candidate) => candidate.id === id);
    return node?.data.label || (node ? state.catalogue.latest.get(node.data.nodeType)?.title : undefined) || id;
  });
  const streamed = useEditor((state) => state.streams[id]?.length ?? 0);
  if (!view) return null;
  return (
    <li data-running-node={id}>
      <strong>{label}</strong> <code>{id}</code>
      {view.progress ? <ProgressLine progress={view.progress} /> : <span className="muted">{streamed > 0 ? ` · ${streamed} characters written` : ' · working…'}</span>}
    </li>
  );
}

function NodeOutputs({ run, nodeId, view }: { run: Run; nodeId: string; view: NodeRunView | undefined }) {
  const api = useApi();
  const streamed = useEditor((state) => state.streams[nodeId] ?? '');
  const [outputs, setOutputs] = useState<Record<string, unknown> | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const done = view?.state === 'succeeded' || view?.state === 'cached';
  useEffect(() => {
    setOutputs(null);
    setProblem(null);
    if (!done) return;
    let live = true;
    api.nodeOutputs(run.id, nodeId).then(
      (answer) => live && setOutputs(answer.outputs),
      (error: Error) => live && setProblem(error.message),
    );
    return () => {
      live = false;
    };
  }, [api, run.id, nodeId, done]);

  if (!view) return <p className="muted">Node <code>{nodeId}</code> was not part of this run.</p>;
  return (
    <div className="node-run" data-node-output={nodeId}>
      <p className="node-run-state">
        <span className={`run-badge run-${view.state}`}>{stateLabels[view.state]}</span>
        {view.attempts > 0 ? ` · ${view.attempts} ${view.attempts === 1 ? 'try' : 'tries'}` : ''}
        {view.durationMs !== null ? ` · ${seconds(view.durationMs)}` : ''}
        {view.startedAt ? ` · started ${time(view.startedAt)}` : ''}
      </p>
      {view.error ? <p className="field-error" role="alert">{view.error}</p> : null}
      {view.state === 'running' && view.progress ? <ProgressLine progress={view.progress} /> : null}
      {view.state === 'running' && streamed ? <div className="streamed"><OutputValue value={streamed} /></div> : null}
      {problem ? <p className="field-error">{problem}</p> : null}
      {outputs
        ? Object.entries(outputs).map(([port, value]) => (
            <section key={port} className="output-port">
              <h4>{port}</h4>
              <OutputValue value={value} />
            </section>
          ))
        : done && view.preview ? <pre className="json">{view.preview}</pre> : null}
      {view.inputPreview ? (
        <details className="node-inputs">
          <summary>Inputs</summary>
          <pre className="json">{view.inputPreview}</pre>
        </details>
      ) : null}
      {view.logs.length > 0 ? (
        <details className="logs" open={view.state === 'failed'}>
          <summary>Logs ({view.logs.length})</summary>
          <ol>
            {view.logs.map((log, i) => (
              <li key={i} className={`log-${log.level}`}><time>{time(log.at)}</time> {log.message}</li>
            ))}
          </ol>
        </details>
      ) : null}
    </div>
  );
}

/** The passages the run's Retrieve nodes found (chunk id → text), for the citations of its answers. */
export function useRunPassages(run: Run | null): ReadonlyMap<string, string> {
  const api = useApi();
  const [passages, setPassages] = useState<ReadonlyMap<string, string>>(new Map());
  const finishedRetrieves = run ? run.nodes.filter((node) => node.type === 'rag.retrieve' && (node.state === 'succeeded' || node.state === 'cached')).map((node) => node.nodeId).join(',') : '';
  const runId = run?.id;
  useEffect(() => {
    setPassages(new Map());
    if (!runId || !finishedRetrieves) return;
    let live = true;
    void Promise.all(finishedRetrieves.split(',').map((nodeId) => api.nodeOutputs(runId, nodeId).then((answer) => answer.outputs, () => ({})))).then((all) => {
      if (!live) return;
      const found = new Map<string, string>();
      for (const outputs of all) {
        for (const value of Object.values(outputs)) {
          if (!Array.isArray(value)) continue;
          for (const passage of value) {
            if (passage && typeof passage === 'object' && typeof (passage as { chunkId?: unknown }).chunkId === 'string' && typeof (passage as { text?: unknown }).text === 'string') {
              found.set((passage as { chunkId: string }).chunkId, (passage as { text: string }).text);
            }
          }
        }
      }
      setPassages(found);
    });
    return () => {
      live = false;
    };
  }, [api, runId, finishedRetrieves]);
  return passages;
}

export function RunPanel({ flowId, ensureSaved }: { flowId: string; ensureSaved: () => Promise<number | null> }) {
  const api = useApi();
  const store = useEditorStoreApi();
  const run = useEditor((state) => state.run);
  const selected = useEditor(useShallow((state) => state.nodes.filter((node) => node.selected).map((node) => node.id)));
  const selectedView = useEditor((state) => (selected.length === 1 ? state.nodeRuns[selected[0]!] : undefined));
  const inputs = useRunInputs();
  const [values, setValues] = useState<Record<string, string>>({});
  const [history, setHistory] = useState<RunSummary[]>([]);
  const [busy, setBusy] = useState(false);
  const stopFollowing = useRef<(() => void) | null>(null);

  const refreshHistory = useCallback(async () => {
    try {
      const { runs } = await api.listRuns(flowId);
      setHistory(runs);
      return runs;
    } catch (error) {
      store.getState().notify('error', `Run history: ${(error as Error).message}`);
      return [];
    }
  }, [api, flowId, store]);

  const watch = useCallback(
    async (runId: string) => {
      stopFollowing.current?.();
      stopFollowing.current = null;
      const { run: loaded } = await api.getRun(runId);
      store.getState().showRun(loaded);
      if (loaded.status !== 'running') return;
      stopFollowing.current = api.followRun(runId, {
        snapshot: (snapshot) => store.getState().showRun(snapshot),
        event: (event) => {
          store.getState().applyRunEvent(event);
          if (event.type === 'run' && event.status !== 'running') {
            // The final record carries the resolved outputs the events do not.
            void api.getRun(runId).then(({ run: final }) => {
              if (store.getState().run?.id === runId) store.getState().showRun(final);
            });
            void refreshHistory();
          }
        },
        lost: () => store.getState().notify('error', 'Lost the live connection to the run; reload to see where it is.'),
      });
    },
    [api, store, refreshHistory],
  );

  useEffect(() => {
    let live = true;
    void refreshHistory().then((runs) => {
      // The run the address names (a chat answer's "Run" link), else the latest.
      const shown = runInHash(window.location.hash) ?? runs[0]?.id;
      if (live && shown && !store.getState().run) void watch(shown).catch((error: Error) => store.getState().notify('error', `Run ${shown}: ${error.message}`));
    });
    return () => {
      live = false;
      stopFollowing.current?.();
      stopFollowing.current = null;
    };
  }, [refreshHistory, watch, store]);

  const start = async (begin: (version: number) => Promise<{ run: Run }>) => {
    setBusy(true);
    try {
      const version = await ensureSaved();
      if (version === null) return;
      const { run: started } = await begin(version);
      // The server accepted this version: a refused run's problems no longer stand.
      store.getState().setProblems([]);
      store.getState().showRun(started);
      await watch(started.id);
      void refreshHistory();
    } catch (error) {
      if (error instanceof ApiError && error.problems.length > 0) store.getState().setProblems(error.problems);
      store.getState().notify('error', `Run refused: ${(error as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  const runFlow = () => {
    const given = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ''));
    void start((version) => api.startRun({ flowId, version, inputs: given }));
  };
  const rerunFrom = (nodeId: string) => {
    if (!run) return;
    void start((version) => api.rerun(run.id, nodeId, version));
  };
  const cancel = async () => {
    if (!run) return;
    try {
      await api.cancelRun(run.id);
      store.getState().notify('info', 'Cancelling the run…');
    } catch (error) {
      store.getState().notify('error', `Cancel refused: ${(error as Error).message}`);
    }
  };

  const running = run?.status === 'running';
  const trains = useEditor((state) => state.run !== null && trainingNodeIds(state.nodes, state.run).length > 0);
  const outputs = run ? Object.entries(run.outputs) : [];
  const passages = useRunPassages(run);
  return (
    <div className="run-panel">
      <form
        className="run-form"
        aria-label="Run inputs"
        onSubmit={(event) => {
          event.preventDefault();
          runFlow();
        }}
      >
        <RunInputs inputs={inputs} values={values} onChange={(name, value) => setValues((current) => ({ ...current, [name]: value }))} />
        <div className="button-row">
          <button type="submit" className="primary" disabled={busy || running} aria-keyshortcuts="Control+Enter">{busy ? 'Starting…' : 'Run'}</button>
          <button type="button" onClick={() => void cancel()} disabled={!running}>Cancel run</button>
        </div>
      </form>

      {run ? (
        <PassagesContext.Provider value={passages}>
        <section className="run-current" aria-label="Current run" aria-live="polite">
          <h3>
            Run <code>{run.id.slice(0, 8)}</code> <span className={`run-status status-${run.status}`} data-run-status={run.status}>{run.status}</span>
          </h3>
          <p className="muted">
            v{run.version} · started {time(run.startedAt)} · {durationOf(run)}
            {run.fromNode ? ` · re-run from ${run.fromNode}` : ''}
          </p>
          {run.temporalUrl ? <p><a href={run.temporalUrl} target="_blank" rel="noopener noreferrer">Open in the Temporal UI ↗</a></p> : null}
          {run.error ? <p className="field-error" role="alert">{run.error}</p> : null}
          {running ? <RunningNodes /> : null}
          {trains ? <TrainingView run={run} /> : null}
          {outputs.length > 0 ? (
            <section className="run-outputs" aria-label="Run outputs">
              <h4>Outputs</h4>
              {outputs.map(([name, value]) => (
                <section key={name} className="output-port" data-output={name}>
                  <h5>{name}</h5>
                  <OutputValue value={value} />
                </section>
              ))}
            </section>
          ) : null}
          {selected.length === 1 ? (
            <section className="run-node" aria-label={`Output of ${selected[0]}`}>
              <h4>Selected node <code>{selected[0]}</code></h4>
              <NodeOutputs run={run} nodeId={selected[0]!} view={selectedView} />
              {!running ? <button type="button" onClick={() => rerunFrom(selected[0]!)} disabled={busy}>Re-run from this node</button> : null}
            </section>
          ) : (
            <p className="muted">Select a node to see its output, logs and timings.</p>
          )}
        </section>
        </PassagesContext.Provider>
      ) : null}

      <section className="run-history" aria-label="Run history">
        <h3>History</h3>
        {history.length === 0 ? <p className="muted">No runs yet.</p> : null}
        <ul>
          {history.map((entry) => (
            <li key={entry.id}>
              <button type="button" className={`history-item${entry.id === run?.id ? ' current' : ''}`} onClick={() => void watch(entry.id)} aria-current={entry.id === run?.id ? 'true' : undefined}>
                <span className={`run-status status-${entry.status}`}>{entry.status}</span> v{entry.version} · {new Date(entry.startedAt).toLocaleString()} · {durationOf(entry)}
                {entry.fromNode ? ` · from ${entry.fromNode}` : ''}
                <span className="history-inputs" title={inputsText(entry.inputs)}>{inputsText(entry.inputs)}</span>
              </button>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
