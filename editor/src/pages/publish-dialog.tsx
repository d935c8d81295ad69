// Publish a chat flow as an app: slug, title, who may use it (private, shared with users or roles, or
// anyone holding a key for it) and the pinned version. Once published: pin another version (an explicit
// act), change who may use it, or unpublish.
import { useEffect, useState } from 'react';
import type { ChatApp } from '@astra/client';
import { useApi } from '../api/client';
import { chatHref } from '../app/router';

type Visibility = ChatApp['visibility'];
const visibilities: Array<[Visibility, string]> = [
  ['private', 'Private: only you, in the chat page'],
  ['shared', 'Shared: the users and roles named below'],
  ['keys', 'Keys: anyone holding an API key for it (and the users and roles below)'],
];

/** "RAG: answer a question" → "rag-answer-a-question", as the server makes a default slug. */
const slugFrom = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'app';
const list = (text: string) => text.split(',').map((part) => part.trim()).filter(Boolean);

export function PublishDialog({ flowId, flowName, savedVersion, onClose, onChanged }: {
  flowId: string; flowName: string; savedVersion: number; onClose: () => void; onChanged?: (app: ChatApp | null) => void;
}) {
  const api = useApi();
  const [app, setApp] = useState<ChatApp | null | undefined>(undefined);
  const [slug, setSlug] = useState(slugFrom(flowName));
  const [title, setTitle] = useState(flowName);
  const [visibility, setVisibility] = useState<Visibility>('private');
  const [users, setUsers] = useState('');
  const [everyone, setEveryone] = useState(false);
  const [version, setVersion] = useState(savedVersion);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.apps().then((answer) => {
      const found = answer.apps.find((candidate) => candidate.flowId === flowId && candidate.canManage) ?? null;
      setApp(found);
      if (found) {
        setSlug(found.slug);
        setTitle(found.title);
        setVisibility(found.visibility);
        setUsers(found.sharedWith.users.join(', '));
        setEveryone(found.sharedWith.roles.includes('user'));
      }
    }, (error: Error) => setProblem(error.message));
  }, [api, flowId]);

  const act = async (action: () => Promise<ChatApp | null>) => {
    setBusy(true);
    setProblem(null);
    try {
      const result = await action();
      setApp(result);
      onChanged?.(result);
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const sharing = { visibility, users: visibility === 'private' ? [] : list(users), roles: visibility !== 'private' && everyone ? ['user' as const] : [] };
  const publish = () => act(async () => (await api.publish({ flowId, version, slug: slug.trim(), title: title.trim() || flowName, ...sharing })).app);
  const update = () => act(async () => (await api.updateApp(app!.slug, { version, title: title.trim() || flowName, ...sharing })).app);
  const unpublish = () => act(async () => {
    await api.unpublish(app!.slug);
    return null;
  });

  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <div className="modal publish-modal" role="dialog" aria-modal="true" aria-labelledby="publish-title" onClick={(event) => event.stopPropagation()} onKeyDown={(event) => event.key === 'Escape' && onClose()}>
        <header className="modal-header">
          <h2 id="publish-title">{app ? `Published as “${app.slug}”` : 'Publish as a chat app'}</h2>
          <button type="button" onClick={onClose}>Close</button>
        </header>
        {app === undefined ? <p className="muted">Loading…</p> : (
          <form className="publish-form" onSubmit={(event) => { event.preventDefault(); void (app ? update() : publish()); }}>
            {app ? (
              <p className="muted small" role="status">
                Version {app.version} is live{app.version < savedVersion ? ` (the latest saved is ${savedVersion}: pin it below)` : ''}. <a href={chatHref(app.slug)}>Open in chat</a>
              </p>
            ) : null}
            <label>
              Slug (the model name clients use)
              <input value={slug} onChange={(event) => setSlug(event.target.value)} readOnly={Boolean(app)} pattern="[a-z0-9][a-z0-9._\-]{0,62}" required />
            </label>
            <label>
              Title
              <input value={title} maxLength={200} onChange={(event) => setTitle(event.target.value)} />
            </label>
            <label>
              Version
              <input type="number" min={1} max={savedVersion} value={version} onChange={(event) => setVersion(Number(event.target.value))} />
            </label>
            <fieldset>
              <legend>Who may use it</legend>
              {visibilities.map(([value, label]) => (
                <label key={value} className="check">
                  <input type="radio" name="visibility" value={value} checked={visibility === value} onChange={() => setVisibility(value)} />
                  {label}
                </label>
              ))}
              {visibility !== 'private' ? (
                <>
                  <label>
                    Users (comma-separated)
                    <input value={users} onChange={(event) => setUsers(event.target.value)} placeholder="alice, bob" />
                  </label>
                  <label className="check">
                    <input type="checkbox" checked={everyone} onChange={(event) => setEveryone(event.target.checked)} />
                    Every signed-in user
                  </label>
                </>
              ) : null}
            </fieldset>
            {problem ? <p className="field-error" role="alert">{problem}</p> : null}
            <div className="modal-actions">
              <button type="submit" className="primary" disabled={busy || !slug.trim()}>{app ? 'Save changes' : 'Publish'}</button>
              {app ? <button type="button" className="danger" disabled={busy} onClick={() => void unpublish()}>Unpublish</button> : null}
            </div>
          </form>
        )}
      </div>
    </div>
  );
}
