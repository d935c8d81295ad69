// Where you are signed in: your sessions (created, last used, from where) and API tokens, each revocable
// at once; the revoked one is refused on its very next request.
import { useEffect, useState } from 'react';
import type { z } from 'zod';
import type { apiTokenBody, sessionBody } from '@astra/server/routes/sessions';
import { useApi } from '../api/client';

type Session = z.infer<typeof sessionBody>;
type ApiToken = z.infer<typeof apiTokenBody>;

const when = (at: string | null) => (at ? new Date(at).toLocaleString() : 'never');

export function SessionsPage() {
  const api = useApi();
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    let live = true;
    api.sessions().then((answer) => live && setSessions(answer.sessions), (error: Error) => live && setProblem(error.message));
    api.tokens().then((answer) => live && setTokens(answer.tokens), (error: Error) => live && setProblem(error.message));
    return () => {
      live = false;
    };
  }, [api, refresh]);

  const act = async (what: () => Promise<unknown>) => {
    setProblem(null);
    try {
      await what();
      setRefresh((n) => n + 1);
    } catch (error) {
      setProblem((error as Error).message);
    }
  };

  return (
    <div className="flow-list-page keys-page">
      <section aria-labelledby="sessions-title">
        <div className="section-head">
          <h1 id="sessions-title">Sessions</h1>
        </div>
        <p className="muted">Every browser signed in as you. Sign one out and its next request is refused; an unused session ends by itself.</p>
        {problem ? <p className="field-error" role="alert">{problem}</p> : null}
        {sessions === null ? <p className="muted">Loading…</p> : null}
        {sessions && sessions.length > 0 ? (
          <table className="keys-table" aria-label="Sessions">
            <thead>
              <tr><th>Browser</th><th>From</th><th>Signed in</th><th>Last used</th><th><span className="visually-hidden">Actions</span></th></tr>
            </thead>
            <tbody>
              {sessions.map((session) => (
                <tr key={session.id} data-session-id={session.id}>
                  <td>{session.userAgent ?? 'unknown'}{session.current ? <strong> (this one)</strong> : null}</td>
                  <td>{session.ip ?? 'unknown'}</td>
                  <td>{when(session.createdAt)}</td>
                  <td>{when(session.lastUsedAt)}</td>
                  <td>
                    <button type="button" className="danger" aria-label={session.current ? 'Sign out this session' : `Sign out session from ${session.ip ?? 'unknown'}`} onClick={() => void act(() => api.revokeSession(session.id))}>
                      Sign out
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      <section aria-labelledby="tokens-title">
        <h2 id="tokens-title">API tokens</h2>
        <p className="muted">Tokens for the CLI, notebooks and scripts (the whole API). Keys for chat clients are under API keys.</p>
        {tokens?.length === 0 ? <p className="muted">No API tokens.</p> : null}
        {tokens && tokens.length > 0 ? (
          <table className="keys-table" aria-label="API tokens">
            <thead>
              <tr><th>Name</th><th>Created</th><th>Last used</th><th>From</th><th><span className="visually-hidden">Actions</span></th></tr>
            </thead>
            <tbody>
              {tokens.map((token) => (
                <tr key={token.id} data-token-name={token.name}>
                  <td>{token.name}</td>
                  <td>{when(token.createdAt)}</td>
                  <td>{when(token.lastUsedAt)}</td>
                  <td>{token.lastIp ?? '—'}{token.lastUserAgent ? <span className="muted small"> {token.lastUserAgent}</span> : null}</td>
                  <td><button type="button" className="danger" aria-label={`Revoke token ${token.name}`} onClick={() => void act(() => api.revokeToken(token.id))}>Revoke</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </div>
  );
}
