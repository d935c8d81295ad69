// The playground of a chat flow (Chat Input → … → Chat Output): chat with the saved version right in
// the editor. Each message is a run of that version with the conversation so far as its history; the
// answering node's tokens stream into the reply and the run lights up on the canvas as it goes.
import { useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ApiError, useApi } from '../api/client';
import type { Run } from '../api/schemas';
import { renderMarkdown } from '../lib/markdown';
import { useEditor, useEditorStoreApi } from '../store/context';

interface Turn {
  role: 'user' | 'assistant';
  content: string;
  runId?: string;
  state?: 'streaming' | 'done' | 'failed' | 'stopped';
  error?: string;
}

/** The text a Chat Output received: plain text, or an answer with citations. */
const replyText = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'answer' in value && typeof (value as { answer: unknown }).answer === 'string') return (value as { answer: string }).answer;
  return value === undefined ? '' : JSON.stringify(value);
};

/** Whether a graph can be chatted with here: it has a Chat Input and a Chat Output. */
export const isChatFlow = (types: readonly string[]) => types.includes('io.chat-input') && types.includes('io.chat-output');

export function PlaygroundPanel({ flowId, ensureSaved }: { flowId: string; ensureSaved: () => Promise<number | null> }) {
  const api = useApi();
  const store = useEditorStoreApi();
  const otherInputs = useEditor(useShallow((state) => state.nodes.filter((node) => node.data.nodeType === 'io.input').map((node) => (typeof node.data.params.name === 'string' ? node.data.params.name : node.id))));
  const [turns, setTurns] = useState<Turn[]>([]);
  const [draft, setDraft] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [running, setRunning] = useState<string | null>(null);
  const stopFollowing = useRef<(() => void) | null>(null);

  useEffect(() => () => stopFollowing.current?.(), []);

  const setLast = (change: Partial<Turn>) => setTurns((current) => current.map((turn, i) => (i === current.length - 1 ? { ...turn, ...change } : turn)));

  const send = async () => {
    const message = draft.trim();
    if (!message || running) return;
    const version = await ensureSaved();
    if (version === null) return;
    const graph = store.getState().currentGraph();
    const output = graph.nodes.find((node) => node.type === 'io.chat-output');
    const answering = output && graph.edges.find((edge) => edge.target === output.id)?.source;
    const history = turns.filter((turn) => turn.state !== 'failed' && turn.content).map((turn) => ({ role: turn.role, content: turn.content }));
    setDraft('');
    setTurns((current) => [...current, { role: 'user', content: message }, { role: 'assistant', content: '', state: 'streaming' }]);
    let started: Run;
    try {
      const inputs = Object.fromEntries(Object.entries(values).filter(([name, value]) => value !== '' && otherInputs.includes(name)));
      ({ run: started } = await api.startRun({ flowId, version, inputs: { ...inputs, message }, chat: { history } }));
    } catch (error) {
      if (error instanceof ApiError && error.problems.length > 0) store.getState().setProblems(error.problems);
      setLast({ state: 'failed', error: (error as Error).message });
      return;
    }
    setRunning(started.id);
    setLast({ runId: started.id });
    store.getState().showRun(started);
    // Tokens of one attempt: a retried node starts again at seq 0.
    let text = '';
    stopFollowing.current = api.followRun(started.id, {
      snapshot: (snapshot) => store.getState().showRun(snapshot),
      event: (event) => {
        store.getState().applyRunEvent(event);
        if (event.type === 'token' && event.nodeId === answering) {
          text = event.seq === 0 ? event.text : text + event.text;
          setLast({ content: text });
        }
        if (event.type === 'run' && event.status !== 'running') {
          void api.getRun(started.id).then(({ run }) => {
            store.getState().showRun(run);
            const reply = replyText(run.outputs.message);
            setLast(run.status === 'succeeded' ? { content: reply || text, state: 'done' } : { state: run.status === 'cancelled' ? 'stopped' : 'failed', error: run.error ?? `the run ${run.status}` });
          }, (error: Error) => setLast({ state: 'failed', error: error.message })).finally(() => setRunning(null));
        }
      },
      lost: (reason) => {
        setLast({ state: 'failed', error: `lost the run's events: ${reason}` });
        setRunning(null);
      },
    });
  };

  const stop = async () => {
    if (!running) return;
    try {
      await api.cancelRun(running);
    } catch (error) {
      store.getState().notify('error', `Stop refused: ${(error as Error).message}`);
    }
  };

  return (
    <div className="playground" aria-label="Playground">
      <div className="playground-head">
        <p className="muted small">Chat with the saved version; each message is a run you can watch on the canvas.</p>
        <button type="button" className="ghost small" disabled={Boolean(running) || turns.length === 0} onClick={() => setTurns([])}>Clear</button>
      </div>
      {otherInputs.length > 0 ? (
        <div className="playground-inputs">
          {otherInputs.map((name) => (
            <label key={name}>
              {name}
              <input value={values[name] ?? ''} onChange={(event) => setValues((current) => ({ ...current, [name]: event.target.value }))} placeholder="(its default)" />
            </label>
          ))}
        </div>
      ) : null}
      <ol className="playground-turns" aria-label="Playground conversation">
        {turns.map((turn, i) => (
          <li key={i} className={`chat-message from-${turn.role}`} data-state={turn.state}>
            {turn.role === 'user' ? <p className="chat-user-text">{turn.content}</p> : (
              // renderMarkdown escapes raw HTML and sanitizes the result.
              <div className="markdown" dangerouslySetInnerHTML={{ __html: renderMarkdown(turn.content || (turn.state === 'streaming' ? '…' : '')) }} />
            )}
            {turn.error ? <p className="field-error" role="alert">{turn.error}</p> : null}
            {turn.state === 'stopped' ? <p className="muted small">Stopped.</p> : null}
          </li>
        ))}
      </ol>
      <form className="chat-composer" onSubmit={(event) => { event.preventDefault(); void send(); }}>
        <label htmlFor="playground-input" className="visually-hidden">Playground message</label>
        <textarea
          id="playground-input"
          rows={2}
          value={draft}
          placeholder="Message (Enter to send, Shift+Enter for a new line)"
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
              event.preventDefault();
              void send();
            }
          }}
        />
        {running ? <button type="button" className="danger" onClick={() => void stop()}>Stop</button> : <button type="submit" className="primary" disabled={!draft.trim()}>Send</button>}
      </form>
    </div>
  );
}
