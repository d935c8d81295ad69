// Your flows and those shared with you: search, create, import a flow file, or start from a template.
import { useEffect, useId, useState } from 'react';
import { useApi } from '../api/client';
import { flowExportFile, type FlowSummary, type FlowTemplate } from '../api/schemas';
import { flowHref, navigate } from '../app/router';

export function FlowListPage() {
  const api = useApi();
  const [query, setQuery] = useState('');
  const [flows, setFlows] = useState<FlowSummary[] | null>(null);
  const [total, setTotal] = useState(0);
  const [templates, setTemplates] = useState<FlowTemplate[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [newName, setNewName] = useState('');
  const [busy, setBusy] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);
  const importId = useId();

  useEffect(() => {
    let live = true;
    const timer = window.setTimeout(() => {
      api.listFlows(query.trim()).then(
        (answer) => {
          if (!live) return;
          setFlows(answer.flows);
          setTotal(answer.total);
        },
        (error: Error) => live && setProblem(error.message),
      );
    }, query ? 200 : 0);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [api, query, refresh]);

  useEffect(() => {
    let live = true;
    api.templates().then(
      (answer) => live && setTemplates(answer.templates),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api]);

  const act = async (action: () => Promise<{ flow: { id: string } }>) => {
    setBusy(true);
    setProblem(null);
    try {
      const { flow } = await action();
      navigate(flowHref(flow.id));
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const importFile = async (file: File) => {
    let parsed;
    try {
      parsed = flowExportFile.safeParse(JSON.parse(await file.text()));
    } catch {
      setProblem(`${file.name} is not JSON`);
      return;
    }
    if (!parsed.success) {
      setProblem(`${file.name} is not an Astra flow export (format "astra.flow", formatVersion 1): ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`);
      return;
    }
    const exported = parsed.data;
    await act(() => api.importFlow(exported));
  };

  const remove = async (id: string) => {
    try {
      await api.deleteFlow(id);
      setConfirmDelete(null);
      setRefresh((n) => n + 1);
    } catch (error) {
      setProblem((error as Error).message);
    }
  };

  return (
    <div className="flow-list-page">
      <section className="flow-actions" aria-label="New flow">
        <form
          className="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (newName.trim()) void act(() => api.createFlow({ name: newName.trim(), graph: { nodes: [], edges: [] }, message: 'created' }));
          }}
        >
          <label htmlFor="new-flow-name" className="visually-hidden">New flow name</label>
          <input id="new-flow-name" placeholder="New flow name" value={newName} maxLength={200} onChange={(event) => setNewName(event.target.value)} />
          <button type="submit" className="primary" disabled={busy || !newName.trim()}>Create flow</button>
        </form>
        <label className="button" htmlFor={importId}>Import a flow file…</label>
        <input
          id={importId}
          className="visually-hidden"
          type="file"
          accept=".json,application/json"
          aria-label="Import a flow file"
          onChange={(event) => {
            const file = event.target.files?.[0];
            event.target.value = '';
            if (file) void importFile(file);
          }}
        />
      </section>
      {problem ? <p className="field-error" role="alert">{problem}</p> : null}

      <section aria-labelledby="flows-title">
        <div className="section-head">
          <h1 id="flows-title">Flows</h1>
          <input type="search" aria-label="Search flows" placeholder="Search flows…" value={query} onChange={(event) => setQuery(event.target.value)} />
        </div>
        {flows === null ? <p className="muted">Loading…</p> : null}
        {flows?.length === 0 ? <p className="muted">{query ? `No flow matches “${query}”.` : 'No flows yet: create one, import one, or start from a template below.'}</p> : null}
        {flows && total > flows.length ? (
          <p className="muted" role="status">Showing {flows.length} of {total} flows, your own first: search to find the others.</p>
        ) : null}
        <ul className="flow-cards">
          {flows?.map((flow) => (
            <li key={flow.id} className="flow-card">
              <a href={flowHref(flow.id)} className="flow-card-link">
                <strong>{flow.name}</strong>
                <span className="muted">{flow.description || 'No description'}</span>
                <span className="muted small">v{flow.latestVersion} · {flow.owner} · {new Date(flow.updatedAt).toLocaleString()}{flow.visibility === 'shared' ? ' · shared' : ''}</span>
              </a>
              {flow.canEdit ? (
                confirmDelete === flow.id ? (
                  <span className="button-row">
                    <button type="button" className="danger" onClick={() => void remove(flow.id)}>Delete “{flow.name}”</button>
                    <button type="button" onClick={() => setConfirmDelete(null)}>Keep</button>
                  </span>
                ) : (
                  <button type="button" className="ghost" aria-label={`Delete ${flow.name}`} onClick={() => setConfirmDelete(flow.id)}>Delete</button>
                )
              ) : null}
            </li>
          ))}
        </ul>
      </section>

      {templates.length > 0 ? (
        <section aria-labelledby="templates-title">
          <h2 id="templates-title">Start from a template</h2>
          <ul className="flow-cards">
            {templates.map((template) => (
              <li key={template.id} className="flow-card template-card">
                <div>
                  <strong>{template.name}</strong>
                  <span className="muted">{template.description}</span>
                  <span className="muted small">{template.graph.nodes.length} nodes</span>
                </div>
                <button type="button" disabled={busy} aria-label={`Use template ${template.name}`} onClick={() => void act(() => api.createFlow({ name: template.name, description: template.description, graph: template.graph, message: `from template ${template.id}` }))}>
                  Use template
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
