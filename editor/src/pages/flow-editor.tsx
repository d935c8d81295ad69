// One flow: load it into its own store, edit it on the canvas, save versions (the server's problems
// land on the nodes and fields they concern), run it and watch the run, browse and restore versions.
import { ReactFlowProvider, useReactFlow, type ColorMode } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, useApi } from '../api/client';
import type { FlowExportFile, FlowProblem, FlowWithVersion, NodeTypeInfo } from '../api/schemas';
import { formFields, type FormField } from '../lib/json-schema';
import { loadCatalogue } from '../app/catalogue';
import { listHref, navigate, runInHash } from '../app/router';
import { useReadableFit } from '../canvas/canvas';
import { Workbench } from '../canvas/workbench';
import { graphKey } from '../lib/graph';
import { Inspector } from '../panels/inspector';
import { RunPanel } from '../panels/run-panel';
import { ShareDialog } from '../panels/share-dialog';
import { VersionsPanel } from '../panels/versions-panel';
import { isChatFlow, PlaygroundPanel } from '../panels/playground';
import { PublishDialog } from './publish-dialog';
import { UseFromCodeDialog } from './use-from-code';
import { EditorStoreProvider, useEditor, useEditorStoreApi } from '../store/context';
import { createEditorStore, specKey, type EditorStore } from '../store/editor-store';

type Tab = 'inspector' | 'run' | 'versions' | 'playground';

const shortcuts: Array<[string, string]> = [
  ['Ctrl/⌘ Z', 'Undo'],
  ['Ctrl/⌘ Shift Z, Ctrl Y', 'Redo'],
  ['Ctrl/⌘ C / V', 'Copy / paste the selected nodes'],
  ['Ctrl/⌘ D', 'Duplicate the selection'],
  ['Ctrl/⌘ A', 'Select everything'],
  ['Delete, Backspace', 'Delete the selection'],
  ['Shift + drag', 'Select with a box'],
  ['Ctrl/⌘ click', 'Add to the selection'],
  ['Arrow keys', 'Move the focused or selected nodes'],
  ['Shift L', 'Arrange (auto-layout)'],
  ['Shift F', 'Zoom to fit'],
  ['Ctrl/⌘ S', 'Save a version'],
  ['Ctrl/⌘ Enter', 'Run'],
  ['Escape', 'Clear the selection'],
  ['?', 'These shortcuts'],
];

const isTyping = (target: EventTarget | null): boolean =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" onClick={(event) => event.stopPropagation()} onKeyDown={(event) => event.key === 'Escape' && onClose()}>
        <header className="modal-header">
          <h2 id="shortcuts-title">Keyboard shortcuts</h2>
          <button type="button" onClick={onClose} autoFocus>Close</button>
        </header>
        <table className="shortcuts">
          <tbody>{shortcuts.map(([keys, what]) => <tr key={keys}><th scope="row"><kbd>{keys}</kbd></th><td>{what}</td></tr>)}</tbody>
        </table>
      </div>
    </div>
  );
}

const fieldsByType = new WeakMap<NodeTypeInfo, FormField[]>();

/**
 * Required params left empty, as the inspector's fields flag them while typing; the header counts
 * them with the server's problems so that it never says "No problems" while a field says "is required".
 */
function useFieldProblems(): FlowProblem[] {
  const nodes = useEditor((state) => state.nodes);
  const catalogue = useEditor((state) => state.catalogue);
  return useMemo(() => {
    const found: FlowProblem[] = [];
    for (const node of nodes) {
      const info = catalogue.byKey.get(specKey(node.data.nodeType, node.data.version));
      if (!info) continue;
      let fields = fieldsByType.get(info);
      if (!fields) {
        fields = formFields(info.params);
        fieldsByType.set(info, fields);
      }
      for (const field of fields) {
        const value = node.data.params[field.name];
        if (field.required && !field.hasDefault && (value === undefined || value === '')) {
          found.push({ code: 'param-required', nodeId: node.id, path: `params.${field.name}`, message: `${field.label} is required` });
        }
      }
    }
    return found;
  }, [nodes, catalogue]);
}

function ProblemsButton() {
  const serverProblems = useEditor((state) => state.problems);
  const fieldProblems = useFieldProblems();
  const problems = useMemo(
    () => [...serverProblems, ...fieldProblems.filter((field) => !serverProblems.some((problem) => problem.nodeId === field.nodeId && problem.path === field.path))],
    [serverProblems, fieldProblems],
  );
  const store = useEditorStoreApi();
  const { fitView } = useReactFlow();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setOpen(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);
  useEffect(() => {
    if (problems.length === 0) setOpen(false);
  }, [problems.length]);
  if (problems.length === 0) return <span className="status-ok" role="status">No problems</span>;
  return (
    <div className="problems">
      <button type="button" className="problems-button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {problems.length} {problems.length === 1 ? 'problem' : 'problems'}
      </button>
      {open ? (
        <ul className="problems-list" aria-label="Problems">
          {problems.map((problem, i) => (
            <li key={i}>
              <button
                type="button"
                className="ghost"
                onClick={() => {
                  if (problem.nodeId) {
                    store.getState().selectOnly([problem.nodeId]);
                    void fitView({ nodes: [{ id: problem.nodeId }], duration: 300, maxZoom: 1.2 });
                  }
                  setOpen(false);
                }}
              >
                {problem.nodeId ? <code>{problem.nodeId}</code> : null} {problem.message}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function EditorScreen({ flowId, colorMode }: { flowId: string; colorMode: ColorMode }) {
  const api = useApi();
  const store = useEditorStoreApi();
  const fitView = useReadableFit();
  const flow = useEditor((state) => state.flow);
  const savedVersion = useEditor((state) => state.savedVersion);
  const canUndo = useEditor((state) => state.past.length > 0);
  const canRedo = useEditor((state) => state.future.length > 0);
  const [name, setName] = useState(flow?.name ?? '');
  const [message, setMessage] = useState('');
  const [graphDirty, setGraphDirty] = useState(false);
  const [saving, setSaving] = useState(false);
  // A link to one run (from the chat page) opens on the Run panel.
  const [tab, setTab] = useState<Tab>(runInHash(window.location.hash) ? 'run' : 'inspector');
  const [showShortcuts, setShowShortcuts] = useState(false);
  const [sharing, setSharing] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const [dialog, setDialog] = useState<'publish' | 'code' | null>(null);
  const chatFlow = useEditor((state) => isChatFlow(state.nodes.map((node) => node.data.nodeType)));
  const runForm = useRef<HTMLDivElement | null>(null);
  const canEdit = flow?.canEdit ?? false;
  const dirty = graphDirty || (flow !== null && name.trim() !== flow.name);

  // Unsaved changes and the server's validation follow the graph, a moment after it stops changing.
  useEffect(() => {
    let dirtyTimer = 0;
    let validateTimer = 0;
    let validatedKey = '';
    let sequence = 0;
    const check = () => {
      const graph = store.getState().currentGraph();
      const key = graphKey(graph);
      setGraphDirty(key !== store.getState().savedKey);
      if (key === validatedKey) return;
      window.clearTimeout(validateTimer);
      validateTimer = window.setTimeout(() => {
        validatedKey = key;
        const mine = ++sequence;
        api.validate(graph).then(
          (answer) => mine === sequence && store.getState().setProblems(answer.problems),
          () => undefined,
        );
      }, 500);
    };
    check();
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.nodes === previous.nodes && state.edges === previous.edges && state.savedKey === previous.savedKey) return;
      window.clearTimeout(dirtyTimer);
      dirtyTimer = window.setTimeout(check, 150);
    });
    return () => {
      unsubscribe();
      window.clearTimeout(dirtyTimer);
      window.clearTimeout(validateTimer);
    };
  }, [api, store]);

  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  /** Saves a version if anything changed; the version number to run, or null when the save was refused. */
  const save = useCallback(async (): Promise<number | null> => {
    const state = store.getState();
    if (!state.flow) return null;
    const graph = state.currentGraph();
    const renamed = name.trim() && name.trim() !== state.flow.name ? name.trim() : undefined;
    if (!renamed && graphKey(graph) === state.savedKey) return state.savedVersion;
    if (!state.flow.canEdit) {
      state.notify('error', 'This flow is shared with you read-only; export it and import a copy to change it.');
      return null;
    }
    setSaving(true);
    try {
      const answer = await api.saveFlow(state.flow.id, { graph, ...(renamed ? { name: renamed } : {}), ...(message.trim() ? { message: message.trim() } : {}) });
      store.getState().markSaved(answer.flow, answer.version.number, graph);
      store.getState().setProblems([]);
      store.getState().notify('success', `Saved version ${answer.version.number}`);
      setMessage('');
      setGraphDirty(false);
      return answer.version.number;
    } catch (error) {
      if (error instanceof ApiError && error.problems.length > 0) {
        store.getState().setProblems(error.problems);
        store.getState().notify('error', `Not saved: ${error.problems.length} ${error.problems.length === 1 ? 'problem' : 'problems'} — see the marked nodes. ${error.problems[0]?.message ?? ''}`);
      } else {
        store.getState().notify('error', `Not saved: ${(error as Error).message}`);
      }
      return null;
    } finally {
      setSaving(false);
    }
  }, [api, store, name, message]);

  const exportFlow = useCallback(() => {
    const state = store.getState();
    const file: FlowExportFile = { format: 'astra.flow', formatVersion: 1, name: name.trim() || state.flow?.name || 'flow', description: state.flow?.description ?? '', graph: state.currentGraph() };
    const slug = file.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'flow';
    download(`${slug}.astra.json`, `${JSON.stringify(file, null, 2)}\n`);
  }, [store, name]);

  const onRestored = useCallback(
    (answer: FlowWithVersion) => {
      store.getState().loadGraph(answer.flow, answer.version.number, answer.version.graph);
      setName(answer.flow.name);
      store.getState().notify('success', `Restored as version ${answer.version.number}`);
    },
    [store],
  );

  const run = useCallback(() => {
    setTab('run');
    runForm.current?.querySelector('form')?.requestSubmit();
  }, []);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      const state = store.getState();
      if (mod && key === 's') {
        event.preventDefault();
        void save();
        return;
      }
      if (mod && key === 'enter') {
        event.preventDefault();
        run();
        return;
      }
      if (isTyping(event.target) || document.querySelector('[aria-modal="true"]')) return;
      if (mod && key === 'z') {
        event.preventDefault();
        if (event.shiftKey) state.redo();
        else state.undo();
      } else if (mod && key === 'y') {
        event.preventDefault();
        state.redo();
      } else if (mod && key === 'c') {
        const copied = state.copySelection();
        if (copied > 0) state.notify('info', `Copied ${copied} ${copied === 1 ? 'node' : 'nodes'}`);
      } else if (mod && key === 'v') {
        event.preventDefault();
        state.paste();
      } else if (mod && key === 'd') {
        event.preventDefault();
        state.duplicateSelection();
      } else if (mod && key === 'a') {
        event.preventDefault();
        state.selectAll();
      } else if (!mod && event.shiftKey && key === 'l') {
        event.preventDefault();
        state.layout();
        window.setTimeout(() => void fitView({ duration: 300 }), 50);
      } else if (!mod && event.shiftKey && key === 'f') {
        event.preventDefault();
        void fitView({ duration: 300 });
      } else if (key === 'escape') {
        state.selectOnly([]);
      } else if (event.key === '?') {
        setShowShortcuts(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store, save, run, fitView]);

  const toolbar = (
    <div className="toolbar" role="toolbar" aria-label="Flow">
      {leaving ? (
        <span className="leave-confirm" role="alert">
          Unsaved changes.{' '}
          <button type="button" className="danger" onClick={() => navigate(listHref)}>Leave without saving</button>
          <button type="button" onClick={() => setLeaving(false)}>Stay</button>
        </span>
      ) : (
        <a href={listHref} className="back" onClick={(event) => { if (dirty) { event.preventDefault(); setLeaving(true); } }}>← Flows</a>
      )}
      <label htmlFor="flow-name" className="visually-hidden">Flow name</label>
      <input id="flow-name" className="flow-name" value={name} maxLength={200} readOnly={!canEdit} onChange={(event) => setName(event.target.value)} />
      <span className={`save-state${dirty ? ' is-dirty' : ''}`} role="status" data-dirty={dirty}>{dirty ? 'Unsaved changes' : `Saved · v${savedVersion}`}</span>
      <ProblemsButton />
      <span className="toolbar-spacer" />
      <button type="button" onClick={() => store.getState().undo()} disabled={!canUndo} aria-label="Undo" aria-keyshortcuts="Control+Z" title="Undo (Ctrl/⌘ Z)">↶</button>
      <button type="button" onClick={() => store.getState().redo()} disabled={!canRedo} aria-label="Redo" aria-keyshortcuts="Control+Shift+Z" title="Redo (Ctrl/⌘ Shift Z)">↷</button>
      <button type="button" onClick={() => { store.getState().layout(); window.setTimeout(() => void fitView({ duration: 300 }), 50); }} aria-keyshortcuts="Shift+L" title="Arrange (Shift L)">Arrange</button>
      <button type="button" onClick={() => void fitView({ duration: 300 })} aria-keyshortcuts="Shift+F" title="Zoom to fit (Shift F)">Fit</button>
      <button type="button" onClick={exportFlow} title="Download this flow as a file">Export</button>
      {chatFlow && canEdit ? <button type="button" onClick={() => setDialog('publish')} title="Publish a version as a chat app">Publish</button> : null}
      <button type="button" onClick={() => setDialog('code')} title="Snippets to call this flow's app from code">Use from code</button>
      <button type="button" onClick={() => setSharing(true)} title={flow?.visibility === 'shared' ? 'Shared: change who may see and run it' : 'Private: share it with users or roles'}>{flow?.visibility === 'shared' ? 'Shared' : 'Share'}</button>
      <button type="button" onClick={() => setShowShortcuts(true)} aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)">?</button>
      <label htmlFor="save-message" className="visually-hidden">Version message</label>
      <input id="save-message" className="save-message" placeholder="What changed? (optional)" value={message} maxLength={500} onChange={(event) => setMessage(event.target.value)} disabled={!canEdit} />
      <button type="button" className="primary" onClick={() => void save()} disabled={saving || !dirty || !canEdit} aria-keyshortcuts="Control+S" title="Save a version (Ctrl/⌘ S)">{saving ? 'Saving…' : 'Save'}</button>
    </div>
  );

  const tabs: Array<[Tab, string]> = [['inspector', 'Inspector'], ['run', 'Run'], ...(chatFlow ? [['playground', 'Playground'] as [Tab, string]] : []), ['versions', 'Versions']];
  const side = (
    <>
      <div className="tabs" role="tablist" aria-label="Panels">
        {tabs.map(([id, label]) => (
          <button key={id} type="button" role="tab" id={`tab-${id}`} aria-controls={`panel-${id}`} aria-selected={tab === id} tabIndex={tab === id ? 0 : -1} onClick={() => setTab(id)}
            onKeyDown={(event) => {
              if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
              const index = tabs.findIndex(([t]) => t === tab);
              const next = tabs[(index + (event.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length]![0];
              setTab(next);
              document.getElementById(`tab-${next}`)?.focus();
            }}
          >
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="panel-inspector" aria-labelledby="tab-inspector" hidden={tab !== 'inspector'} className="tab-panel"><Inspector /></div>
      <div role="tabpanel" id="panel-run" aria-labelledby="tab-run" hidden={tab !== 'run'} className="tab-panel" ref={runForm}><RunPanel flowId={flowId} ensureSaved={save} /></div>
      {chatFlow ? <div role="tabpanel" id="panel-playground" aria-labelledby="tab-playground" hidden={tab !== 'playground'} className="tab-panel"><PlaygroundPanel flowId={flowId} ensureSaved={save} /></div> : null}
      <div role="tabpanel" id="panel-versions" aria-labelledby="tab-versions" hidden={tab !== 'versions'} className="tab-panel">
        {tab === 'versions' ? <VersionsPanel flowId={flowId} onRestored={onRestored} canEdit={canEdit} /> : null}
      </div>
    </>
  );

  return (
    <>
      <Workbench colorMode={colorMode} toolbar={toolbar} side={side} />
      {showShortcuts ? <ShortcutsDialog onClose={() => setShowShortcuts(false)} /> : null}
      {dialog === 'publish' && flow ? <PublishDialog flowId={flowId} flowName={flow.name} savedVersion={savedVersion} onClose={() => setDialog(null)} /> : null}
      {dialog === 'code' ? <UseFromCodeDialog target={{ kind: 'flow', flowId, title: flow?.name ?? name }} onClose={() => setDialog(null)} /> : null}
      {sharing && flow ? (
        <ShareDialog
          flow={flow}
          onClose={() => setSharing(false)}
          onShared={(updated) => {
            store.setState({ flow: updated });
            store.getState().notify('success', updated.visibility === 'shared' ? 'Sharing saved' : 'The flow is private again');
          }}
        />
      ) : null}
    </>
  );
}

export function FlowEditorPage({ flowId, colorMode }: { flowId: string; colorMode: ColorMode }) {
  const api = useApi();
  const [loaded, setLoaded] = useState<{ store: EditorStore } | { problem: string } | null>(null);
  useEffect(() => {
    let live = true;
    Promise.all([loadCatalogue(api), api.getFlow(flowId)]).then(
      ([catalogue, answer]) => {
        if (!live) return;
        const store = createEditorStore(catalogue);
        store.getState().loadGraph(answer.flow, answer.version.number, answer.version.graph);
        setLoaded({ store });
      },
      (error: Error) => live && setLoaded({ problem: error instanceof ApiError && error.status === 404 ? 'No such flow, or it is not shared with you.' : error.message }),
    );
    return () => {
      live = false;
    };
  }, [api, flowId]);

  if (!loaded) return <p className="muted page-message" aria-busy="true">Loading the flow…</p>;
  if ('problem' in loaded) return <p className="field-error page-message" role="alert">{loaded.problem} <a href={listHref}>Back to the flows</a></p>;
  return (
    <EditorStoreProvider store={loaded.store}>
      <ReactFlowProvider>
        <EditorScreen flowId={flowId} colorMode={colorMode} />
      </ReactFlowProvider>
    </EditorStoreProvider>
  );
}
