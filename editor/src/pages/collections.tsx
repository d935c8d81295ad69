// Your collections (#/collections) and one collection (#/collections/<name>): its documents with chunk
// counts, the last ingests, the schedules that feed it, a search box that runs the retrieval the Retrieve
// node runs (POST /api/query) with its scores, upload from the browser with progress, and delete.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { z } from 'zod';
import type { collectionBody, collectionDocument } from '@astra/server/routes/collections';
import type { scheduleBody } from '@astra/server/routes/schedules';
import type { QueryResult } from '@astra/client';
import { useApi } from '../api/client';
import { collectionsHref, navigate } from '../app/router';
import { shortSource } from '../lib/sources';

type Collection = z.infer<typeof collectionBody>;
type CollectionDocument = z.infer<typeof collectionDocument>;
type Schedule = z.infer<typeof scheduleBody>;

export const collectionHref = (name: string): string => `#/collections/${encodeURIComponent(name)}`;

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

interface UploadState {
  file: string;
  phase: 'uploading' | 'ingesting' | 'done' | 'failed';
  sent: number;
  total: number;
  detail: string;
}

/** Uploads with XMLHttpRequest: fetch cannot report upload progress. */
function uploadFile(file: File, collection: string, onProgress: (sent: number, total: number) => void): Promise<{ workflowId: string }> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `/api/uploads?collection=${encodeURIComponent(collection)}&filename=${encodeURIComponent(file.name)}`);
    request.withCredentials = true;
    request.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    request.onload = () => {
      let body: { workflowId?: string; error?: string } = {};
      try {
        body = JSON.parse(request.responseText) as typeof body;
      } catch {
        // The error below says what came back.
      }
      if (request.status === 202 && body.workflowId) resolve({ workflowId: body.workflowId });
      else reject(new Error(body.error ?? `upload refused (${request.status})`));
    };
    request.onerror = () => reject(new Error('the upload failed (connection lost)'));
    request.send(file);
  });
}

function Uploader({ collection, onIngested }: { collection: string; onIngested: () => void }) {
  const api = useApi();
  const [uploads, setUploads] = useState<UploadState[]>([]);
  const input = useRef<HTMLInputElement | null>(null);
  const update = (index: number, change: Partial<UploadState>) => setUploads((all) => all.map((entry, i) => (i === index ? { ...entry, ...change } : entry)));

  const send = async (files: FileList) => {
    const start = uploads.length;
    setUploads((all) => [...all, ...[...files].map((file) => ({ file: file.name, phase: 'uploading' as const, sent: 0, total: file.size, detail: '' }))]);
    await Promise.all([...files].map(async (file, offset) => {
      const index = start + offset;
      try {
        const { workflowId } = await uploadFile(file, collection, (sent, total) => update(index, { sent, total }));
        update(index, { phase: 'ingesting', detail: 'chunking and embedding…' });
        for (;;) {
          const status = await api.ingestStatus(workflowId);
          const counts = `${status.new} new, ${status.updated} updated, ${status.skipped} unchanged, ${status.failed} failed, ${status.chunks} chunks`;
          if (status.status !== 'running') {
            const failed = status.status !== 'completed';
            update(index, { phase: failed ? 'failed' : 'done', detail: failed ? (status.error ?? status.failures[0]?.reason ?? status.status) : counts });
            break;
          }
          update(index, { detail: status.planned ? `${status.processed} of ${status.planned} documents` : 'chunking and embedding…' });
          await new Promise((resolve) => setTimeout(resolve, 700));
        }
      } catch (error) {
        update(index, { phase: 'failed', detail: (error as Error).message });
      }
    }));
    onIngested();
  };

  return (
    <section className="uploader" aria-label="Upload">
      <h2>Add documents</h2>
      <p className="muted">Upload files (text, Markdown, HTML, PDF) from this computer; each is stored and ingested into “{collection}”.</p>
      <input ref={input} type="file" multiple aria-label="Files to upload" onChange={(event) => { if (event.target.files?.length) void send(event.target.files); event.target.value = ''; }} />
      {uploads.length > 0 ? (
        <ul className="uploads">
          {uploads.map((entry, i) => (
            <li key={i} data-upload={entry.file} data-phase={entry.phase}>
              <strong>{entry.file}</strong>{' '}
              {entry.phase === 'uploading' ? (
                <progress max={entry.total || 1} value={entry.sent} aria-label={`Uploading ${entry.file}`} />
              ) : null}
              <span className={entry.phase === 'failed' ? 'field-error' : 'muted'}>
                {entry.phase === 'uploading' ? ` ${Math.round((entry.sent / (entry.total || 1)) * 100)}%` : entry.phase === 'ingesting' ? ` Ingesting: ${entry.detail}` : entry.phase === 'done' ? ` Done: ${entry.detail}` : ` Failed: ${entry.detail}`}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function SearchBox({ collection }: { collection: string }) {
  const api = useApi();
  const [query, setQuery] = useState('');
  const [k, setK] = useState(5);
  const [mode, setMode] = useState<'hybrid' | 'vector' | 'keyword'>('hybrid');
  const [results, setResults] = useState<QueryResult[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const search = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const answer = await api.query({ collection, query, k, mode });
      setResults(answer.results);
    } catch (error) {
      setProblem((error as Error).message);
      setResults(null);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="collection-search" aria-label="Search">
      <h2>Search</h2>
      <p className="muted">The same retrieval the Retrieve node runs, with each passage's score.</p>
      <form className="filters" onSubmit={(event) => { event.preventDefault(); void search(); }}>
        <label className="grow">Question<input type="search" value={query} onChange={(event) => setQuery(event.target.value)} placeholder="What do you want to find?" /></label>
        <label>Passages<input type="number" min={1} max={100} value={k} onChange={(event) => setK(Number(event.target.value) || 5)} /></label>
        <label>Mode
          <select value={mode} onChange={(event) => setMode(event.target.value as typeof mode)}>
            <option value="hybrid">hybrid</option><option value="vector">vector</option><option value="keyword">keyword</option>
          </select>
        </label>
        <button type="submit" className="primary" disabled={busy || query.trim() === ''}>{busy ? 'Searching…' : 'Search'}</button>
      </form>
      {problem ? <p className="field-error" role="alert">{problem}</p> : null}
      {results && results.length === 0 ? <p className="muted">Nothing matches.</p> : null}
      {results && results.length > 0 ? (
        <ol className="search-results">
          {results.map((result) => (
            <li key={result.chunkId} data-result={result.chunkId}>
              <p className="result-head"><span className="score" title="retrieval score">{result.score.toFixed(3)}</span> <strong>{result.title ?? shortSource(result.source)}</strong>{result.headingPath.length > 0 ? <span className="muted"> · {result.headingPath.join(' › ')}</span> : null}</p>
              <p className="passage">{result.text.length > 400 ? `${result.text.slice(0, 400)}…` : result.text}</p>
              <p className="muted source" title={result.source}>{shortSource(result.source)}</p>
            </li>
          ))}
        </ol>
      ) : null}
    </section>
  );
}

function CollectionPage({ name }: { name: string }) {
  const api = useApi();
  const [collection, setCollection] = useState<Collection | null>(null);
  const [ingests, setIngests] = useState<Array<{ workflowId: string; source: string; startedAt: string; finishedAt: string | null }>>([]);
  const [documents, setDocuments] = useState<{ list: CollectionDocument[]; total: number } | null>(null);
  const [schedules, setSchedules] = useState<Schedule[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    let live = true;
    api.collection(name).then(
      (answer) => {
        if (!live) return;
        setCollection(answer.collection);
        setIngests(answer.ingests);
      },
      (error: Error) => live && setProblem(error.message),
    );
    api.collectionDocuments(name).then((answer) => live && setDocuments({ list: answer.documents, total: answer.total }), () => undefined);
    api.schedules().then((answer) => live && setSchedules(answer.schedules.filter((schedule) => schedule.collection === name)), () => undefined);
    return () => {
      live = false;
    };
  }, [api, name, refresh]);

  const remove = async () => {
    try {
      const answer = await api.deleteCollection(name);
      window.alert(`Deleted “${answer.deleted}”: ${answer.documents} documents, ${answer.chunks} chunks${answer.schedulesDeleted.length ? `, and the schedules ${answer.schedulesDeleted.join(', ')}` : ''}.`);
      navigate(collectionsHref);
    } catch (error) {
      setProblem((error as Error).message);
      setConfirming(false);
    }
  };

  if (problem && !collection) return <p className="field-error page-message" role="alert">{problem} <a href={collectionsHref}>Back to the collections</a></p>;
  if (!collection) return <p className="muted page-message" aria-busy="true">Loading the collection…</p>;
  const lastIngest = ingests[0];
  return (
    <section className="page collection-page" aria-labelledby="collection-title">
      <p><a href={collectionsHref}>← Collections</a></p>
      <header className="page-header">
        <h1 id="collection-title">{collection.name}</h1>
        {confirming ? (
          <span className="confirm" role="alert">
            Delete “{collection.name}” with its {collection.documents + collection.failed} documents and {collection.chunks} chunks
            {schedules.length > 0 ? `, and the ${schedules.length === 1 ? 'schedule' : 'schedules'} ${schedules.map((schedule) => schedule.name).join(', ')} that feed it` : ''}?{' '}
            <button type="button" className="danger" onClick={() => void remove()}>Delete</button>
            <button type="button" onClick={() => setConfirming(false)}>Keep</button>
          </span>
        ) : (
          <button type="button" className="danger" onClick={() => setConfirming(true)}>Delete collection</button>
        )}
      </header>
      {problem ? <p className="field-error" role="alert">{problem}</p> : null}
      <dl className="facts">
        <div><dt>Documents</dt><dd data-fact="documents">{collection.documents}{collection.failed ? ` (+${collection.failed} failed)` : ''}</dd></div>
        <div><dt>Chunks</dt><dd data-fact="chunks">{collection.chunks}</dd></div>
        <div><dt>Embedding model</dt><dd>{collection.embeddingModel}</dd></div>
        <div><dt>Chunking</dt><dd>{collection.chunkTokens} tokens, {collection.overlapTokens} overlap</dd></div>
        <div><dt>Last ingest</dt><dd data-fact="last-ingest">{lastIngest ? `${when(lastIngest.finishedAt ?? lastIngest.startedAt)}${lastIngest.finishedAt ? '' : ' (running)'}` : 'never'}</dd></div>
        <div><dt>Created</dt><dd>{when(collection.createdAt)}</dd></div>
      </dl>
      <div className="collection-columns">
        <div>
          <SearchBox collection={collection.name} />
          <Uploader collection={collection.name} onIngested={() => setRefresh((n) => n + 1)} />
          <section aria-label="Schedules">
            <h2>Schedules feeding it</h2>
            {schedules.length === 0 ? <p className="muted">None. Create one with <code>astra schedules create</code> or <code>POST /api/schedules</code>.</p> : (
              <ul>{schedules.map((schedule) => (
                <li key={schedule.name} data-schedule={schedule.name}><strong>{schedule.name}</strong> · {schedule.every ? `every ${schedule.every}` : `cron ${schedule.cron}`} · {schedule.state} · from <span title={schedule.source}>{shortSource(schedule.source)}</span>{schedule.nextRuns[0] ? ` · next ${when(schedule.nextRuns[0])}` : ''}</li>
              ))}</ul>
            )}
          </section>
        </div>
        <section aria-label="Documents">
          <h2>Documents {documents ? <span className="muted">({documents.total})</span> : null}</h2>
          {documents === null ? <p className="muted" aria-busy="true">Loading…</p> : documents.list.length === 0 ? <p className="muted">No documents yet: upload some.</p> : (
            <table className="documents-table">
              <thead><tr><th scope="col">Document</th><th scope="col">Chunks</th><th scope="col">Last ingested</th></tr></thead>
              <tbody>
                {documents.list.map((doc) => (
                  <tr key={doc.source} data-document={doc.source}>
                    <td title={doc.source}>{doc.title ?? shortSource(doc.source)}{doc.title ? <div className="muted small">{shortSource(doc.source)}</div> : null}{doc.status === 'failed' ? <div className="field-error small">{doc.error ?? 'failed'}</div> : null}</td>
                    <td>{doc.chunks}</td>
                    <td>{when(doc.updatedAt)}{doc.version > 1 ? <span className="muted"> · v{doc.version}</span> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </section>
  );
}

function CollectionList() {
  const api = useApi();
  const [collections, setCollections] = useState<Collection[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [name, setName] = useState('');
  const load = useCallback(() => {
    api.collections().then((answer) => setCollections(answer.collections), (error: Error) => setProblem(error.message));
  }, [api]);
  useEffect(load, [load]);
  const valid = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name);
  return (
    <section className="page collections-page" aria-labelledby="collections-title">
      <header className="page-header"><h1 id="collections-title">Collections</h1></header>
      {problem ? <p className="field-error" role="alert">{problem}</p> : null}
      {collections === null && !problem ? <p className="muted" aria-busy="true">Loading…</p> : null}
      {collections && collections.length === 0 ? <p className="muted">No collections yet. Name one below and upload files into it.</p> : null}
      {collections && collections.length > 0 ? (
        <table className="collections-table">
          <thead><tr><th scope="col">Collection</th><th scope="col">Documents</th><th scope="col">Chunks</th><th scope="col">Embedding model</th><th scope="col">Created</th></tr></thead>
          <tbody>
            {collections.map((collection) => (
              <tr key={collection.name} data-collection={collection.name}>
                <td><a href={collectionHref(collection.name)}>{collection.name}</a></td>
                <td>{collection.documents}{collection.failed ? ` (+${collection.failed} failed)` : ''}</td>
                <td>{collection.chunks}</td>
                <td>{collection.embeddingModel}</td>
                <td>{when(collection.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <form className="filters" aria-label="New collection" onSubmit={(event) => { event.preventDefault(); if (valid) navigate(collectionHref(name)); }}>
        <label>New collection<input value={name} onChange={(event) => setName(event.target.value)} placeholder="letters, digits, . _ -" aria-invalid={name !== '' && !valid} /></label>
        <button type="submit" disabled={!valid}>Open and upload</button>
      </form>
    </section>
  );
}

/** An upload creates the collection, so a new name opens an empty page with the uploader. */
function NewCollection({ name }: { name: string }) {
  return (
    <section className="page collection-page" aria-labelledby="collection-title">
      <p><a href={collectionsHref}>← Collections</a></p>
      <header className="page-header"><h1 id="collection-title">{name}</h1></header>
      <p className="muted">This collection does not exist yet: the first upload creates it.</p>
      <Uploader collection={name} onIngested={() => window.location.reload()} />
    </section>
  );
}

export function CollectionsPage({ name }: { name: string | null }) {
  const api = useApi();
  const [exists, setExists] = useState<boolean | null>(null);
  useEffect(() => {
    if (name === null) return;
    let live = true;
    setExists(null);
    api.collections().then((answer) => live && setExists(answer.collections.some((collection) => collection.name === name)), () => live && setExists(true));
    return () => {
      live = false;
    };
  }, [api, name]);
  if (name === null) return <CollectionList />;
  if (exists === null) return <p className="muted page-message" aria-busy="true">Loading the collection…</p>;
  return exists ? <CollectionPage key={name} name={name} /> : <NewCollection name={name} />;
}
