// A chat with a published app, inside the sidebar: one conversation, the answer streamed as it is written.
import { useState } from 'react';
import type { App, AstraClient, ChatMessage } from '@astra/client/browser';

type Shown = { role: 'user' | 'assistant'; content: string; sources: string[]; failed?: boolean };

const shown = (message: ChatMessage): Shown => ({ role: message.role, content: message.content, sources: message.citations.map((citation) => `[${citation.number}] ${citation.source}`) });

export function ChatPane({ client, app }: { client: AstraClient; app: App }) {
  const [conversation, setConversation] = useState<string | null>(null);
  const [messages, setMessages] = useState<Shown[]>([]);
  const [draft, setDraft] = useState('');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);

  const send = async (content: string) => {
    setBusy(true);
    setMessages((known) => [...known, { role: 'user', content, sources: [] }, { role: 'assistant', content: '', sources: [] }]);
    // Each token replaces the last (streaming) message; the stored answer replaces it at the end.
    const replaceLast = (next: (last: Shown) => Shown) => setMessages((known) => [...known.slice(0, -1), next(known[known.length - 1]!)]);
    try {
      const id = conversation ?? (await client.createConversation(app.slug)).conversation.id;
      setConversation(id);
      const answer = await client.sendMessage(id, { content }, {
        status: setStatus,
        token: (text) => replaceLast((last) => ({ ...last, content: last.content + text })),
      });
      if (answer.status === 'failed') throw new Error(answer.error ?? 'the answer failed');
      replaceLast(() => shown(answer));
    } catch (error) {
      replaceLast((last) => ({ ...last, content: error instanceof Error ? error.message : String(error), failed: true }));
    } finally {
      setStatus('');
      setBusy(false);
    }
  };

  return (
    <div className="astra-chat" aria-label={`Chat with ${app.title}`} data-busy={busy}>
      <ol className="astra-chat-messages">
        {messages.map((message, index) => (
          <li key={index} className={`astra-chat-${message.role}${message.failed ? ' astra-problem' : ''}`} data-role={message.role}>
            {message.content || (busy && index === messages.length - 1 ? `${status || 'thinking'}…` : '')}
            {message.sources.length ? <small className="astra-chat-sources">{message.sources.join(' ')}</small> : null}
          </li>
        ))}
      </ol>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const content = draft.trim();
          if (!content || busy) return;
          setDraft('');
          void send(content);
        }}
      >
        <input aria-label={`Message to ${app.title}`} placeholder="Message" value={draft} onChange={(event) => setDraft(event.target.value)} />
        <button type="submit" disabled={busy || !draft.trim()}>Send</button>
        {conversation ? <button type="button" disabled={busy} onClick={() => { setConversation(null); setMessages([]); }}>New chat</button> : null}
      </form>
    </div>
  );
}
