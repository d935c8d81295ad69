// Chroma killed (SIGKILL) in the middle of an ingest and started again on the same folder and port: the
// ingest, on a real worker process, finishes with exactly the chunks of an uninterrupted run, counted
// both in Chroma and in the Postgres ledger. The test runs its own Chroma (the shared one serves other files).
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startWorkerProcess } from '../../activities/src/testing/worker-process';
import { copyOfSampleCorpus } from '../../activities/src/rag/testing/corpus';
import { startOwnChroma, type OwnService } from '../../infra/src/testing/own-services';
import { chromaClientFor, chromaCollectionFor, chunkSizeFor, createCollectionsRepo, type Collection } from '@astra/activities';
import type { IngestCorpusInput, workflows } from '@astra/workflows';

const services = inject('services');
const taskQueue = `chroma-crash-${randomBytes(4).toString('hex')}`;
let chroma: OwnService;
let pool: pg.Pool;
let connection: Connection;
let client: Client;
let collection: Collection;
let corpus: { dir: string; files: string[] };
let worker: ChildProcess | undefined;

async function stored(): Promise<{ ledger: string[]; vectors: string[]; documents: number }> {
  const ledger = (await pool.query<{ id: string }>('select id from chunks where collection_id = $1 order by id', [collection.id])).rows.map((row) => row.id);
  const documents = (await pool.query<{ n: number }>("select count(*)::int as n from documents where collection_id = $1 and status = 'indexed'", [collection.id])).rows[0]!.n;
  const vectors = (await (await chromaCollectionFor(chromaClientFor(chroma.url), collection)).get({ include: [] })).ids.sort();
  return { ledger, vectors, documents };
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeAll(async () => {
  chroma = await startOwnChroma();
  pool = new pg.Pool({ connectionString: services.databaseUrl, max: 2 });
  connection = await Connection.connect({ address: services.temporalAddress });
  client = new Client({ connection, namespace: services.namespace });
  const owner = await pool.query<{ id: string }>("insert into users (username, role) values ($1, 'user') returning id", [`chroma-crash-${randomBytes(4).toString('hex')}`]);
  collection = await createCollectionsRepo(pool).findOrCreate({ ownerId: owner.rows[0]!.id, name: 'chroma-crash', embeddingModel: 'all-minilm-l6-v2', ...chunkSizeFor(256) });
  corpus = await copyOfSampleCorpus(15);
  worker = await startWorkerProcess(taskQueue, { chromaUrl: chroma.url });
}, 180_000);

afterAll(async () => {
  worker?.kill('SIGKILL');
  await connection?.close();
  await pool?.end();
  await chroma?.dispose();
  if (corpus) await rm(corpus.dir, { recursive: true, force: true });
});

describe('ingest survives a killed Chroma', () => {
  it('completes after Chroma is back with exactly the chunks of an uninterrupted run, in Chroma and in Postgres', async () => {
    const args: [IngestCorpusInput] = [{ collectionId: collection.id, source: { kind: 'path', path: corpus.dir }, batchSize: 2 }];
    const uninterrupted = await client.workflow.execute<typeof workflows.ingestCorpus>('ingestCorpus', { taskQueue, workflowId: `chroma-baseline-${randomBytes(4).toString('hex')}`, args });
    expect(uninterrupted).toMatchObject({ planned: 15, new: 15, failed: 0 });
    const baseline = await stored();
    expect(baseline.ledger.length).toBe(uninterrupted.chunks);
    expect(baseline.vectors).toEqual(baseline.ledger);

    // Forget what the baseline stored, keeping the collection (its id is part of every chunk id).
    await pool.query('delete from documents where collection_id = $1', [collection.id]);
    await chromaClientFor(chroma.url).deleteCollection({ name: collection.chromaName });

    const workflowId = `chroma-crash-${randomBytes(4).toString('hex')}`;
    const handle = await client.workflow.start<typeof workflows.ingestCorpus>('ingestCorpus', { taskQueue, workflowId, args });
    const done = async () => (await pool.query<{ n: number }>('select count(outcome)::int as n from ingest_items where workflow_id = $1', [workflowId])).rows[0]!.n;
    const doneAtKill = await until('a moment with some documents stored and most still to come', 120_000, async () => {
      const count = await done();
      if (count >= 13) throw new Error(`the ingest got to ${count} of 15 documents before Chroma could be killed`);
      return count >= 2 ? count : undefined;
    });
    await chroma.kill();

    // The worker notices: a batch fails on the missing Chroma and waits for its retry.
    const failed = await until('an ingest batch failed its attempt while Chroma was down', 90_000, async () => {
      const { raw } = await handle.describe();
      return raw.pendingActivities?.find((activity) => (activity.attempt ?? 1) > 1 && activity.lastFailure?.message);
    });
    expect(failed.activityType?.name).toBe('ingestBatch');
    expect(await done()).toBeLessThan(15);

    await chroma.start();
    const recovered = await handle.result();
    expect(recovered).toEqual(uninterrupted);
    const after = await stored();
    expect(after).toEqual(baseline);
    expect(after.vectors).toHaveLength(uninterrupted.chunks);
    expect(doneAtKill).toBeLessThan(15);
  }, 420_000);
});
