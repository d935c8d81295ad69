// Settings (#/settings): who you are, your password, a link to your API keys; for admins, the users
// (approve pending accounts with a role, change an approved user's role, add users) and the models this server serves.
import { useEffect, useState } from 'react';
import { useApi } from '../api/client';
import type { User } from '../api/schemas';
import { keysHref, modelHref } from '../app/router';

type Account = Awaited<ReturnType<ReturnType<typeof useApi>['users']>>['users'][number];
type Model = Awaited<ReturnType<ReturnType<typeof useApi>['models']>>['models'][number];

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

/** Your own password: the current one is asked; your other sessions end, this one and your API tokens and keys stay. */
function PasswordChange() {
  const api = useApi();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const mismatch = again !== '' && next !== again;
  const change = async () => {
    setProblem(null);
    setNotice(null);
    setBusy(true);
    try {
      const { endedSessions } = await api.changePassword(current, next);
      setNotice(`Password changed. ${endedSessions === 0 ? 'You had no other sessions.' : `${endedSessions} other session${endedSessions === 1 ? '' : 's'} signed out.`}`);
      setCurrent('');
      setNext('');
      setAgain('');
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <form className="filters" aria-label="Change your password" onSubmit={(event) => { event.preventDefault(); void change(); }}>
        <label>Current password<input type="password" value={current} onChange={(event) => setCurrent(event.target.value)} autoComplete="current-password" /></label>
        <label>New password<input type="password" value={next} onChange={(event) => setNext(event.target.value)} autoComplete="new-password" minLength={10} /></label>
        <label>New password again<input type="password" value={again} onChange={(event) => setAgain(event.target.value)} autoComplete="new-password" /></label>
        <button type="submit" disabled={busy || !current || next.length < 10 || next !== again}>{busy ? 'Changing…' : 'Change password'}</button>
      </form>
      {next !== '' && next.length < 10 ? <p className="help">A password needs at least 10 characters.</p> : null}
      {mismatch ? <p className="field-error">The two new passwords differ.</p> : null}
      {problem ? <p className="field-error" role="alert">{problem}</p> : null}
      {notice ? <p className="status-ok" role="status">{notice}</p> : null}
      <p className="muted small">Changing it signs out your other sessions; this one, your API tokens and your API keys keep working (revoke those on their own pages).</p>
    </section>
  );
}

function Users({ self }: { self: string }) {
  const api = useApi();
  const [users, setUsers] = useState<Account[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [roles, setRoles] = useState<Record<string, 'admin' | 'user'>>({});
  const [draft, setDraft] = useState({ username: '', password: '', role: 'user' as 'admin' | 'user' });
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    api.users().then((answer) => setUsers(answer.users), (error: Error) => setProblem(error.message));
  }, [api, refresh]);

  const approve = async (username: string) => {
    setProblem(null);
    try {
      const { user } = await api.approveUser(username, roles[username] ?? 'user');
      setNotice(`Approved ${user.username} as ${user.role}.`);
      setRefresh((n) => n + 1);
    } catch (error) {
      setProblem((error as Error).message);
    }
  };
  const changeRole = async (username: string, role: 'admin' | 'user') => {
    setProblem(null);
    try {
      const { user } = await api.changeUserRole(username, role);
      setNotice(`${user.username} is now ${user.role === 'admin' ? 'an admin' : 'a user'}.`);
      setRefresh((n) => n + 1);
    } catch (error) {
      setProblem((error as Error).message);
    }
  };
  const create = async () => {
    setProblem(null);
    try {
      const { user } = await api.createUser(draft);
      setNotice(`Added ${user.username} (${user.role}).`);
      setDraft({ username: '', password: '', role: 'user' });
      setRefresh((n) => n + 1);
    } catch (error) {
      setProblem((error as Error).message);
    }
  };

  const pending = users?.filter((user) => user.role === 'pending') ?? [];
  return (
    <section aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      {problem ? <p className="field-error" role="alert">{problem}</p> : null}
      {notice ? <p className="status-ok" role="status">{notice}</p> : null}
      {pending.length > 0 ? (
        <div className="pending-users" aria-label="Waiting for approval">
          <h3>Waiting for approval</h3>
          <ul>
            {pending.map((user) => (
              <li key={user.id} data-pending={user.username}>
                <strong>{user.username}</strong> <span className="muted">registered {when(user.createdAt)}</span>{' '}
                <label>as{' '}
                  <select aria-label={`Role for ${user.username}`} value={roles[user.username] ?? 'user'} onChange={(event) => setRoles({ ...roles, [user.username]: event.target.value as 'admin' | 'user' })}>
                    <option value="user">user</option><option value="admin">admin</option>
                  </select>
                </label>{' '}
                <button type="button" className="primary" onClick={() => void approve(user.username)}>Approve</button>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {users ? (
        <table className="users-table">
          <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Registered</th><th scope="col">Approved</th><th scope="col">Change role</th></tr></thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id} data-user={user.username}>
                <td>{user.username}</td>
                <td>{user.role}</td>
                <td>{when(user.createdAt)}</td>
                <td>{when(user.approvedAt)}</td>
                <td>
                  {user.role === 'pending' ? <span className="muted small">approve above</span> : user.username === self ? <span className="muted small">you (another admin can change it)</span> : (
                    <select aria-label={`Change role of ${user.username}`} value={user.role} onChange={(event) => void changeRole(user.username, event.target.value === 'admin' ? 'admin' : 'user')}>
                      <option value="user">user</option><option value="admin">admin</option>
                    </select>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <form className="filters" aria-label="Add a user" onSubmit={(event) => { event.preventDefault(); void create(); }}>
        <label>Username<input value={draft.username} onChange={(event) => setDraft({ ...draft, username: event.target.value })} autoComplete="off" /></label>
        <label>Password<input type="password" value={draft.password} onChange={(event) => setDraft({ ...draft, password: event.target.value })} autoComplete="new-password" /></label>
        <label>Role
          <select value={draft.role} onChange={(event) => setDraft({ ...draft, role: event.target.value as 'admin' | 'user' })}><option value="user">user</option><option value="admin">admin</option></select>
        </label>
        <button type="submit" disabled={!draft.username || !draft.password}>Add user</button>
      </form>
      <p className="muted">A role change takes effect on the user's next request. You cannot change your own role (so the server always keeps an admin).</p>
    </section>
  );
}

function Models() {
  const api = useApi();
  const [models, setModels] = useState<Model[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    api.models().then((answer) => setModels(answer.models), (error: Error) => setProblem(error.message));
  }, [api]);
  return (
    <section aria-labelledby="models-title">
      <h2 id="models-title">Models</h2>
      {problem ? <p className="field-error" role="alert">{problem}</p> : null}
      {models ? (
        <table className="models-table">
          <thead><tr><th scope="col">Model</th><th scope="col">Kind</th><th scope="col">Provider</th><th scope="col">Context</th><th scope="col">Dimension</th><th scope="col">File</th></tr></thead>
          <tbody>
            {models.map((model) => (
              <tr key={model.name} data-model={model.name}>
                <td><a href={modelHref(model.name)}>{model.name}</a>{model.fineTune ? <div className="muted small">fine-tuned from {model.fineTune.baseModel}</div> : null}</td>
                <td>{model.kind}</td>
                <td>{model.provider}</td>
                <td>{model.contextLength ?? '—'}</td>
                <td>{model.dimension ?? '—'}</td>
                <td>{model.file ? `${(model.file.sizeBytes / 1_048_576).toFixed(0)} MiB · ${model.file.architecture}` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

export function SettingsPage({ user }: { user: User }) {
  return (
    <section className="page settings-page" aria-labelledby="settings-title">
      <header className="page-header"><h1 id="settings-title">Settings</h1></header>
      <section aria-labelledby="profile-title">
        <h2 id="profile-title">Profile</h2>
        <dl className="facts">
          <div><dt>Username</dt><dd data-fact="username">{user.username}</dd></div>
          <div><dt>Role</dt><dd data-fact="role">{user.role}</dd></div>
        </dl>
        <p><a href={keysHref}>Your API keys</a> — for OpenAI- and Ollama-compatible clients.</p>
      </section>
      <PasswordChange />
      {user.role === 'admin' ? (
        <>
          <Users self={user.username} />
          <Models />
        </>
      ) : null}
    </section>
  );
}
