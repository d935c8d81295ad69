// The audit log for admins: who did what, on what, when and from where, newest first; filter it and
// export what the filters show as JSON lines.
import { useEffect, useState } from 'react';
import { useApi, type AstraClient } from '../api/client';

type AuditEvent = Awaited<ReturnType<AstraClient['audit']>>['events'][number];
interface Filters { action: string; actor: string; target: string; outcome: '' | 'success' | 'failure' }

const empty: Filters = { action: '', actor: '', target: '', outcome: '' };

export function AdminAuditPage() {
  const api = useApi();
  const [draft, setDraft] = useState<Filters>(empty);
  const [filters, setFilters] = useState<Filters>(empty);
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const query = { action: filters.action || undefined, actor: filters.actor || undefined, target: filters.target || undefined, outcome: filters.outcome || undefined };
  useEffect(() => {
    let live = true;
    setProblem(null);
    api.audit({ ...query, limit: 500 }).then((answer) => live && setEvents(answer.events), (error: Error) => live && setProblem(error.message));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the query is derived from filters
  }, [api, filters]);

  const field = (name: 'action' | 'actor' | 'target', label: string, placeholder: string) => (
    <label>
      {label}
      <input value={draft[name]} placeholder={placeholder} onChange={(event) => setDraft({ ...draft, [name]: event.target.value })} />
    </label>
  );

  return (
    <div className="flow-list-page keys-page">
      <section aria-labelledby="audit-title">
        <div className="section-head">
          <h1 id="audit-title">Audit log</h1>
          <a className="button" href={api.auditExportHref({ ...query, limit: 10_000 })} download="astra-audit.jsonl">Export JSON lines</a>
        </div>
        <form className="key-form" onSubmit={(event) => { event.preventDefault(); setFilters(draft); }}>
          {field('action', 'Action', 'e.g. auth.sign-in or flow.')}
          {field('actor', 'Who', 'username')}
          {field('target', 'Target', 'id, slug or username')}
          <label>
            Outcome
            <select value={draft.outcome} onChange={(event) => setDraft({ ...draft, outcome: event.target.value as Filters['outcome'] })}>
              <option value="">any</option>
              <option value="success">success</option>
              <option value="failure">failure</option>
            </select>
          </label>
          <button type="submit" className="primary">Filter</button>
        </form>
        {problem ? <p className="field-error" role="alert">{problem}</p> : null}
        {events === null && !problem ? <p className="muted">Loading…</p> : null}
        {events?.length === 0 ? <p className="muted">No events match.</p> : null}
        {events && events.length > 0 ? (
          <table className="keys-table" aria-label="Audit events">
            <thead>
              <tr><th>When</th><th>Who</th><th>Action</th><th>Target</th><th>Outcome</th><th>From</th></tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr key={event.id} data-action={event.action}>
                  <td>{new Date(event.at).toLocaleString()}</td>
                  <td>{event.actor ?? '—'}</td>
                  <td><code>{event.action}</code></td>
                  <td title={JSON.stringify(event.detail)}>{event.target ?? '—'}</td>
                  <td data-state={event.outcome === 'success' ? 'live' : 'revoked'}>{event.outcome}</td>
                  <td>{event.ip ?? '—'}{event.userAgent ? <span className="muted small"> {event.userAgent.slice(0, 40)}</span> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </div>
  );
}
