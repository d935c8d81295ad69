// Your flows and those shared with you: search, create, import a flow file, or start from a template.
import { useEffect, useId, useState } from 'react';
import { useApi } from '../api/client';
import { flowExportFile, type FlowSummary, type FlowTemplate } from '../api/schemas';
import { flowHref, navigate } from '../app/router';
import { useCollectionNames } from '../app/server-lists';

/** "RAG: answer a question", or "RAG: answer a question (2)" when that name is taken. */
export function freeName(base: string, taken: readonly string[]): string {
  const names = new Set(taken);
  if (!names.has(base)) return base;
  for (let n = 2; ; n += 1) if (!names.has(`${base} (${n})`)) return `${base} (${n})`;
}

/** The template's params that name a collection, and whether the template stores into it (so a new name is fine). */
function collectionParams(template: FlowTemplate): { stores: boolean; reads: boolean; current: string } | null {
  let found: { stores: boolean; reads: boolean; current: string } | null = null;
  for (const node of template.graph.nodes) {
    for (const name of ['collection', 'skipStoredIn']) {
      const value = node.params?.[name];
      if (typeof value !== 'string' || value === '') continue;
      found ??= { stores: false, reads: false, current: value };
      if (node.type === 'rag.store') found.stores = true;
      if (node.type === 'rag.retrieve') found.reads = true;
    }
  }
  return found;
}

/** The template's graph with every collection-naming param, and labels naming it ("Retrieve from docs"), set to the chosen collection. */
function withCollection(template: FlowTemplate, collection: string, current: string): FlowTemplate['graph'] {
  const named = new RegExp(`\\b${current.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'g');
  return {
    ...template.graph,
    nodes: template.graph.nodes.map((node) => {
      const params = { ...(node.params ?? {}) };
      for (const name of ['collection', 'skipStoredIn']) if (typeof params[name] === 'string' && params[name] !== '') params[name] = collection;
      return { ...node, params, ...(node.label ? { label: node.label.replace(named, collection) } : {}) };
    }),
  };
}

function UseTemplateDialog({ template, takenNames, onClose, onCreate }: { template: FlowTemplate; takenNames: string[]; onClose: () => void; onCreate: (name: string, graph: FlowTemplate['graph']) => void }) {
  const needs = collectionParams(template);
  const collections = useCollectionNames();
  const [name, setName] = useState(() => freeName(template.name, takenNames));
  const [collection, setCollection] = useState('');
  const listId = useId();
  useEffect(() => {
    // Start from a collection the user has, when the template only reads one.
    if (collections && collections.length > 0 && collection === '' && needs && !needs.stores) setCollection(collections[0]!);
  }, [collections, collection, needs]);
  const validName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(collection);
  const missing = needs !== null && !needs.stores && collections !== null && collection !== '' && !collections.includes(collection);
  const problem = !name.trim() ? 'The flow needs a name.' : takenNames.includes(name.trim()) ? `You already have a flow called “${name.trim()}”.` : needs && !validName ? 'Choose a collection (letters, digits, ".", "_" or "-").' : missing ? `There is no collection “${collection}”: ingest documents into it first (Collections page, or the “RAG: ingest a folder” template).` : null;
  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="use-template-title" onClick={(event) => event.stopPropagation()} onKeyDown={(event) => event.key === 'Escape' && onClose()}>
        <header className="modal-header">
          <h2 id="use-template-title">Use “{template.name}”</h2>
          <button type="button" onClick={onClose}>Close</button>
        </header>
        <form onSubmit={(event) => { event.preventDefault(); if (!problem) onCreate(name.trim(), needs ? withCollection(template, collection, needs.current) : template.graph); }}>
          <div className="field">
            <label htmlFor="template-flow-name">Flow name</label>
            <input id="template-flow-name" value={name} maxLength={200} onChange={(event) => setName(event.target.value)} autoFocus />
          </div>
          {needs ? (
            <div className="field">
              <label htmlFor="template-collection">Collection</label>
              {needs.stores ? (
                <>
                  <input id="template-collection" list={listId} value={collection} onChange={(event) => setCollection(event.target.value)} placeholder="a new or existing collection" spellCheck={false} />
                  <datalist id={listId}>{(collections ?? []).map((option) => <option key={option} value={option} />)}</datalist>
                  <p className="help">The flow stores into it (created if new){needs.reads ? ' and answers from it' : ''}.</p>
                </>
              ) : (
                <>
                  <select id="template-collection" value={collection} onChange={(event) => setCollection(event.target.value)}>
                    {collections?.length ? null : <option value="">(you have no collections yet)</option>}
                    {(collections ?? []).map((option) => <option key={option} value={option}>{option}</option>)}
                  </select>
                  <p className="help">The flow answers from this collection.</p>
                </>
              )}
            </div>
          ) : null}
          {problem ? <p className="field-error" role="alert">{problem}</p> : null}
          <div className="button-row"><button type="submit" className="primary" disabled={problem !== null}>Create flow</button></div>
        </form>
      </div>
    </div>
  );
}

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
  const [using, setUsing] = useState<FlowTemplate | null>(null);
  const [allNames, setAllNames] = useState<string[]>([]);
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
            <li key={flow.id} className={`flow-card${confirmDelete === flow.id ? ' confirming' : ''}`}>
              <a href={flowHref(flow.id)} className="flow-card-link">
                <strong>{flow.name}</strong>
                <span className="muted">{flow.description || 'No description'}</span>
                <span className="muted small">v{flow.latestVersion} · {flow.owner} · {new Date(flow.updatedAt).toLocaleString()}{flow.visibility === 'shared' ? ' · shared' : ''}</span>
              </a>
              {flow.canEdit ? (
                confirmDelete === flow.id ? (
                  <div className="confirm-delete">
                    <p className="confirm-question">Delete “{flow.name}” with its versions and runs?</p>
                    <span className="button-row">
                      <button type="button" className="danger" onClick={() => void remove(flow.id)}>Delete “{flow.name}”</button>
                      <button type="button" onClick={() => setConfirmDelete(null)}>Keep</button>
                    </span>
                  </div>
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
                <button
                  type="button"
                  disabled={busy}
                  aria-label={`Use template ${template.name}`}
                  onClick={() => {
                    // Names of every flow (not only the search's matches), to suggest a free one.
                    void api.listFlows().then((answer) => setAllNames(answer.flows.map((flow) => flow.name)), () => undefined).finally(() => setUsing(template));
                  }}
                >
                  Use template
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {using ? (
        <UseTemplateDialog
          template={using}
          takenNames={allNames}
          onClose={() => setUsing(null)}
          onCreate={(name, graph) => {
            setUsing(null);
            void act(() => api.createFlow({ name, description: using.description, graph, message: `from template ${using.id}` }));
          }}
        />
      ) : null}
    </div>
  );
}
