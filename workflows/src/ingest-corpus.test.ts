import { randomBytes } from 'node:crypto';
import { appendFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromaClientFor, chromaCollectionFor, chunkSizeFor, createCollectionsRepo, type Collection, type IngestSource, type IngestSummary } from '@astra/activities';
import type { workflows } from '@astra/workflows';
import { startTestWorker, type TestWorker } from '../../activities/src/testing/test-worker';
import { copyOfSampleCorpus } from '../../activities/src/rag/testing/corpus';

let worker: TestWorker;
let collection: Collection;
let corpus: { dir: string; files: string[] };

beforeAll(async () => {
  worker = await startTestWorker();
  const owner = await worker.pool.query<{ id: string }>("insert into users (username, role) values ($1, 'user') returning id", [`ingest-${randomBytes(4).toString('hex')}`]);
  collection = await createCollectionsRepo(worker.pool).findOrCreate({ ownerId: owner.rows[0]!.id, name: 'docs', embeddingModel: 'all-minilm-l6-v2', ...chunkSizeFor(256) });
  corpus = await copyOfSampleCorpus(12);
  await writeFile(path.join(corpus.dir, 'notes.md'), '# Field notes\n\n## Backups\n\nWe back up the database every night with the online backup API.\n');
  await writeFile(path.join(corpus.dir, 'broken.pdf'), '%PDF-1.7\nthis is not really a PDF\n');
});

afterAll(async () => {
  await worker.stop();
  await rm(corpus.dir, { recursive: true, force: true });
});

const ingest = (source: IngestSource = { kind: 'path', path: corpus.dir }) =>
  worker.client.workflow.execute<typeof workflows.ingestCorpus>('ingestCorpus', {
    taskQueue: worker.taskQueue,
    workflowId: `ingest-test-${randomBytes(5).toString('hex')}`,
    args: [{ collectionId: collection.id, source, batchSize: 4 }],
  });

/** What the stores hold: the ledger's chunk ids, and the ids Chroma has. */
async function stored(): Promise<{ ledger: string[]; vectors: string[]; documents: number }> {
  const ledger = (await worker.pool.query<{ id: string }>('select id from chunks where collection_id = $1 order by id', [collection.id])).rows.map((row) => row.id);
  const chroma = await chromaCollectionFor(chromaClientFor(inject('services').chromaUrl), collection);
  const vectors = (await chroma.get({ include: [] })).ids.sort();
  const documents = (await worker.pool.query<{ n: number }>("select count(*)::int as n from documents where collection_id = $1 and status = 'indexed'", [collection.id])).rows[0]!.n;
  return { ledger, vectors, documents };
}

describe('ingestCorpus', () => {
  let first: IngestSummary;

  it('indexes a folder with exact counts and reports a corrupt file as failed with its reason', async () => {
    first = await ingest();
    expect(first).toMatchObject({ planned: 14, processed: 14, new: 13, updated: 0, skipped: 0, failed: 1, deleted: 0 });
    expect(first.failures).toEqual([{ source: path.join(corpus.dir, 'broken.pdf'), reason: expect.stringMatching(/pdf/i) }]);
    const { ledger, vectors, documents } = await stored();
    expect(documents).toBe(13);
    expect(first.chunks).toBe(ledger.length);
    expect(vectors).toEqual(ledger);
    expect(ledger.length).toBeGreaterThan(13);
  }, 300_000);

  it('skips everything on the same ingest again and changes no chunk', async () => {
    const before = await stored();
    const again = await ingest();
    expect(again).toMatchObject({ planned: 14, new: 0, updated: 0, skipped: 13, failed: 1, deleted: 0, chunks: first.chunks });
    expect(await stored()).toEqual(before);
  }, 300_000);

  it('re-ingests only a changed file and drops its stale chunks', async () => {
    const before = await stored();
    await appendFile(path.join(corpus.dir, 'notes.md'), '\n## Restores\n\nRestoring uses the same backup API in reverse, page by page.\n');
    const changed = await ingest();
    expect(changed).toMatchObject({ new: 0, updated: 1, skipped: 12, failed: 1, deleted: 0 });
    const after = await stored();
    expect(after.vectors).toEqual(after.ledger);
    expect(changed.chunks).toBe(after.ledger.length);
    const notes = (await worker.pool.query<{ version: number }>('select version from documents where collection_id = $1 and source = $2', [collection.id, path.join(corpus.dir, 'notes.md')])).rows[0];
    expect(notes?.version).toBe(2);
    // Every chunk of the other twelve pages kept its id.
    const notesIds = new Set((await worker.pool.query<{ id: string }>('select id from chunks where source = $1', [path.join(corpus.dir, 'notes.md')])).rows.map((row) => row.id));
    expect(after.ledger.filter((id) => !notesIds.has(id)).every((id) => before.ledger.includes(id))).toBe(true);
  }, 300_000);

  it('removes the documents of files that vanished', async () => {
    await rm(path.join(corpus.dir, corpus.files[0]!));
    const pruned = await ingest();
    expect(pruned).toMatchObject({ planned: 13, new: 0, updated: 0, skipped: 12, deleted: 1 });
    const after = await stored();
    expect(after.documents).toBe(12);
    expect(after.vectors).toEqual(after.ledger);
  });

  it('hands a long run over to fresh runs (continue-as-new) and still counts exactly', async () => {
    const workflowId = `ingest-test-${randomBytes(5).toString('hex')}`;
    const summary = await worker.client.workflow.execute<typeof workflows.ingestCorpus>('ingestCorpus', {
      taskQueue: worker.taskQueue,
      workflowId,
      args: [{ collectionId: collection.id, source: { kind: 'path', path: corpus.dir }, batchSize: 2, batchesPerRun: 2 }],
    });
    expect(summary).toMatchObject({ planned: 13, skipped: 12, failed: 1, new: 0, updated: 0 });
    // Visibility lags the runs a little: read it until the last run shows as completed (bounded).
    let runs: string[] = [];
    for (let attempt = 0; attempt < 50 && !runs.includes('COMPLETED'); attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      runs = [];
      for await (const execution of worker.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(execution.status.name);
    }
    // 13 documents in batches of 2, 2 batches a run: 4 runs, the first 3 continued as new.
    expect(runs.filter((status) => status === 'CONTINUED_AS_NEW')).toHaveLength(3);
    expect(runs.filter((status) => status === 'COMPLETED')).toHaveLength(1);
  });

  it('reports an unsupported file as failed and goes on', async () => {
    await writeFile(path.join(corpus.dir, 'diagram.xyz'), 'not a format Astra reads');
    const summary = await ingest({ kind: 'path', path: corpus.dir, glob: '**/*' });
    expect(summary.failures.map((failure) => path.basename(failure.source)).sort()).toEqual(['broken.pdf', 'diagram.xyz']);
    expect(summary.failures.find((failure) => failure.source.endsWith('.xyz'))?.reason).toMatch(/xyz|unsupported/i);
    expect(summary.skipped).toBe(12);
  });

  it('refuses URLs that point inside the machine or its network, each with a clear reason', async () => {
    for (const url of ['http://127.0.0.1/', 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/', 'http://[::1]/', 'http://2130706433/']) {
      const summary = await ingest({ kind: 'url', url });
      expect(summary).toMatchObject({ planned: 1, failed: 1, new: 0 });
      expect(summary.failures[0]!.reason, url).toMatch(/refused/);
    }
  });
});
