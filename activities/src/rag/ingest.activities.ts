// Ingestion activities: plan a run (every source it will look at), process it in batches (load,
// chunk, embed, upsert; ledger and outcome in one transaction), then remove vanished sources.
import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ChromaClient, Collection as ChromaCollection } from 'chromadb';
import type pg from 'pg';
import { glob } from 'tinyglobby';
import type { ModelProvider } from '../models/provider';
import { inTransaction } from '../db';
import { chunkDocument } from './chunker';
import { saveDocument, upsertChunkVectors } from './document-store';
import { createCollectionsRepo, type Collection } from './collections-repo';
import { CorruptDocumentError, DocumentLimitError, UnsupportedDocumentError, type LoadedDocument } from './document';
import { EgressRefusedError, type createEgress } from './egress';
import { createDocumentSandbox, type DocumentSandbox } from './loaders/sandbox';
import type { ArtifactStore } from '../artifacts/artifact-store';

/** What an ingest reads: a path on the workers' disk, a URL, or an upload kept in the S3 artifact store (its key). */
export type IngestSource = { kind: 'path'; path: string; glob?: string } | { kind: 'url'; url: string } | { kind: 'artifact'; key: string };

export interface IngestCounts {
  planned: number;
  processed: number;
  new: number;
  updated: number;
  skipped: number;
  failed: number;
  chunks: number;
}

/**
 * What the run achieved: every document ingested (or unchanged), some failed, or all failed; an
 * ingest whose documents all failed did not complete its job, whatever Temporal says.
 */
export type IngestOutcome = 'ingested' | 'partial' | 'failed';

export interface IngestSummary extends IngestCounts {
  deleted: number;
  outcome: IngestOutcome;
  failures: Array<{ source: string; reason: string }>;
}

export function ingestOutcome(counts: Pick<IngestCounts, 'processed' | 'failed'>): IngestOutcome {
  if (counts.failed === 0) return 'ingested';
  return counts.failed < counts.processed ? 'partial' : 'failed';
}

export interface IngestDeps {
  pool: pg.Pool;
  chroma: ChromaClient;
  models: ModelProvider;
  egress: ReturnType<typeof createEgress>;
  /** Where untrusted documents are read; by default two worker threads with the default limits. */
  documents?: DocumentSandbox;
  /** Astra's data folder: never ingested, but for a collection's own uploads under `uploads/<collection id>/`. */
  dataDir?: string;
  /** The S3 artifact store, when one is configured: uploads are read from it. */
  artifacts?: ArtifactStore;
}

export const defaultGlob = '**/*.{txt,text,md,markdown,html,htm,pdf,docx,json,csv}';
const embedBatch = 32;
// From this attempt of a batch on, a document that throws again is recorded failed and the batch goes on.
const documentAttempts = 3;
const heartbeatEveryMs = 5_000;
// The same bound as an upload: a file is read into memory whole before its loader sees it.
const maxFileBytes = 100 * 1024 * 1024;

const isDocumentError = (error: unknown) => error instanceof UnsupportedDocumentError || error instanceof CorruptDocumentError || error instanceof DocumentLimitError;

/** The files a path names, sorted: the file itself, or every file under a folder matching the glob; undefined when it does not exist. */
export async function filesUnder(root: string, pattern: string): Promise<string[] | undefined> {
  const info = await stat(root).catch(() => undefined);
  if (!info) return undefined;
  return info.isDirectory() ? (await glob(pattern, { cwd: root, absolute: true, onlyFiles: true, dot: false })).sort() : [root];
}

const isInside = (folder: string, file: string) => file === folder || file.startsWith(`${folder}${path.sep}`);

/**
 * Why a file may not be read: it is, after resolving symlinks, inside Astra's data folder (other
 * users' uploads, the database, credentials), unless it is one of the collection's own uploads
 * (none, for a reader that fills no collection, such as the Load Files node). Undefined when it may be read.
 */
export async function dataFolderRefusal(file: string, dataDir: string | undefined, collectionId: string | undefined): Promise<string | undefined> {
  if (!dataDir) return undefined;
  const realData = await realpath(dataDir).catch(() => path.resolve(dataDir));
  const real = await realpath(file).catch(() => path.resolve(file));
  if (!isInside(realData, real)) return undefined;
  if (collectionId && isInside(path.join(realData, 'uploads', collectionId), real)) return undefined;
  return `${file} is inside Astra's data folder${real === path.resolve(file) ? '' : ` (through a link to ${real})`}, which is never ingested`;
}

/** Chunk ids come from the source, the position and the text: the same document always gives the same ids. */
export function chunkId(collectionId: string, key: string, index: number, text: string): string {
  return createHash('sha256').update(`${collectionId}\0${key}\0${index}\0${text}`).digest('hex').slice(0, 32);
}

export function chromaCollectionFor(chroma: ChromaClient, collection: Collection): Promise<ChromaCollection> {
  return chroma.getOrCreateCollection({ name: collection.chromaName, embeddingFunction: null, configuration: { hnsw: { space: 'cosine' } } });
}

/**
 * The ledger's verdict on a source about to be ingested: unchanged when the collection holds it (all its
 * records, for a JSON or CSV file) indexed with the same content hash. The ingest pipeline and the flow's
 * Chunk node both skip by it, so a folder ingested either way is re-embedded the same way: not at all.
 */
export function unchangedInLedger(rows: Array<{ content_hash: string; status: string }>, contentHash: string): boolean {
  return rows.length > 0 && rows.every((row) => row.content_hash === contentHash && row.status === 'indexed');
}

/** The ledger rows of a source and of its records (`source#n`). */
export async function ledgerRowsOf(pool: pg.Pool, collectionId: string, source: string): Promise<DocumentRow[]> {
  return (await pool.query<DocumentRow>(
    `select id, source, content_hash, version, status, chunk_ids from documents
      where collection_id = $1 and (source = $2 or source like $3)`,
    [collectionId, source, `${source.replace(/[\\%_]/g, '\\$&')}#%`],
  )).rows;
}

interface DocumentRow {
  id: string;
  source: string;
  content_hash: string;
  version: number;
  status: string;
  chunk_ids: string[];
}

export function createIngestActivities(deps: IngestDeps) {
  const collections = createCollectionsRepo(deps.pool);
  const sandbox = deps.documents ?? createDocumentSandbox();
  const counters = new Map<string, (text: string) => number>();

  async function collectionOf(collectionId: string): Promise<Collection> {
    const collection = await collections.get(collectionId);
    if (!collection) throw ApplicationFailure.nonRetryable(`collection ${collectionId} no longer exists`, 'CollectionGone');
    return collection;
  }

  async function tokenCounter(model: string): Promise<(text: string) => number> {
    let counter = counters.get(model);
    if (!counter) {
      // A provider without a tokenizer gets a cautious estimate: about 3 characters a token.
      counter = (await deps.models.tokenCounter?.(model)) ?? ((text: string) => Math.ceil(text.length / 3));
      counters.set(model, counter);
    }
    return counter;
  }

  async function fetchBytes(source: string, collectionId: string): Promise<{ bytes: Buffer; contentType: string | null; fileName: string }> {
    // An upload in the S3 store is named by its URI there, and only this collection's own uploads are read.
    const key = deps.artifacts?.keyOf(source);
    if (key !== undefined) {
      if (!key.startsWith(`uploads/${collectionId}/`)) throw new CorruptDocumentError(`${source} is not one of this collection's uploads`);
      const bytes = await deps.artifacts!.get(key);
      if (!bytes) throw new CorruptDocumentError(`${source} is not in the artifact store (deleted with its collection?)`);
      return { bytes, contentType: null, fileName: key.split('/').pop()! };
    }
    // Paths are planned absolute; anything else is a URL, and only the egress module fetches URLs (http and https only).
    if (!path.isAbsolute(source)) {
      const fetched = await deps.egress.fetch(source);
      if (fetched.status >= 400) throw new CorruptDocumentError(`${source} answered HTTP ${fetched.status}`);
      return { bytes: fetched.body, contentType: fetched.contentType, fileName: new URL(fetched.url).pathname.split('/').pop() || 'index.html' };
    }
    // Checked again when read: a link can be changed after the plan.
    const refusal = await dataFolderRefusal(source, deps.dataDir, collectionId);
    if (refusal) throw new CorruptDocumentError(refusal);
    const info = await stat(source);
    if (info.size > maxFileBytes) throw new CorruptDocumentError(`${source} is ${Math.round(info.size / 1024 / 1024)} MiB; files over ${maxFileBytes / 1024 / 1024} MiB are not ingested`);
    return { bytes: await readFile(source), contentType: null, fileName: path.basename(source) };
  }

  /** Loads, chunks, embeds and stores one source; returns its outcome. Safe to run twice. */
  async function ingestOne(collection: Collection, workflowId: string, ord: number, source: string): Promise<void> {
    const existing = await ledgerRowsOf(deps.pool, collection.id, source);
    const recordOutcome = async (client: pg.PoolClient | pg.Pool, outcome: string, chunks: number, error: string | null) => {
      await client.query('update ingest_items set outcome = $3, chunks = $4, error = $5 where workflow_id = $1 and ord = $2', [workflowId, ord, outcome, chunks, error]);
    };

    let bytes: Buffer;
    let contentType: string | null;
    let fileName: string;
    try {
      ({ bytes, contentType, fileName } = await fetchBytes(source, collection.id));
    } catch (error) {
      if (error instanceof EgressRefusedError || error instanceof CorruptDocumentError || (error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EACCES') {
        await recordOutcome(deps.pool, 'failed', 0, (error as Error).message);
        return;
      }
      throw error;
    }
    const contentHash = createHash('sha256').update(bytes).digest('hex');
    if (unchangedInLedger(existing, contentHash)) {
      await recordOutcome(deps.pool, 'skipped', existing.reduce((sum, doc) => sum + doc.chunk_ids.length, 0), null);
      return;
    }
    const outcome = existing.length > 0 ? 'updated' : 'new';

    let loaded: LoadedDocument[];
    // The heartbeat goes on while a thread reads the file, so a slow document is not taken for a dead worker.
    const beat = setInterval(() => Context.current().heartbeat({ ord, loading: fileName }), heartbeatEveryMs);
    try {
      loaded = await sandbox.load({ bytes, fileName, contentType });
    } catch (error) {
      if (!isDocumentError(error)) throw error;
      await failDocument(collection, workflowId, ord, source, contentHash, existing, (error as Error).message);
      return;
    } finally {
      clearInterval(beat);
    }

    const countTokens = await tokenCounter(collection.embeddingModel);
    const single = loaded.length === 1 && !['json', 'csv'].includes(loaded[0]!.format);
    let documents;
    try {
      documents = loaded.map((doc, i) => {
        const key = single ? source : `${source}#${i + 1}`;
        const chunks = chunkDocument(doc, { chunkTokens: collection.chunkTokens, overlapTokens: collection.overlapTokens, countTokens })
          .map((chunk) => ({ ...chunk, id: chunkId(collection.id, key, chunk.index, chunk.text) }));
        return { key, doc, chunks };
      });
    } catch (error) {
      // The chunker refuses what it cannot cut within the budget (a character the counter makes too long).
      if (!(error instanceof RangeError)) throw error;
      await failDocument(collection, workflowId, ord, source, contentHash, existing, `${source} cannot be chunked: ${error.message}`);
      return;
    }
    const versionOf = (key: string) => {
      const before = existing.find((doc) => doc.source === key);
      return before ? before.version + (before.content_hash === contentHash ? 0 : 1) : 1;
    };
    const stored = documents.map(({ key, doc, chunks }) => ({ key, title: doc.title, contentHash, version: versionOf(key), chunks }));
    const allChunks = stored.flatMap((document) => document.chunks.map((chunk) => ({ chunk, document })));

    // Vectors first: a crash after this point re-runs the document and upserts the same ids.
    const chromaCollection = await chromaCollectionFor(deps.chroma, collection);
    let embedded = 0;
    // A batch can take longer than the heartbeat timeout on a busy machine: the beat goes on while it embeds.
    const embedding = setInterval(() => Context.current().heartbeat({ ord, embedded, of: allChunks.length }), heartbeatEveryMs);
    try {
      for (let start = 0; start < allChunks.length; start += embedBatch) {
        const batch = allChunks.slice(start, start + embedBatch);
        const { vectors } = await deps.models.embed({ model: collection.embeddingModel, texts: batch.map(({ chunk }) => chunk.text) });
        await upsertChunkVectors(chromaCollection, collection, batch.map((entry, i) => ({ ...entry, vector: vectors[i]! })));
        embedded = start + batch.length;
        Context.current().heartbeat({ ord, embedded, of: allChunks.length });
      }
    } finally {
      clearInterval(embedding);
    }

    const newIds = new Set(allChunks.map(({ chunk }) => chunk.id));
    const staleIds = existing.flatMap((doc) => doc.chunk_ids).filter((id) => !newIds.has(id));
    await inTransaction(deps.pool, async (client) => {
      for (const document of stored) await saveDocument(client, collection, document);
      // Records a re-ingested JSON/CSV file no longer has.
      const keys = documents.map((entry) => entry.key);
      await client.query('delete from documents where collection_id = $1 and (source = $2 or source like $3) and not (source = any($4))', [
        collection.id, source, `${source.replace(/[\\%_]/g, '\\$&')}#%`, keys,
      ]);
      await recordOutcome(client, outcome, allChunks.length, null);
    });
    if (staleIds.length > 0) await chromaCollection.delete({ ids: staleIds });
  }

  async function failDocument(collection: Collection, workflowId: string, ord: number, source: string, contentHash: string, existing: DocumentRow[], reason: string) {
    const staleIds = existing.flatMap((doc) => doc.chunk_ids);
    await inTransaction(deps.pool, async (client) => {
      await client.query('delete from documents where collection_id = $1 and source like $2', [collection.id, `${source.replace(/[\\%_]/g, '\\$&')}#%`]);
      await client.query(
        `insert into documents (collection_id, source, title, content_hash, status, error, chunk_ids) values ($1, $2, null, $3, 'failed', $4, '{}')
         on conflict (collection_id, source) do update set content_hash = excluded.content_hash, status = 'failed', error = excluded.error, chunk_ids = '{}', updated_at = now()`,
        [collection.id, source, contentHash, reason],
      );
      await client.query('update ingest_items set outcome = $3, chunks = 0, error = $4 where workflow_id = $1 and ord = $2', [workflowId, ord, 'failed', reason]);
    });
    if (staleIds.length > 0) await (await chromaCollectionFor(deps.chroma, collection)).delete({ ids: staleIds });
  }

  async function recordStubbornFailure(collection: Collection, workflowId: string, ord: number, source: string, reason: string) {
    const existing = await ledgerRowsOf(deps.pool, collection.id, source);
    await failDocument(collection, workflowId, ord, source, existing[0]?.content_hash ?? '', existing, reason);
  }

  return {
    /** Lists every source of the run once; a retried plan finds its rows and changes nothing. */
    async planIngest(input: { workflowId: string; collectionId: string; source: IngestSource }): Promise<{ planned: number }> {
      const collection = await collectionOf(input.collectionId);
      const known = await deps.pool.query<{ planned: number | null }>('select planned from ingest_runs where workflow_id = $1', [input.workflowId]);
      if (known.rows[0]?.planned != null) return { planned: known.rows[0].planned };
      let sources: string[];
      let label: string;
      if (input.source.kind === 'url') {
        sources = [input.source.url];
        label = input.source.url;
      } else if (input.source.kind === 'artifact') {
        if (!deps.artifacts) throw ApplicationFailure.nonRetryable(`the upload ${input.source.key} is in an S3 artifact store, and this worker has none configured (ASTRA_ARTIFACTS_S3_BUCKET)`, 'NoArtifactStore');
        sources = [deps.artifacts.uriOf(input.source.key)];
        label = sources[0]!;
      } else {
        const root = path.resolve(input.source.path);
        label = root;
        const found = await filesUnder(root, input.source.glob ?? defaultGlob);
        if (!found) throw ApplicationFailure.nonRetryable(`${root} does not exist`, 'SourceMissing');
        // A folder above the data folder (or a glob into it) must not list what is inside it.
        // A file named on its own stays in the plan, to be reported failed with the reason.
        const allowed = await Promise.all(found.map(async (file) => file === root || (await dataFolderRefusal(file, deps.dataDir, collection.id)) === undefined));
        sources = found.filter((_, i) => allowed[i]);
      }
      await inTransaction(deps.pool, async (client) => {
        await client.query(
          `insert into ingest_runs (workflow_id, collection_id, owner_id, source, planned) values ($1, $2, $3, $4, $5)
           on conflict (workflow_id) do update set planned = excluded.planned`,
          [input.workflowId, collection.id, collection.ownerId, label, sources.length],
        );
        await client.query(
          'insert into ingest_items (workflow_id, ord, source) select $1, ord - 1, source from unnest($2::text[]) with ordinality as t(source, ord) on conflict do nothing',
          [input.workflowId, sources],
        );
      });
      return { planned: sources.length };
    },

    /** Processes the run's items [from, to) that have no outcome yet, heartbeating after each. */
    async ingestBatch(input: { workflowId: string; collectionId: string; from: number; to: number }): Promise<{ processed: number }> {
      const collection = await collectionOf(input.collectionId);
      const pending = (await deps.pool.query<{ ord: number; source: string }>(
        'select ord, source from ingest_items where workflow_id = $1 and ord >= $2 and ord < $3 and outcome is null order by ord',
        [input.workflowId, input.from, input.to],
      )).rows;
      const context = Context.current();
      for (const item of pending) {
        if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
        try {
          await ingestOne(collection, input.workflowId, item.ord, item.source);
        } catch (error) {
          // A document that keeps failing for a reason no check above knows must not hold back the rest.
          if (context.info.attempt < documentAttempts || context.cancellationSignal.aborted) throw error;
          const reason = `${error instanceof Error ? error.message : String(error)} (failed on ${context.info.attempt} attempts)`;
          await recordStubbornFailure(collection, input.workflowId, item.ord, item.source, reason);
        }
        context.heartbeat({ ord: item.ord });
      }
      return { processed: pending.length };
    },

    /** Removes documents under the run's folder that are gone from disk, then records the summary. */
    async finishIngest(input: { workflowId: string; collectionId: string; source: IngestSource }): Promise<IngestSummary> {
      const collection = await collectionOf(input.collectionId);
      let deleted = 0;
      if (input.source.kind === 'path') {
        const root = path.resolve(input.source.path);
        const info = await stat(root).catch(() => undefined);
        if (info?.isDirectory()) {
          const vanished = (await deps.pool.query<{ id: string; chunk_ids: string[] }>(
            `select d.id, d.chunk_ids from documents d
              where d.collection_id = $1 and d.source like $2
                and split_part(d.source, '#', 1) not in (select source from ingest_items where workflow_id = $3)`,
            [collection.id, `${root.replace(/[\\%_]/g, '\\$&')}/%`, input.workflowId],
          )).rows;
          const ids = vanished.flatMap((doc) => doc.chunk_ids);
          if (ids.length > 0) await (await chromaCollectionFor(deps.chroma, collection)).delete({ ids });
          if (vanished.length > 0) await deps.pool.query('delete from documents where id = any($1)', [vanished.map((doc) => doc.id)]);
          deleted = vanished.length;
        }
      }
      const summary = await ingestSummary(deps.pool, input.workflowId);
      const full: IngestSummary = { ...summary, deleted };
      await deps.pool.query('update ingest_runs set finished_at = now(), summary = $2 where workflow_id = $1', [input.workflowId, full]);
      return full;
    },
  };
}

/** Counts of a run so far, from the outcomes its items recorded. */
export async function ingestSummary(pool: pg.Pool, workflowId: string): Promise<Omit<IngestSummary, 'deleted'>> {
  const counts = (await pool.query<IngestCounts>(
    `select count(*)::int as planned,
            count(outcome)::int as processed,
            count(*) filter (where outcome = 'new')::int as new,
            count(*) filter (where outcome = 'updated')::int as updated,
            count(*) filter (where outcome = 'skipped')::int as skipped,
            count(*) filter (where outcome = 'failed')::int as failed,
            coalesce(sum(chunks) filter (where outcome in ('new', 'updated', 'skipped')), 0)::int as chunks
       from ingest_items where workflow_id = $1`,
    [workflowId],
  )).rows[0]!;
  const failures = (await pool.query<{ source: string; reason: string }>(
    "select source, error as reason from ingest_items where workflow_id = $1 and outcome = 'failed' order by ord",
    [workflowId],
  )).rows;
  return { ...counts, outcome: ingestOutcome(counts), failures };
}
