// A node type's documentation, from its spec: what it does, its ports, each param (type, default,
// allowed values, what it means) and an example, one click from the palette and from the inspector.
// The example is the node as a shipped template uses it, when one does, else the node with its defaults.
import { useEffect, useState } from 'react';
import { useApi } from '../api/client';
import type { FlowTemplate, NodeTypeInfo } from '../api/schemas';
import { withCode } from '../lib/inline-code';
import { defaultParams, formFields } from '../lib/json-schema';

const shown = (value: unknown): string => (value === undefined ? '' : typeof value === 'string' ? (value === '' ? '(empty)' : value) : JSON.stringify(value));

/** The shipped templates, fetched once per page load for the docs' examples. */
let templatesOnce: Promise<FlowTemplate[]> | null = null;

function useTemplateExample(info: NodeTypeInfo): { template: string; nodeId: string; params: Record<string, unknown> } | null | 'loading' {
  const api = useApi();
  const [found, setFound] = useState<{ template: string; nodeId: string; params: Record<string, unknown> } | null | 'loading'>('loading');
  useEffect(() => {
    let live = true;
    templatesOnce ??= api.templates().then((answer) => answer.templates, () => {
      templatesOnce = null;
      return [];
    });
    void templatesOnce.then((templates) => {
      if (!live) return;
      for (const template of templates) {
        const node = template.graph.nodes.find((candidate) => candidate.type === info.type);
        if (node) {
          setFound({ template: template.name, nodeId: node.id, params: node.params ?? {} });
          return;
        }
      }
      setFound(null);
    });
    return () => {
      live = false;
    };
  }, [api, info.type]);
  return found;
}

export function NodeDocs({ info, onClose }: { info: NodeTypeInfo; onClose: () => void }) {
  const fields = formFields(info.params);
  const example = useTemplateExample(info);
  const titleId = `docs-${info.type.replace(/[^a-z0-9]/gi, '-')}`;
  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <div
        className="modal node-docs"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        onClick={(event) => event.stopPropagation()}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.stopPropagation();
            onClose();
          }
        }}
      >
        <header className="modal-header">
          <h2 id={titleId}>{info.title}</h2>
          <button type="button" onClick={onClose} autoFocus>Close</button>
        </header>
        <p className="muted"><code>{info.type}</code> v{info.version} · {info.categoryLabel} · runs on the {info.runsOn}</p>
        <h3>What it does</h3>
        <p>{withCode(info.description)}</p>
        {info.inputs.length + info.outputs.length > 0 ? (
          <>
            <h3>Ports</h3>
            <table className="docs-table">
              <thead><tr><th scope="col">Port</th><th scope="col">Type</th><th scope="col">Meaning</th></tr></thead>
              <tbody>
                {info.inputs.map((port) => (
                  <tr key={`in-${port.name}`}><th scope="row">in <strong>{port.label}</strong> <code>{port.name}</code>{port.required === false ? ' (optional)' : ''}</th><td><code>{port.type}</code></td><td>{port.description ? withCode(port.description) : ''}</td></tr>
                ))}
                {info.outputs.map((port) => (
                  <tr key={`out-${port.name}`}><th scope="row">out <strong>{port.label}</strong> <code>{port.name}</code></th><td><code>{port.type}</code></td><td>{port.description ? withCode(port.description) : ''}</td></tr>
                ))}
              </tbody>
            </table>
          </>
        ) : null}
        <h3>Parameters</h3>
        {fields.length === 0 ? <p className="muted">None.</p> : (
          <table className="docs-table" aria-label="Parameters">
            <thead><tr><th scope="col">Param</th><th scope="col">Kind</th><th scope="col">Default</th><th scope="col">Meaning</th></tr></thead>
            <tbody>
              {fields.map((field) => (
                <tr key={field.name} data-doc-param={field.name}>
                  <th scope="row"><code>{field.name}</code>{field.required && !field.hasDefault ? <span className="required" aria-label="required"> *</span> : null}</th>
                  <td>{field.kind === 'choice' ? field.choices.join(' | ') : field.kind}</td>
                  <td>{field.hasDefault ? <code>{shown(field.default)}</code> : field.required ? 'required' : '—'}</td>
                  <td>{field.description ? withCode(field.description) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h3>Example</h3>
        {example === 'loading' ? <p className="muted" aria-busy="true">Looking for a template that uses it…</p> : example ? (
          <>
            <p>As node <code>{example.nodeId}</code> of the template “{example.template}”:</p>
            <pre className="json">{JSON.stringify({ type: info.type, version: info.version, params: example.params }, null, 2)}</pre>
          </>
        ) : (
          <>
            <p>No shipped template uses it; with its defaults it reads:</p>
            <pre className="json">{JSON.stringify({ type: info.type, version: info.version, params: defaultParams(info.params) }, null, 2)}</pre>
          </>
        )}
      </div>
    </div>
  );
}

/** A "?" button opening a node type's docs. */
export function DocsButton({ info, className = '' }: { info: NodeTypeInfo; className?: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className={`docs-button ${className}`} aria-label={`Docs for ${info.title}`} title={`What ${info.title} does, its params and an example`} onClick={() => setOpen(true)}>?</button>
      {open ? <NodeDocs info={info} onClose={() => setOpen(false)} /> : null}
    </>
  );
}
