// Chat with published apps: pick an app, keep conversations in the sidebar (new, rename, delete), read
// answers as they stream (sanitized markdown), stop, regenerate, edit and resend, copy, open a citation's
// passage, attach files to the conversation's own collection, and open the run behind each answer.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ChatApp, ChatMessage, Conversation } from '@astra/client';
import { useApi } from '../api/client';
import { chatHref, flowRunHref, navigate } from '../app/router';
import { renderMarkdown } from '../lib/markdown';
import { UseFromCodeDialog } from './use-from-code';

type Citation = ChatMessage['citations'][number];

/**
 * An app whose flow declares an input named "collection" (wired to a Retrieve) reads the conversation's
 * own collection through it: files attached in the chat are ingested there, and each turn names it.
 */
export const conversationCollectionInput = 'collection';
export const conversationCollection = (conversationId: string) => `chat-${conversationId}`;

interface Attachment {
  name: string;
  state: 'uploading' | 'indexing' | 'ready' | 'failed';
  detail?: string;
}

function Markdown({ text, className }: { text: string; className?: string }) {
  const html = useMemo(() => renderMarkdown(text), [text]);
  // renderMarkdown escapes raw HTML and sanitizes the result with DOMPurify.
  return <div className={className} dangerouslySetInnerHTML={{ __html: html }} />;
}

function CitationDialog({ citation, onClose }: { citation: Citation; onClose: () => void }) {
  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <div className="modal citation-modal" role="dialog" aria-modal="true" aria-labelledby="citation-title" onClick={(event) => event.stopPropagation()} onKeyDown={(event) => event.key === 'Escape' && onClose()}>
        <header className="modal-header">
          <h2 id="citation-title">[{citation.number}] {citation.title ?? citation.source.split('/').pop()}</h2>
          <button type="button" onClick={onClose} autoFocus>Close</button>
        </header>
        <p className="muted small">Source: <code data-testid="citation-source">{citation.source}</code></p>
        {citation.passage !== undefined
          ? <Markdown className="citation-passage markdown" text={citation.passage} />
          : <p className="muted">This answer was stored before Astra kept the passages' text; ask again to see it.</p>}
      </div>
    </div>
  );
}

function MessageView({ message, app, last, busy, onEdit, onRegenerate, onCite }: {
  message: ChatMessage; app: ChatApp; last: boolean; busy: boolean;
  onEdit: (content: string) => void; onRegenerate: () => void; onCite: (citation: Citation) => void;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const shown = message.citations.some((citation) => citation.cited) ? message.citations.filter((citation) => citation.cited) : message.citations;
  if (message.role === 'user') {
    return (
      <li className="chat-message from-user" data-seq={message.seq} aria-label="Your message">
        {editing === null ? (
          <>
            <div className="chat-bubble"><p className="chat-user-text">{message.content}</p></div>
            <div className="chat-actions">
              <button type="button" className="ghost small" disabled={busy} onClick={() => setEditing(message.content)}>Edit</button>
            </div>
          </>
        ) : (
          <form className="chat-edit" onSubmit={(event) => { event.preventDefault(); if (editing.trim()) { onEdit(editing); setEditing(null); } }}>
            <label className="visually-hidden" htmlFor={`edit-${message.id}`}>Edit your message</label>
            <textarea id={`edit-${message.id}`} value={editing} rows={3} onChange={(event) => setEditing(event.target.value)} autoFocus />
            <div className="chat-actions">
              <button type="submit" className="primary" disabled={!editing.trim() || busy}>Send again</button>
              <button type="button" onClick={() => setEditing(null)}>Cancel</button>
            </div>
          </form>
        )}
      </li>
    );
  }
  return (
    <li className={`chat-message from-assistant is-${message.status}`} data-seq={message.seq} data-status={message.status} aria-label="Answer">
      <div className="chat-bubble">
        {message.content ? <Markdown className="markdown chat-answer" text={message.content} /> : message.status === 'streaming' ? <p className="muted" aria-busy="true">…</p> : null}
        {message.status === 'failed' ? <p className="field-error" role="alert">{message.error ?? 'the answer failed'}</p> : null}
        {message.status === 'stopped' ? <p className="muted small">Stopped.</p> : null}
        {shown.length > 0 ? (
          <ol className="chat-citations" aria-label="Sources">
            {shown.map((citation) => (
              <li key={citation.number}>
                <button type="button" className="citation" onClick={() => onCite(citation)} title={citation.source}>
                  [{citation.number}] {citation.title ?? citation.source.split('/').pop()}
                </button>
              </li>
            ))}
          </ol>
        ) : null}
      </div>
      {message.status !== 'streaming' ? (
        <div className="chat-actions">
          <button type="button" className="ghost small" onClick={() => void navigator.clipboard?.writeText(message.content).then(() => setCopied(true), () => undefined)}>{copied ? 'Copied' : 'Copy'}</button>
          {last ? <button type="button" className="ghost small" disabled={busy} onClick={onRegenerate}>Regenerate</button> : null}
          {message.runId ? <a className="small" href={flowRunHref(app.flowId, message.runId)} title="The run that wrote this answer">Run</a> : null}
          {message.durationMs !== null && message.status === 'done' ? <span className="muted small">{(message.durationMs / 1000).toFixed(1)} s{message.completionTokens ? ` · ${message.completionTokens} tokens` : ''}</span> : null}
        </div>
      ) : null}
    </li>
  );
}

export function ChatPage({ slug, conversationId }: { slug?: string; conversationId?: string }) {
  const api = useApi();
  const [apps, setApps] = useState<ChatApp[] | null>(null);
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [conversation, setConversation] = useState<Conversation | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [citation, setCitation] = useState<Citation | null>(null);
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const [hasCollection, setHasCollection] = useState(false);
  const [renaming, setRenaming] = useState<{ id: string; title: string } | null>(null);
  const [codeFor, setCodeFor] = useState<ChatApp | null>(null);
  const fileInput = useRef<HTMLInputElement | null>(null);
  const bottom = useRef<HTMLDivElement | null>(null);
  const app = apps?.find((candidate) => candidate.slug === slug) ?? null;
  const takesCollection = app?.inputs.includes(conversationCollectionInput) ?? false;

  useEffect(() => {
    api.apps().then((answer) => setApps(answer.apps), (error: Error) => setProblem(error.message));
  }, [api]);

  // With no app chosen, the first one opens.
  useEffect(() => {
    if (apps && !slug && apps[0]) navigate(chatHref(apps[0].slug));
  }, [apps, slug]);

  const loadConversations = useCallback(async () => {
    if (!slug) return;
    try {
      setConversations((await api.conversations(slug)).conversations);
    } catch (error) {
      setProblem((error as Error).message);
    }
  }, [api, slug]);

  useEffect(() => {
    setConversations([]);
    void loadConversations();
  }, [loadConversations]);

  // The conversation open now, so that naming a just-created one in the address does not reload it mid-answer.
  const openId = useRef<string | null>(null);
  if (conversation) openId.current = conversation.id;

  useEffect(() => {
    if (conversationId && openId.current === conversationId) return;
    setConversation(null);
    setAttachments([]);
    setHasCollection(false);
    if (!conversationId) return;
    let live = true;
    api.conversation(conversationId).then((answer) => live && setConversation(answer.conversation), (error: Error) => live && setProblem(error.message));
    // Files attached earlier live in the conversation's collection, which outlasts the page.
    api.collections().then(
      (answer) => live && setHasCollection(answer.collections.some((collection) => collection.name === conversationCollection(conversationId))),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, conversationId]);

  useEffect(() => {
    bottom.current?.scrollIntoView({ block: 'end' });
  }, [conversation?.messages]);

  /** Replaces or appends one message in the open conversation. */
  const put = (message: ChatMessage) => setConversation((current) => {
    if (!current) return current;
    const messages = (current.messages ?? []).filter((candidate) => candidate.seq !== message.seq && candidate.id !== message.id);
    return { ...current, messages: [...messages, message].sort((a, b) => a.seq - b.seq) };
  });

  /** Runs one turn: the user's message (or nothing, to regenerate) then the answer streamed in place. */
  const turn = async (id: string, ask: { content: string; editSeq?: number } | null) => {
    setBusy(true);
    setProblem(null);
    setStatus(null);
    const before = conversation?.messages ?? [];
    const keep = ask ? before.filter((message) => ask.editSeq === undefined || message.seq < ask.editSeq) : before.slice(0, before.map((m) => m.role).lastIndexOf('user') + 1);
    const now = new Date().toISOString();
    const userSeq = ask ? (keep.at(-1)?.seq ?? -1) + 1 : keep.at(-1)!.seq;
    const placeholder = (text: string): ChatMessage => ({ id: 'pending', seq: userSeq + 1, role: 'assistant', content: text, citations: [], runId: null, status: 'streaming', error: null, promptTokens: null, completionTokens: null, firstTokenMs: null, durationMs: null, createdAt: now });
    const messages = ask ? [...keep, { ...placeholder(ask.content), id: 'pending-user', seq: userSeq, role: 'user' as const, status: 'done' as const }] : keep;
    setConversation((current) => (current ? { ...current, messages: [...messages, placeholder('')] } : current));
    let text = '';
    let runId: string | null = null;
    try {
      const handlers = {
        started: (started: string) => {
          runId = started;
        },
        status: (line: string) => setStatus(line),
        token: (piece: string) => {
          text += piece;
          put({ ...placeholder(text), runId });
        },
      };
      const inputs: Record<string, string> = takesCollection && hasCollection ? { [conversationCollectionInput]: conversationCollection(id) } : {};
      const answer = ask ? await api.sendMessage(id, { content: ask.content, inputs, ...(ask.editSeq !== undefined ? { editSeq: ask.editSeq } : {}) }, handlers) : await api.regenerate(id, handlers);
      put(answer);
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
      setStatus(null);
      // The stored conversation is the truth (its title may have been set from the first message).
      const fresh = await api.conversation(id).catch(() => null);
      if (fresh) setConversation(fresh.conversation);
      void loadConversations();
    }
  };

  /** The open conversation's id, or a new conversation's (opened and listed); undefined when it could not be made. */
  const openConversation = async (app: string): Promise<string | undefined> => {
    const open = conversation?.id ?? conversationId;
    if (open) return open;
    try {
      const created = (await api.createConversation(app)).conversation;
      openId.current = created.id;
      setConversation({ ...created, messages: [] });
      navigate(chatHref(app, created.id));
      void loadConversations();
      return created.id;
    } catch (error) {
      setProblem((error as Error).message);
      return undefined;
    }
  };

  const send = async () => {
    const content = draft.trim();
    if (!content || busy || !slug) return;
    setDraft('');
    const id = await openConversation(slug);
    if (id) await turn(id, { content });
  };

  const newConversation = async () => {
    if (!slug) return;
    try {
      const created = (await api.createConversation(slug)).conversation;
      await loadConversations();
      navigate(chatHref(slug, created.id));
    } catch (error) {
      setProblem((error as Error).message);
    }
  };

  const remove = async (target: Conversation) => {
    try {
      await api.deleteConversation(target.id);
      // Its attached files go with it.
      await api.deleteCollection(conversationCollection(target.id)).catch(() => undefined);
      await loadConversations();
      if (target.id === conversationId && slug) navigate(chatHref(slug));
    } catch (error) {
      setProblem((error as Error).message);
    }
  };

  const rename = async () => {
    if (!renaming || !renaming.title.trim()) return;
    try {
      await api.renameConversation(renaming.id, renaming.title.trim());
      setRenaming(null);
      await loadConversations();
      if (renaming.id === conversationId) setConversation((current) => (current ? { ...current, title: renaming.title.trim() } : current));
    } catch (error) {
      setProblem((error as Error).message);
    }
  };

  const stop = async () => {
    if (!conversationId && !conversation) return;
    try {
      await api.stopConversation((conversation?.id ?? conversationId)!);
    } catch (error) {
      setProblem((error as Error).message);
    }
  };

  const attach = async (files: File[]) => {
    if (files.length === 0 || !slug) return;
    const id = await openConversation(slug);
    if (!id) return;
    for (const file of files) {
      const name = file.name.replace(/[^A-Za-z0-9 ._()-]/g, '_').replace(/^[^A-Za-z0-9]+/, '') || 'file.txt';
      const update = (change: Partial<Attachment>) => setAttachments((current) => current.map((item) => (item.name === name ? { ...item, ...change } : item)));
      setAttachments((current) => [...current.filter((item) => item.name !== name), { name, state: 'uploading' }]);
      try {
        const started = await api.upload(conversationCollection(id), name, await file.arrayBuffer());
        update({ state: 'indexing' });
        for (;;) {
          const progress = await api.ingestStatus(started.workflowId);
          if (progress.status === 'running') {
            update({ detail: `${progress.chunks} chunks so far` });
            await new Promise((resolve) => setTimeout(resolve, 500));
            continue;
          }
          if (progress.outcome === 'failed') update({ state: 'failed', detail: progress.error ?? progress.failures[0]?.reason ?? progress.status });
          else {
            update({ state: 'ready', detail: `${progress.chunks} chunks` });
            setHasCollection(true);
          }
          break;
        }
      } catch (error) {
        update({ state: 'failed', detail: (error as Error).message });
      }
    }
  };

  const messages = conversation?.messages ?? [];
  const streaming = busy || messages.some((message) => message.status === 'streaming');
  const lastAssistant = [...messages].reverse().find((message) => message.role === 'assistant');

  return (
    <div className="chat-page">
      <aside className="chat-sidebar" aria-label="Conversations">
        <label className="chat-app-picker">
          App
          <select value={slug ?? ''} onChange={(event) => navigate(chatHref(event.target.value))}>
            {apps?.length === 0 ? <option value="">No apps yet</option> : null}
            {(apps ?? []).map((candidate) => <option key={candidate.id} value={candidate.slug}>{candidate.title}</option>)}
          </select>
        </label>
        {app ? (
          <div className="chat-app-actions">
            <button type="button" className="primary" onClick={() => void newConversation()}>New conversation</button>
            <button type="button" onClick={() => setCodeFor(app)}>Use from code</button>
          </div>
        ) : null}
        <ul className="chat-conversations">
          {conversations.map((item) => (
            <li key={item.id} aria-current={item.id === conversationId ? 'true' : undefined} data-conversation={item.id}>
              {renaming?.id === item.id ? (
                <form onSubmit={(event) => { event.preventDefault(); void rename(); }} className="chat-rename">
                  <label className="visually-hidden" htmlFor={`rename-${item.id}`}>New title</label>
                  <input id={`rename-${item.id}`} value={renaming.title} maxLength={200} autoFocus onChange={(event) => setRenaming({ id: item.id, title: event.target.value })} onKeyDown={(event) => event.key === 'Escape' && setRenaming(null)} />
                  <button type="submit" className="small">Save</button>
                </form>
              ) : (
                <>
                  <a href={chatHref(item.appSlug, item.id)} title={item.title}>{item.title}</a>
                  <span className="chat-conversation-actions">
                    <button type="button" className="ghost small" aria-label={`Rename ${item.title}`} onClick={() => setRenaming({ id: item.id, title: item.title })}>✎</button>
                    <button type="button" className="ghost small" aria-label={`Delete ${item.title}`} onClick={() => void remove(item)}>✕</button>
                  </span>
                </>
              )}
            </li>
          ))}
        </ul>
      </aside>
      <section className="chat-main" aria-label="Chat">
        {apps?.length === 0 ? (
          <p className="muted page-message">No chat apps yet. Open a flow with a Chat Input and a Chat Output and press Publish.</p>
        ) : null}
        {app ? (
          <header className="chat-head">
            <h1>{conversation?.title ?? app.title}</h1>
            <span className="muted small">{app.title} · v{app.version}{app.description ? ` · ${app.description}` : ''}</span>
          </header>
        ) : null}
        <ol className="chat-messages" aria-label="Messages" aria-live="polite">
          {app ? messages.map((message) => (
            <MessageView
              key={message.id === 'pending' || message.id === 'pending-user' ? `${message.id}-${message.seq}` : message.id}
              message={message}
              app={app}
              last={message.id === lastAssistant?.id}
              busy={streaming}
              onEdit={(content) => conversation && void turn(conversation.id, { content, editSeq: message.seq })}
              onRegenerate={() => conversation && void turn(conversation.id, null)}
              onCite={setCitation}
            />
          )) : null}
        </ol>
        {problem ? <p className="field-error chat-problem" role="alert">{problem}</p> : null}
        {app ? (
          <form className="chat-composer" onSubmit={(event) => { event.preventDefault(); void send(); }}>
            {attachments.length > 0 || hasCollection ? (
              <ul className="chat-attachments" aria-label="Attached files">
                {hasCollection && attachments.length === 0 ? <li className="muted small">Files attached earlier are searched.</li> : null}
                {attachments.map((item) => <li key={item.name} data-state={item.state}><strong>{item.name}</strong> — {item.state}{item.detail ? ` (${item.detail})` : ''}</li>)}
              </ul>
            ) : null}
            <div className="chat-compose-row">
              {takesCollection ? (
                <>
                  <input ref={fileInput} type="file" hidden aria-label="Attach a file" onChange={(event) => {
                    // Copied first: clearing the input (so the same file can be picked again) empties its live FileList.
                    const picked = Array.from(event.target.files ?? []);
                    event.target.value = '';
                    void attach(picked);
                  }} />
                  <button type="button" onClick={() => fileInput.current?.click()} title="Attach a file: it is searched in this conversation">Attach</button>
                </>
              ) : null}
              <label htmlFor="chat-input" className="visually-hidden">Message</label>
              <textarea
                id="chat-input"
                value={draft}
                rows={2}
                placeholder={`Message ${app.title} (Enter to send, Shift+Enter for a new line)`}
                onChange={(event) => setDraft(event.target.value)}
                onKeyDown={(event) => {
                  if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
                    event.preventDefault();
                    void send();
                  }
                }}
              />
              {streaming ? (
                <button type="button" className="danger" onClick={() => void stop()}>Stop</button>
              ) : (
                <button type="submit" className="primary" disabled={!draft.trim()}>Send</button>
              )}
            </div>
            {status ? <p className="muted small" role="status">{status}…</p> : null}
          </form>
        ) : null}
        {/* Below the sticky composer, so scrolling to it shows the last answer whole above the composer. */}
        <div ref={bottom} />
      </section>
      {citation ? <CitationDialog citation={citation} onClose={() => setCitation(null)} /> : null}
      {codeFor ? <UseFromCodeDialog target={{ kind: 'app', slug: codeFor.slug, title: codeFor.title, flowId: codeFor.flowId }} onClose={() => setCodeFor(null)} /> : null}
    </div>
  );
}
