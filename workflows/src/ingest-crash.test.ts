// The durability promise: SIGKILL the worker in the middle of an ingest, start another, and the run
// finishes with exactly the chunk ids and counts of an uninterrupted one.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startWorkerProcess } from '../../activities/src/testing/worker-process';
import { chromaClientFor, chromaCollectionFor, chunkSizeFor, createCollectionsRepo, type Collection } from '@astra/activities';
import type { IngestCorpusInput, workflows } from '@astra/workflows';
import { copyOfSampleCorpus } from '../../activities/src/rag/testing/corpus';

const services = inject('services');
const taskQueue = `crash-${randomBytes(4).toString('hex')}`;
let pool: pg.Pool;
let connection: Connection;
let client: Client;
let collection: Collection;
let corpus: { dir: string; files: string[] };
const workers: ChildProcess[] = [];

/** A real worker process on this file's task queue, remembered so afterAll can kill what is left. */
async function startWorker(): Promise<ChildProcess> {
  const child = await startWorkerProcess(taskQueue);
  workers.push(child);
  return child;
}

async function storedIds(): Promise<{ ledger: string[]; vectors: string[] }> {
  const ledger = (await pool.query<{ id: string }>('select id from chunks where collection_id = $1 order by id', [collection.id])).rows.map((row) => row.id);
  const chroma = await chromaCollectionFor(chromaClientFor(services.chromaUrl), collection);
  return { ledger, vectors: (await chroma.get({ include: [] })).ids.sort() };
}

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: services.databaseUrl });
  connection = await Connection.connect({ address: services.temporalAddress });
  client = new Client({ connection, namespace: services.namespace });
  const owner = await pool.query<{ id: string }>("insert into users (username, role) values ($1, 'user') returning id", [`crash-${randomBytes(4).toString('hex')}`]);
  collection = await createCollectionsRepo(pool).findOrCreate({ ownerId: owner.rows[0]!.id, name: 'crash', embeddingModel: 'all-minilm-l6-v2', ...chunkSizeFor(256) });
  corpus = await copyOfSampleCorpus(15);
});

afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await connection.close();
  await pool.end();
  await rm(corpus.dir, { recursive: true, force: true });
});

describe('ingest survives a killed worker', () => {
  it('completes with exactly the chunk ids and counts of an uninterrupted run', async () => {
    const args: [IngestCorpusInput] = [{ collectionId: collection.id, source: { kind: 'path', path: corpus.dir }, batchSize: 2 }];
    const firstWorker = await startWorker();
    const uninterrupted = await client.workflow.execute<typeof workflows.ingestCorpus>('ingestCorpus', { taskQueue, workflowId: `crash-baseline-${randomBytes(4).toString('hex')}`, args });
    const baseline = await storedIds();
    expect(uninterrupted).toMatchObject({ planned: 15, new: 15, failed: 0 });
    expect(baseline.vectors).toEqual(baseline.ledger);

    // Forget everything the baseline stored, keeping the collection (its id is part of every chunk id).
    await pool.query('delete from documents where collection_id = $1', [collection.id]);
    await chromaClientFor(services.chromaUrl).deleteCollection({ name: collection.chromaName });

    const workflowId = `crash-${randomBytes(4).toString('hex')}`;
    const handle = await client.workflow.start<typeof workflows.ingestCorpus>('ingestCorpus', { taskQueue, workflowId, args });
    const done = async () => (await pool.query<{ n: number }>('select count(outcome)::int as n from ingest_items where workflow_id = $1', [workflowId])).rows[0]!.n;
    const deadline = Date.now() + 120_000;
    // Kill mid-batch: with two documents per batch, an odd count means a batch has one document
    // stored and is still running, so its activity must time out and be retried on the new worker.
    // (Killing between batches would leave no activity in flight and prove less.)
    for (let count = await done(); count < 3 || count % 2 === 0; count = await done()) {
      if (count >= 14 || Date.now() > deadline) throw new Error(`no mid-batch moment to kill at (${count} of 15 done)`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    firstWorker.kill('SIGKILL');
    const doneAtKill = await done();
    expect(doneAtKill).toBeLessThan(15);

    await startWorker();
    const recovered = await handle.result();
    expect(recovered).toEqual({ ...uninterrupted });
    expect(await storedIds()).toEqual(baseline);

    // The history shows the crash: a batch whose heartbeat stopped was retried on the new worker.
    const history = await handle.fetchHistory();
    const timedOut = (history.events ?? []).filter((event) => event.activityTaskTimedOutEventAttributes).length;
    const retried = (history.events ?? []).filter((event) => (event.activityTaskStartedEventAttributes?.attempt ?? 1) > 1).length;
    expect(timedOut + retried).toBeGreaterThan(0);
  }, 300_000);
});
