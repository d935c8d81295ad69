// Who else may see and run a flow, as PUT /api/flows/{id}/sharing allows: private, or shared with
// named users and/or everyone with a role. Only the owner may change it; others see who it is shared with.
import { useState } from 'react';
import { useApi } from '../api/client';
import type { FlowSummary } from '../api/schemas';

export function ShareDialog({ flow, onClose, onShared }: { flow: FlowSummary; onClose: () => void; onShared: (flow: FlowSummary) => void }) {
  const api = useApi();
  const [shared, setShared] = useState(flow.visibility === 'shared');
  const [users, setUsers] = useState(flow.sharedWith.users.join(', '));
  const [roles, setRoles] = useState<Array<'user' | 'admin'>>(flow.sharedWith.roles.filter((role): role is 'user' | 'admin' => role === 'user' || role === 'admin'));
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const names = users.split(/[\s,]+/).map((name) => name.trim()).filter(Boolean);
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
                  <input id="share-users" value={users} onChange={(event) => setUsers(event.target.value)} placeholder="usernames, separated by commas" autoFocus />
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
