// "Use from code": ready snippets for a published app (curl, the openai and ollama clients, the
// TypeScript client, the CLI) with the user's own API key. A key is shown only once, so the snippets
// carry it only right after it is made here; otherwise they read it from $ASTRA_API_KEY.
import { useEffect, useState } from 'react';
import type { ChatApp } from '@astra/client';
import { useApi } from '../api/client';

export type CodeTarget = { kind: 'app'; slug: string; title: string; flowId: string } | { kind: 'flow'; flowId: string; title: string };

type Language = 'curl' | 'openai' | 'ollama' | 'typescript' | 'cli';
const languages: Array<[Language, string]> = [['curl', 'curl'], ['openai', 'OpenAI client'], ['ollama', 'Ollama client'], ['typescript', 'TypeScript client'], ['cli', 'CLI']];

const keyVariable = '$ASTRA_API_KEY';
const quote = (text: string) => JSON.stringify(text);

/** The snippet for one language; `key` is the secret when it was just created, else read from the environment. */
export function snippetFor(language: Language, origin: string, slug: string, key: string | null): string {
  const shellKey = key ?? keyVariable;
  const jsKey = key ? quote(key) : 'process.env.ASTRA_API_KEY';
  switch (language) {
    case 'curl':
      return `curl -sS ${origin}/v1/chat/completions \\
  -H "Authorization: Bearer ${shellKey}" \\
  -H "Content-Type: application/json" \\
  -d '{"model": "${slug}", "messages": [{"role": "user", "content": "Hello"}]}'`;
    case 'openai':
      return `// npm install openai
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: ${quote(`${origin}/v1`)}, apiKey: ${jsKey} });
const stream = await client.chat.completions.create({
  model: ${quote(slug)},
  messages: [{ role: 'user', content: 'Hello' }],
  stream: true,
});
for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? '');`;
    case 'ollama':
      return `// npm install ollama
import { Ollama } from 'ollama';

const ollama = new Ollama({ host: ${quote(`${origin}/ollama`)}, headers: { Authorization: \`Bearer \${${jsKey}}\` } });
const stream = await ollama.chat({ model: ${quote(slug)}, messages: [{ role: 'user', content: 'Hello' }], stream: true });
for await (const part of stream) process.stdout.write(part.message.content);`;
    case 'typescript':
      return `// In a tslab notebook or any Node program of this repository
import { createAstraClient } from '@astra/client';

const astra = createAstraClient({ baseUrl: ${quote(origin)}, token: ${jsKey} });
const { conversation } = await astra.createConversation(${quote(slug)});
const answer = await astra.sendMessage(conversation.id, { content: 'Hello' }, { token: (text) => process.stdout.write(text) });
console.log('\\n', answer.citations.map((c) => \`[\${c.number}] \${c.source}\`));`;
    case 'cli':
      return `ASTRA_URL=${origin} ASTRA_TOKEN=${shellKey} npx astra chat ${slug} -m "Hello"`;
  }
}

export function UseFromCodeDialog({ target, onClose }: { target: CodeTarget; onClose: () => void }) {
  const api = useApi();
  const [apps, setApps] = useState<ChatApp[] | null>(null);
  const [liveKeys, setLiveKeys] = useState<Array<{ name: string; prefix: string }>>([]);
  const [language, setLanguage] = useState<Language>('curl');
  const [secret, setSecret] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [copied, setCopied] = useState(false);
  const origin = window.location.origin;

  useEffect(() => {
    api.apps().then((answer) => setApps(answer.apps), (error: Error) => setProblem(error.message));
    api.keys().then(
      (answer) => setLiveKeys(answer.keys.filter((key) => !key.revokedAt && !(key.expiresAt && new Date(key.expiresAt) <= new Date())).map((key) => ({ name: key.name, prefix: key.prefix }))),
      () => undefined,
    );
  }, [api]);

  const published = target.kind === 'app' ? apps?.find((app) => app.slug === target.slug) : apps?.find((app) => app.flowId === target.flowId);
  const slug = target.kind === 'app' ? target.slug : published?.slug;

  const createKey = async () => {
    if (!slug) return;
    setCreating(true);
    setProblem(null);
    try {
      // Scoped to this one app: a snippet's key should reach nothing else.
      const answer = await api.createKey({ name: `${target.title} (from the editor)`.slice(0, 100), apps: [slug], expires: '90d' });
      setSecret(answer.key);
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setCreating(false);
    }
  };

  const allowKeys = async () => {
    if (!slug) return;
    try {
      const { app } = await api.updateApp(slug, { visibility: 'keys' });
      setApps((current) => current?.map((candidate) => (candidate.id === app.id ? app : candidate)) ?? null);
    } catch (error) {
      setProblem((error as Error).message);
    }
  };

  const snippet = slug ? snippetFor(language, origin, slug, secret) : '';

  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <div className="modal code-modal" role="dialog" aria-modal="true" aria-labelledby="code-title" onClick={(event) => event.stopPropagation()} onKeyDown={(event) => event.key === 'Escape' && onClose()}>
        <header className="modal-header">
          <h2 id="code-title">Use “{target.title}” from code</h2>
          <button type="button" onClick={onClose}>Close</button>
        </header>
        {apps === null ? <p className="muted">Loading…</p> : null}
        {apps !== null && !slug ? (
          <p className="muted">This flow is not published yet. Publish it (a version with Chat Input and Chat Output) to call it from OpenAI and Ollama clients, the TypeScript client and the CLI with an API key.</p>
        ) : null}
        {slug ? (
          <>
            <p className="muted small">
              Model <code>{slug}</code> at <code>{origin}/v1</code> (OpenAI) and <code>{origin}/ollama</code> (Ollama), with one of your own API keys.
            </p>
            {published?.visibility === 'private' ? (
              <div className="code-key-row" role="note">
                <span className="muted small">This app is private: API keys reach only apps that are shared or handed out by key.</span>
                {published.canManage ? <button type="button" onClick={() => void allowKeys()}>Let keys reach it</button> : null}
              </div>
            ) : null}
            {secret ? (
              <p className="key-created" role="status">New key, shown only now (the snippets carry it): <code data-testid="code-key">{secret}</code></p>
            ) : (
              <div className="code-key-row">
                <span className="muted small">
                  {liveKeys.length > 0
                    ? `Set ASTRA_API_KEY to one of your keys (${liveKeys.map((key) => `${key.name}: ${key.prefix}…`).join(', ')}), or create one for these snippets.`
                    : 'You have no API key yet: create one and the snippets will carry it.'}
                </span>
                <button type="button" className="primary" disabled={creating} onClick={() => void createKey()}>{creating ? 'Creating…' : 'Create a key'}</button>
              </div>
            )}
            <div className="tabs" role="tablist" aria-label="Language">
              {languages.map(([id, label]) => (
                <button key={id} type="button" role="tab" aria-selected={language === id} onClick={() => { setLanguage(id); setCopied(false); }}>{label}</button>
              ))}
            </div>
            <pre className="snippet" data-testid="code-snippet" data-language={language} aria-label={`${language} snippet`}>{snippet}</pre>
            <button type="button" onClick={() => void navigator.clipboard?.writeText(snippet).then(() => setCopied(true), () => undefined)}>{copied ? 'Copied' : 'Copy'}</button>
          </>
        ) : null}
        {problem ? <p className="field-error" role="alert">{problem}</p> : null}
      </div>
    </div>
  );
}
