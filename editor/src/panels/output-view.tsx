// A node's or a run's output as a person wants to read it: answers with their citations, text as
// sanitized markdown, passages, documents and chunks as tables, anything else as JSON.
import { createContext, memo, useContext, useMemo } from 'react';
import { answerValue, type AnswerValue } from '../api/schemas';
import { renderMarkdown } from '../lib/markdown';
import { shortSource } from '../lib/sources';

export const Markdown = memo(function Markdown({ text, className }: { text: string; className?: string }) {
  const html = useMemo(() => renderMarkdown(text), [text]);
  // renderMarkdown escapes raw HTML in the text and DOMPurify-sanitizes the result.
  return <div className={`markdown${className ? ` ${className}` : ''}`} dangerouslySetInnerHTML={{ __html: html }} />;
});

/** The passages a run retrieved, by chunk id, so an answer's citations can show the passage they cite. */
export const PassagesContext = createContext<ReadonlyMap<string, string>>(new Map());

function AnswerView({ value }: { value: AnswerValue }) {
  const passages = useContext(PassagesContext);
  return (
    <div className="answer">
      <Markdown text={value.answer} className="answer-text" />
      {value.citations.length > 0 ? (
        <ol className="citations" aria-label="Citations">
          {value.citations.map((citation) => (
            <li key={citation.number} value={citation.number} className={citation.cited ? 'cited' : 'uncited'} data-citation={citation.number}>
              <details>
                <summary>
                  <span className="citation-number">[{citation.number}]</span> <span className="citation-title">{citation.title ?? shortSource(citation.source)}</span>
                  {citation.title ? <span className="citation-source" title={citation.source}> — {shortSource(citation.source)}</span> : null}
                  {citation.cited ? null : <span className="muted"> (not cited)</span>}
                </summary>
                {citation.chunkId && passages.has(citation.chunkId) ? (
                  <blockquote className="citation-passage">{passages.get(citation.chunkId)}</blockquote>
                ) : (
                  <p className="muted">The passage is shown once the run's retrieval has loaded.</p>
                )}
              </details>
            </li>
          ))}
        </ol>
      ) : null}
    </div>
  );
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function cellText(value: unknown, limit = 160): string {
  const text = typeof value === 'string' ? value : Array.isArray(value) && value.every((item) => typeof item === 'string') ? value.join(' › ') : JSON.stringify(value) ?? '';
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

/** Columns worth showing for a list of records: known shapes first (passages, documents, chunks), else the first keys. */
function columnsFor(rows: Array<Record<string, unknown>>): Array<{ key: string; label: string; render?: (row: Record<string, unknown>) => string }> {
  const first = rows[0] ?? {};
  if ('score' in first && 'text' in first) {
    return [
      { key: 'source', label: 'Source', render: (row) => cellText(row.title ?? (typeof row.source === 'string' ? shortSource(row.source) : row.source), 60) },
      { key: 'headingPath', label: 'Section' },
      { key: 'score', label: 'Score', render: (row) => (typeof row.score === 'number' ? row.score.toFixed(3) : cellText(row.score)) },
      { key: 'text', label: 'Text' },
    ];
  }
  if ('sections' in first && 'text' in first) {
    return [
      { key: 'title', label: 'Title' },
      { key: 'source', label: 'Source' },
      { key: 'format', label: 'Format' },
      { key: 'text', label: 'Characters', render: (row) => (typeof row.text === 'string' ? row.text.length.toLocaleString() : '') },
    ];
  }
  if ('index' in first && 'text' in first && 'start' in first) {
    return [
      { key: 'index', label: '#' },
      { key: 'source', label: 'Source', render: (row) => cellText(row.title ?? row.source, 60) },
      { key: 'headingPath', label: 'Section' },
      { key: 'text', label: 'Text' },
    ];
  }
  return Object.keys(first).slice(0, 6).map((key) => ({ key, label: key }));
}

function TableView({ rows }: { rows: Array<Record<string, unknown>> }) {
  const columns = columnsFor(rows);
  const shown = rows.slice(0, 200);
  return (
    <div className="table-wrap">
      <table className="output-table">
        <thead><tr>{columns.map((column) => <th key={column.key} scope="col">{column.label}</th>)}</tr></thead>
        <tbody>
          {shown.map((row, i) => (
            <tr key={i}>{columns.map((column) => <td key={column.key}>{column.render ? column.render(row) : cellText(row[column.key])}</td>)}</tr>
          ))}
        </tbody>
      </table>
      {rows.length > shown.length ? <p className="muted">{rows.length - shown.length} more rows not shown.</p> : <p className="muted">{rows.length} rows</p>}
    </div>
  );
}

function JsonView({ value }: { value: unknown }) {
  const text = JSON.stringify(value, null, 2) ?? String(value);
  return <pre className="json">{text.length > 20_000 ? `${text.slice(0, 20_000)}\n…` : text}</pre>;
}

export function OutputValue({ value }: { value: unknown }) {
  const answer = answerValue.safeParse(value);
  if (answer.success) return <AnswerView value={answer.data} />;
  if (typeof value === 'string') return <Markdown text={value} />;
  if (typeof value === 'number' || typeof value === 'boolean') return <p className="output-scalar">{String(value)}</p>;
  if (Array.isArray(value) && value.length > 0 && value.every(isRecord)) return <TableView rows={value} />;
  // Vectors are never worth reading as numbers: say how many and how long.
  if (Array.isArray(value) && value.length > 0 && value.every((item) => Array.isArray(item) && item.every((n) => typeof n === 'number'))) {
    return <p className="output-scalar">{value.length} vectors of dimension {(value[0] as number[]).length}</p>;
  }
  if (isRecord(value) && Array.isArray(value.vectors) && typeof value.dimension === 'number') {
    return <p className="output-scalar">{value.vectors.length} vectors of dimension {value.dimension} ({cellText(value.model)})</p>;
  }
  if (isRecord(value) && typeof value.name === 'string' && typeof value.id === 'string' && Object.keys(value).length === 2) {
    return <p className="output-scalar">Collection <strong>{value.name}</strong></p>;
  }
  return <JsonView value={value} />;
}
