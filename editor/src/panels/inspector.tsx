// The selected node's form, generated from its type's params JSON Schema: defaults, descriptions,
// inline validation as you type, and the server's problems on the fields they concern.
import { useEffect, useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { FlowProblem, NodeTypeInfo } from '../api/schemas';
import { withCode } from '../lib/inline-code';
import { formFields, valueProblem, type FormField } from '../lib/json-schema';
import { useEditor, useEditorStoreApi } from '../store/context';
import { specKey } from '../store/editor-store';
import { DocsButton } from './node-docs';
import { useCollectionNames, useModelChoices } from '../app/server-lists';

const show = (value: unknown): string => (value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value));

/** The text a field shows for a value, and the value a text stands for (or why it stands for none). */
function parseDraft(field: FormField, draft: string): { value: unknown } | { problem: string } {
  switch (field.kind) {
    case 'number':
    case 'integer': {
      if (draft.trim() === '') return field.required && !field.hasDefault ? { problem: 'is required' } : { value: undefined };
      const number = Number(draft);
      return Number.isFinite(number) ? { value: number } : { problem: 'must be a number' };
    }
    case 'text-list':
      return { value: draft.split('\n').map((line) => line.trim()).filter(Boolean) };
    case 'json':
      if (draft.trim() === '') return { value: undefined };
      try {
        return { value: JSON.parse(draft) as unknown };
      } catch {
        return { problem: 'is not valid JSON' };
      }
    default:
      return { value: draft };
  }
}

function draftOf(field: FormField, value: unknown): string {
  if (field.kind === 'text-list') return Array.isArray(value) ? value.map(String).join('\n') : '';
  if (field.kind === 'json') return value === undefined ? '' : JSON.stringify(value, null, 2);
  return show(value);
}

/** Which server list a text param picks from: models of a kind, or collections (reading needs an existing one; storing may name a new one). */
type Picker = { list: 'models'; kind: 'generation' | 'embedding' } | { list: 'collections'; existing: boolean } | null;

export function pickerFor(nodeType: string, name: string): Picker {
  if (name === 'embeddingModel' || (name === 'model' && nodeType === 'rag.embed')) return { list: 'models', kind: 'embedding' };
  if (name === 'model' || name === 'baseModel') return { list: 'models', kind: 'generation' };
  if (name === 'collection' || name === 'skipStoredIn') return { list: 'collections', existing: nodeType === 'rag.retrieve' };
  return null;
}

/** A select of what the server has, keeping a value it lacks visible (and flagged) rather than dropping it. */
function ServerPicker({ picker, common, value, optional, onPick, testId }: { picker: NonNullable<Picker>; common: Record<string, unknown>; value: string; optional: boolean; onPick: (value: string) => void; testId?: string }) {
  const models = useModelChoices();
  const collections = useCollectionNames();
  const names = picker.list === 'models' ? models?.filter((model) => model.kind === picker.kind).map((model) => model.name) : collections;
  const listId = useId();
  if (names === null || names === undefined) return null;
  if (picker.list === 'collections' && !picker.existing) {
    // Storing may create a collection: type a new name or pick one the server has.
    return (
      <>
        <input {...common} type="text" list={listId} value={value} spellCheck={false} placeholder="a new or existing collection" onChange={(event) => onPick(event.target.value)} />
        <datalist id={listId}>{names.map((name) => <option key={name} value={name} />)}</datalist>
      </>
    );
  }
  const missing = value !== '' && !names.includes(value);
  return (
    <select {...common} data-testid={testId} value={value} onChange={(event) => onPick(event.target.value)}>
      {optional || value === '' ? <option value="">{optional ? '(from the input port, or none)' : '(choose one)'}</option> : null}
      {missing ? <option value={value}>{value} (not on this server)</option> : null}
      {names.map((name) => <option key={name} value={name}>{name}</option>)}
    </select>
  );
}

function ParamField({ nodeId, nodeType, field, value, serverProblem }: { nodeId: string; nodeType: string; field: FormField; value: unknown; serverProblem: string | undefined }) {
  const store = useEditorStoreApi();
  const id = useId();
  const [draft, setDraft] = useState(() => draftOf(field, value));
  const [draftProblem, setDraftProblem] = useState<string | null>(null);

  // Undo, paste or another node's form may change the value from outside: show it.
  useEffect(() => {
    setDraft((current) => {
      const parsed = parseDraft(field, current);
      return 'value' in parsed && JSON.stringify(parsed.value) === JSON.stringify(value) ? current : draftOf(field, value);
    });
    setDraftProblem(null);
  }, [field, value]);

  const commit = (text: string) => {
    setDraft(text);
    const parsed = parseDraft(field, text);
    if ('problem' in parsed) {
      setDraftProblem(parsed.problem);
      return;
    }
    setDraftProblem(null);
    store.getState().setParam(nodeId, field.name, parsed.value);
  };

  const localProblem =
    draftProblem ??
    (value === undefined
      ? field.required && !field.hasDefault ? 'is required' : null
      : value === '' && field.required ? 'is required' : valueProblem(field.schema, value));
  const problem = localProblem ? `${field.label} ${localProblem}` : serverProblem;
  const describedBy = [field.description ? `${id}-help` : '', problem ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: field.name,
    'aria-invalid': problem ? true : undefined,
    'aria-describedby': describedBy,
    'data-param': field.name,
  } as const;

  let control;
  switch (field.kind) {
    case 'boolean':
      control = <input {...common} type="checkbox" checked={value === undefined ? field.default === true : value === true} onChange={(event) => store.getState().setParam(nodeId, field.name, event.target.checked)} />;
      break;
    case 'choice':
      control = (
        <select {...common} value={show(value ?? field.default)} onChange={(event) => store.getState().setParam(nodeId, field.name, event.target.value === '' ? undefined : event.target.value)}>
          {!field.hasDefault ? <option value="">(not set)</option> : null}
          {field.choices.map((choice) => <option key={choice} value={choice}>{choice}</option>)}
        </select>
      );
      break;
    case 'long-text':
    case 'text-list':
    case 'json':
      control = <textarea {...common} rows={field.kind === 'long-text' ? 5 : 3} value={draft} placeholder={field.kind === 'text-list' ? 'one per line' : show(field.default)} onChange={(event) => commit(event.target.value)} />;
      break;
    case 'number':
    case 'integer':
      control = (
        <input
          {...common}
          type="number"
          inputMode={field.kind === 'integer' ? 'numeric' : 'decimal'}
          step={field.kind === 'integer' ? 1 : 'any'}
          min={field.schema.minimum}
          max={field.schema.maximum}
          value={draft}
          placeholder={field.hasDefault ? show(field.default) : 'default'}
          onChange={(event) => commit(event.target.value)}
        />
      );
      break;
    default: {
      const picker = pickerFor(nodeType, field.name);
      const text = <input {...common} type="text" value={draft} spellCheck={false} placeholder={field.hasDefault ? show(field.default) : ''} onChange={(event) => commit(event.target.value)} />;
      // Without the server's lists (offline, or the canvas benchmark) the field stays free text.
      control = picker ? (
        <PickerOrText picker={picker} testId={picker.list === 'models' ? `models-${field.name}` : undefined} common={common} value={typeof value === 'string' ? value : draft} optional={field.default === '' || (!field.required && !field.hasDefault)} onPick={(picked) => commit(picked)} fallback={text} />
      ) : text;
    }
  }

  return (
    <div className={`field${field.kind === 'boolean' ? ' field-inline' : ''}${problem ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>
        {field.label}
        {field.required && !field.hasDefault ? <span className="required" aria-label="required"> *</span> : null}
      </label>
      {control}
      {field.description ? <p className="help" id={`${id}-help`}>{withCode(field.description)}{field.hasDefault && field.kind !== 'boolean' ? ` (default: ${show(field.default) || 'empty'})` : ''}</p> : null}
      {problem ? <p className="field-error" id={`${id}-error`} role="alert">{problem}</p> : null}
    </div>
  );
}

function PickerOrText(props: { picker: NonNullable<Picker>; common: Record<string, unknown>; value: string; optional: boolean; onPick: (value: string) => void; fallback: React.ReactNode; testId?: string }) {
  const models = useModelChoices();
  const collections = useCollectionNames();
  const loaded = props.picker.list === 'models' ? models !== null : collections !== null;
  return loaded ? <ServerPicker {...props} /> : <>{props.fallback}</>;
}

function LabelField({ nodeId, label }: { nodeId: string; label: string }) {
  const store = useEditorStoreApi();
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Label</label>
      <input id={id} type="text" value={label} placeholder="shown on the node instead of its title" maxLength={200} onChange={(event) => store.getState().setLabel(nodeId, event.target.value)} />
    </div>
  );
}

function NodeForm({ nodeId, info }: { nodeId: string; info: NodeTypeInfo }) {
  const { params, label } = useEditor(useShallow((state) => {
    const node = state.nodes.find((candidate) => candidate.id === nodeId);
    return { params: node?.data.params, label: node?.data.label ?? '' };
  }));
  const problems = useEditor((state) => state.nodeProblems[nodeId]);
  const [fields] = useState(() => formFields(info.params));
  if (!params) return null;
  const serverProblem = (name: string) => problems?.find((problem) => problem.path === `params.${name}`)?.message;
  const otherProblems = (problems ?? []).filter((problem: FlowProblem) => !problem.path.startsWith('params.'));
  return (
    <form className="inspector-form" aria-label={`Parameters of ${nodeId}`} onSubmit={(event) => event.preventDefault()}>
      {otherProblems.length > 0 ? (
        <ul className="problem-list" aria-label="Problems on this node">
          {otherProblems.map((problem, i) => <li key={i}>{problem.message}</li>)}
        </ul>
      ) : null}
      <LabelField nodeId={nodeId} label={label} />
      {fields.length === 0 ? <p className="muted">This node has no parameters.</p> : null}
      {fields.map((field) => <ParamField key={field.name} nodeId={nodeId} nodeType={info.type} field={field} value={params[field.name]} serverProblem={serverProblem(field.name)} />)}
    </form>
  );
}

export function Inspector() {
  const selected = useEditor(useShallow((state) => state.nodes.filter((node) => node.selected).map((node) => node.id)));
  const nodeType = useEditor(useShallow((state) => {
    const node = selected.length === 1 ? state.nodes.find((candidate) => candidate.id === selected[0]) : undefined;
    return node ? specKey(node.data.nodeType, node.data.version) : null;
  }));
  const info = useEditor((state) => (nodeType ? state.catalogue.byKey.get(nodeType) : undefined));
  const store = useEditorStoreApi();

  if (selected.length === 0) {
    return (
      <div className="inspector-empty">
        <p>Select a node to edit its parameters.</p>
        <p className="muted">Drag nodes in from the palette, or focus one there and press Enter. Connect an output (right) to an input (left) of a matching type.</p>
      </div>
    );
  }
  if (selected.length > 1) {
    return (
      <div className="inspector-multi">
        <p><strong>{selected.length} nodes selected</strong></p>
        <div className="button-row">
          <button type="button" onClick={() => store.getState().duplicateSelection()}>Duplicate</button>
          <button type="button" onClick={() => store.getState().layout()}>Arrange</button>
          <button type="button" className="danger" onClick={() => store.getState().deleteSelected()}>Delete</button>
        </div>
      </div>
    );
  }
  const nodeId = selected[0]!;
  if (!info) return <p className="field-error">Node "{nodeId}" has a type this server does not know.</p>;
  return (
    <div className="inspector" key={nodeId}>
      <div className="inspector-heading">
        <h2 className="inspector-title">{info.title}</h2>
        <DocsButton info={info} />
      </div>
      <p className="inspector-meta"><code>{nodeId}</code> · {info.type} v{info.version} · {info.categoryLabel}</p>
      <p className="inspector-description">{withCode(info.description)}</p>
      {info.inputs.length + info.outputs.length > 0 ? (
        <details className="inspector-ports">
          <summary>Ports</summary>
          <ul>
            {info.inputs.map((port) => <li key={`in-${port.name}`}>in <strong>{port.label}</strong> <code>{port.type}</code>{port.required === false ? ' (optional)' : ''}{port.description ? <> — {withCode(port.description)}</> : ''}</li>)}
            {info.outputs.map((port) => <li key={`out-${port.name}`}>out <strong>{port.label}</strong> <code>{port.type}</code>{port.description ? <> — {withCode(port.description)}</> : ''}</li>)}
          </ul>
        </details>
      ) : null}
      <NodeForm nodeId={nodeId} info={info} />
    </div>
  );
}
