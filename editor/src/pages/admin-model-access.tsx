// Model access for admins: every model and published app, and who may use it. Unrestricted means every
// approved user; naming users or roles limits it to them (admins always may).
import { useEffect, useState } from 'react';
import { useApi, type AstraClient } from '../api/client';

type Answer = Awaited<ReturnType<AstraClient['modelAccess']>>;
type Rule = Answer['rules'][number];

const split = (text: string) => text.split(',').map((entry) => entry.trim()).filter(Boolean);

function AccessRow({ kind, name, note, rule, onSave }: { kind: 'model' | 'app'; name: string; note: string; rule: Rule | undefined; onSave: (users: string[], roles: Array<'admin' | 'user'>) => Promise<void> }) {
  const [users, setUsers] = useState(rule?.users.join(', ') ?? '');
  const [everyUser, setEveryUser] = useState(rule?.roles.includes('user') ?? false);
  return (
    <tr data-access={`${kind}:${name}`}>
      <td><code>{name}</code> <span className="muted small">{kind} · {note}</span></td>
      <td>{rule ? `only ${[...rule.users, ...rule.roles.map((role) => `role ${role}`)].join(', ') || 'admins'}` : 'every user'}</td>
      <td>
        <input aria-label={`Users who may use ${name}`} value={users} placeholder="usernames, comma-separated" onChange={(event) => setUsers(event.target.value)} />
        <label className="check"><input type="checkbox" checked={everyUser} onChange={(event) => setEveryUser(event.target.checked)} /> role user</label>
      </td>
      <td>
        <button type="button" className="primary" aria-label={`Restrict ${name}`} onClick={() => void onSave(split(users), everyUser ? ['user'] : split(users).length ? [] : ['admin'])}>Restrict</button>{' '}
        {rule ? <button type="button" aria-label={`Open ${name} to everyone`} onClick={() => void onSave([], []).then(() => { setUsers(''); setEveryUser(false); })}>Open to all</button> : null}
      </td>
    </tr>
  );
}

export function AdminModelAccessPage() {
  const api = useApi();
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    let live = true;
    api.modelAccess().then((found) => live && setAnswer(found), (error: Error) => live && setProblem(error.message));
    return () => {
      live = false;
    };
  }, [api, refresh]);

  const save = (kind: 'model' | 'app', name: string) => async (users: string[], roles: Array<'admin' | 'user'>) => {
    setProblem(null);
    try {
      await api.setModelAccess(kind, name, { users, roles });
      setRefresh((n) => n + 1);
    } catch (error) {
      setProblem((error as Error).message);
    }
  };
  const ruleFor = (kind: 'model' | 'app', name: string) => answer?.rules.find((rule) => rule.kind === kind && rule.name === name);

  return (
    <div className="flow-list-page keys-page">
      <section aria-labelledby="access-title">
        <div className="section-head">
          <h1 id="access-title">Model access</h1>
        </div>
        <p className="muted">
          A model or app nobody restricted is open to every approved user. Restrict it to named users (and, ticked, every user of role “user”): everyone
          else gets 403 naming it, from runs, chat, /v1 and the Ollama API, and no longer sees it in any list. Admins may always use everything.
        </p>
        {problem ? <p className="field-error" role="alert">{problem}</p> : null}
        {answer === null && !problem ? <p className="muted">Loading…</p> : null}
        {answer ? (
          <table className="keys-table" aria-label="Model access">
            <thead>
              <tr><th>Model or app</th><th>Who may use it</th><th>Restrict to</th><th><span className="visually-hidden">Actions</span></th></tr>
            </thead>
            <tbody>
              {answer.models.map((model) => (
                <AccessRow key={`model:${model.name}:${JSON.stringify(ruleFor('model', model.name) ?? null)}`} kind="model" name={model.name} note={`${model.kind}, ${model.provider}`} rule={ruleFor('model', model.name)} onSave={save('model', model.name)} />
              ))}
              {answer.apps.map((app) => (
                <AccessRow key={`app:${app.slug}:${JSON.stringify(ruleFor('app', app.slug) ?? null)}`} kind="app" name={app.slug} note={`“${app.title}” by ${app.owner}`} rule={ruleFor('app', app.slug)} onSave={save('app', app.slug)} />
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </div>
  );
}
