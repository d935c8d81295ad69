// Who else may see and run a flow, as PUT /api/flows/{id}/sharing allows: private, or shared with
// named users (picked from the server's usernames) and/or everyone with a role. Only the owner may change
// it; others see who it is shared with.
import { useEffect, useId, useState } from 'react';
import { useApi } from '../api/client';
import type { FlowSummary } from '../api/schemas';

export function ShareDialog({ flow, onClose, onShared }: { flow: FlowSummary; onClose: () => void; onShared: (flow: FlowSummary) => void }) {
  const api = useApi();
  const [shared, setShared] = useState(flow.visibility === 'shared');
  const [names, setNames] = useState<string[]>(flow.sharedWith.users);
  const [search, setSearch] = useState('');
  const [found, setFound] = useState<string[]>([]);
  const listId = useId();
  const [roles, setRoles] = useState<Array<'user' | 'admin'>>(flow.sharedWith.roles.filter((role): role is 'user' | 'admin' => role === 'user' || role === 'admin'));
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const text = search.trim();
    if (!text) {
      setFound([]);
      return;
    }
    let live = true;
    const timer = window.setTimeout(() => {
      api.userNames(text).then(
        (answer) => live && setFound(answer.users.map((user) => user.username).filter((name) => name !== flow.owner)),
        (error: Error) => live && setProblem(error.message),
      );
    }, 150);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [api, search, flow.owner]);
  const pick = (name: string) => {
    if (!names.includes(name)) setNames([...names, name]);
    setSearch('');
    setFound([]);
  };
  const offered = found.filter((name) => !names.includes(name));
  const toggleRole = (role: 'user' | 'admin') => setRoles(roles.includes(role) ? roles.filter((r) => r !== role) : [...roles, role]);

  const save = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const answer = await api.shareFlow(flow.id, shared ? { visibility: 'shared', users: names, roles } : { visibility: 'private' });
      onShared(answer.flow);
      onClose();
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <div className="modal share-dialog" role="dialog" aria-modal="true" aria-labelledby="share-title" onClick={(event) => event.stopPropagation()} onKeyDown={(event) => event.key === 'Escape' && onClose()}>
        <header className="modal-header">
          <h2 id="share-title">Share “{flow.name}”</h2>
          <button type="button" onClick={onClose}>Close</button>
        </header>
        {!flow.canEdit ? <p className="muted">Only its owner, {flow.owner}, can change who it is shared with.</p> : null}
        <form onSubmit={(event) => { event.preventDefault(); void save(); }}>
          <fieldset disabled={!flow.canEdit} className="share-fields">
            <label className="field-inline"><input type="radio" name="visibility" checked={!shared} onChange={() => setShared(false)} /> Private: only you</label>
            <label className="field-inline"><input type="radio" name="visibility" checked={shared} onChange={() => setShared(true)} /> Shared</label>
            {shared ? (
              <>
                <div className="field">
                  <label htmlFor="share-users">With these users</label>
                  {names.length > 0 ? (
                    <ul className="share-picked" aria-label="Shared with">
                      {names.map((name) => (
                        <li key={name} data-shared-user={name}>
                          {name}
                          <button type="button" className="ghost" aria-label={`Stop sharing with ${name}`} onClick={() => setNames(names.filter((other) => other !== name))}>×</button>
                        </li>
                      ))}
                    </ul>
                  ) : null}
                  <input
                    id="share-users"
                    aria-controls={listId}
                    value={search}
                    onChange={(event) => setSearch(event.target.value)}
                    onKeyDown={(event) => {
                      if (event.key === 'Enter' && offered[0]) {
                        event.preventDefault();
                        pick(offered[0]);
                      }
                    }}
                    placeholder="Search users by name"
                    spellCheck={false}
                    autoComplete="off"
                    autoFocus
                  />
                  {offered.length > 0 ? (
                    <ul id={listId} className="share-suggestions" aria-label="Matching users">
                      {offered.map((name) => <li key={name}><button type="button" className="ghost" onClick={() => pick(name)}>{name}</button></li>)}
                    </ul>
                  ) : search.trim() && found.length === 0 ? <p className="help">No user matches “{search.trim()}”.</p> : null}
                  <p className="help">They can open and run the flow read-only, and copy it; only you can save versions.</p>
                </div>
                <p className="field-label">With everyone who has the role</p>
                <label className="field-inline"><input type="checkbox" checked={roles.includes('user')} onChange={() => toggleRole('user')} /> user</label>
                <label className="field-inline"><input type="checkbox" checked={roles.includes('admin')} onChange={() => toggleRole('admin')} /> admin</label>
              </>
            ) : null}
          </fieldset>
          {problem ? <p className="field-error" role="alert">{problem}</p> : null}
          <div className="button-row">
            <button type="submit" className="primary" disabled={busy || !flow.canEdit || (shared && names.length === 0 && roles.length === 0)}>{busy ? 'Saving…' : 'Save sharing'}</button>
          </div>
        </form>
      </div>
    </div>
  );
}
