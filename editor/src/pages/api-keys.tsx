// Your API keys for OpenAI- and Ollama-compatible clients: create one scoped to some chat apps with an
// expiry, see it once with a ready curl line, list them with their last use, revoke any at once.
import { useEffect, useState } from 'react';
import type { z } from 'zod';
import type { keyBody } from '@astra/server/routes/keys';
import type { appBody } from '@astra/server/routes/apps';
import { useApi } from '../api/client';

type Key = z.infer<typeof keyBody>;
type ChatApp = z.infer<typeof appBody>;

const expiries: Array<{ label: string; value: string | undefined }> = [
  { label: 'Never', value: undefined },
  { label: '7 days', value: '7d' },
  { label: '30 days', value: '30d' },
  { label: '90 days', value: '90d' },
];

const stateOf = (key: Key) => (key.revokedAt ? 'revoked' : key.expiresAt && new Date(key.expiresAt) <= new Date() ? 'expired' : 'live');
const when = (at: string | null) => (at ? new Date(at).toLocaleString() : 'never');

export function ApiKeysPage() {
  const api = useApi();
  const [keys, setKeys] = useState<Key[] | null>(null);
  const [apps, setApps] = useState<ChatApp[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<string[]>([]);
  const [expires, setExpires] = useState<string | undefined>('30d');
  const [created, setCreated] = useState<{ key: string; record: Key } | null>(null);
  const [copied, setCopied] = useState(false);
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    let live = true;
    api.keys().then((answer) => live && setKeys(answer.keys), (error: Error) => live && setProblem(error.message));
    api.apps().then((answer) => live && setApps(answer.apps), () => undefined);
    return () => {
      live = false;
    };
  }, [api, refresh]);

  // A key reaches an app only when the app is meant to be handed out (shared or keys).
  const scopable = apps.filter((app) => app.visibility !== 'private');
  const origin = window.location.origin;
  const example = created && (created.record.apps?.[0]?.slug ?? scopable[0]?.slug ?? 'MODEL');

  const create = async () => {
    setProblem(null);
    try {
      const answer = await api.createKey({ name: name.trim(), ...(scope.length ? { apps: scope } : {}), ...(expires ? { expires } : {}) });
      setCreated(answer);
      setCopied(false);
      setName('');
      setScope([]);
      setRefresh((n) => n + 1);
    } catch (error) {
      setProblem((error as Error).message);
    }
  };

  const revoke = async (key: Key) => {
    setProblem(null);
    try {
      await api.revokeKey(key.id);
      setRefresh((n) => n + 1);
    } catch (error) {
      setProblem((error as Error).message);
    }
  };

  return (
    <div className="flow-list-page keys-page">
      <section aria-labelledby="keys-title">
        <div className="section-head">
          <h1 id="keys-title">API keys</h1>
        </div>
        <p className="muted">
          A key lets an OpenAI or Ollama client (the official SDKs, Open WebUI, editor plugins) chat with your apps: use it as the API key with
          base URL <code>{origin}/v1</code>, or as a Bearer token at <code>{origin}/ollama</code>. It acts as you, limited to the apps you pick.
        </p>
        <form
          className="key-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (name.trim()) void create();
          }}
        >
          <label>
            Name
            <input value={name} maxLength={100} placeholder="e.g. Open WebUI at home" onChange={(event) => setName(event.target.value)} />
          </label>
          <fieldset>
            <legend>Apps it reaches</legend>
            {scopable.length === 0 ? <span className="muted small">No shared apps yet: the key reaches every app you may use and the plain models.</span> : null}
            {scopable.map((app) => (
              <label key={app.id} className="check">
                <input
                  type="checkbox"
                  checked={scope.includes(app.slug)}
                  onChange={(event) => setScope((current) => (event.target.checked ? [...current, app.slug] : current.filter((slug) => slug !== app.slug)))}
                />
                {app.title} <span className="muted small">({app.slug})</span>
              </label>
            ))}
            {scopable.length > 0 ? <span className="muted small">{scope.length === 0 ? 'None ticked: every app you may use, and the plain models.' : `Only ${scope.join(', ')}.`}</span> : null}
          </fieldset>
          <label>
            Expires
            <select value={expires ?? ''} onChange={(event) => setExpires(event.target.value || undefined)}>
              {expiries.map((option) => <option key={option.label} value={option.value ?? ''}>{option.label}</option>)}
            </select>
          </label>
          <button type="submit" className="primary" disabled={!name.trim()}>Create key</button>
        </form>
        {problem ? <p className="field-error" role="alert">{problem}</p> : null}
        {created ? (
          <div className="key-created" role="status" aria-label="New key">
            <p><strong>“{created.record.name}” — copy it now: it is shown only once.</strong></p>
            <p className="key-secret"><code data-testid="new-key">{created.key}</code>{' '}
              <button type="button" onClick={() => void navigator.clipboard?.writeText(created.key).then(() => setCopied(true), () => undefined)}>{copied ? 'Copied' : 'Copy'}</button>
            </p>
            <pre className="snippet" aria-label="curl example" data-testid="curl-snippet">{`curl ${origin}/v1/chat/completions \\
  -H "Authorization: Bearer ${created.key}" \\
  -H "Content-Type: application/json" \\
  -d '{"model": "${example}", "messages": [{"role": "user", "content": "Hello"}]}'`}</pre>
            <button type="button" className="ghost" onClick={() => setCreated(null)}>Done</button>
          </div>
        ) : null}
      </section>
      <section aria-labelledby="your-keys-title">
        <h2 id="your-keys-title">Your keys</h2>
        {keys === null ? <p className="muted">Loading…</p> : null}
        {keys?.length === 0 ? <p className="muted">No keys yet.</p> : null}
        {keys && keys.length > 0 ? (
          <table className="keys-table">
            <thead>
              <tr><th>Name</th><th>Key</th><th>Apps</th><th>Expires</th><th>Last used</th><th>State</th><th><span className="visually-hidden">Actions</span></th></tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.id} data-key-name={key.name}>
                  <td>{key.name}</td>
                  <td><code>{key.prefix}…</code></td>
                  <td>{key.apps ? key.apps.map((app) => app.slug ?? '(unpublished)').join(', ') : 'all'}</td>
                  <td>{key.expiresAt ? new Date(key.expiresAt).toLocaleDateString() : 'never'}</td>
                  <td>{when(key.lastUsedAt)}</td>
                  <td data-state={stateOf(key)}>{stateOf(key)}</td>
                  <td>{stateOf(key) === 'live' ? <button type="button" className="danger" aria-label={`Revoke ${key.name}`} onClick={() => void revoke(key)}>Revoke</button> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </div>
  );
}
