// `astra collections rebuild`: Chroma's data folder deleted outright and Chroma started empty, the
// collection is rebuilt from the Postgres ledger (the same chunk ids, texts and metadata, re-embedded
// with the collection's model) and retrieval answers as before. Owner-scoped; run by a plain user of
// its own, with the CLI as people run it, against a Chroma of the test's own.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromaClientFor, chromaCollectionFor, chunkSizeFor, createCollectionsRepo, type Collection } from '@astra/activities';
import type { IngestCorpusInput, RebuildProgress, workflows } from '@astra/workflows';
import { copyOfSampleCorpus } from '../../../activities/src/rag/testing/corpus';
import { startWorkerProcess } from '../../../activities/src/testing/worker-process';
import { startOwnChroma, type OwnService } from '../../../infra/src/testing/own-services';
import { createAppHarness, type AppHarness } from '../testing/app-harness';

const astraBin = fileURLToPath(new URL('../../bin/astra.mjs', import.meta.url));
const taskQueue = `rebuild-${randomBytes(4).toString('hex')}`;
let chroma: OwnService;
let worker: ChildProcess | undefined;
let harness: AppHarness | undefined;
let server: ServerType | undefined;
let url: string;
let owner: Awaited<ReturnType<AppHarness['newUser']>>;
let stranger: Awaited<ReturnType<AppHarness['newUser']>>;
let corpus: { dir: string; files: string[] } | undefined;
let collection: Collection;

const questions = ['how do I attach another database file', 'what does VACUUM do', 'create an index on a table', 'transactions and locking'];

const call = async (token: string, method: string, route: string, body?: unknown) => {
  const response = await harness!.app.request(`http://astra.test${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, json: (text ? JSON.parse(text) : undefined) as Record<string, unknown> | undefined };
};

/** The top-k chunk ids each question retrieves, per mode, through the API. */
async function topChunks(): Promise<Record<string, string[]>> {
  const answers: Record<string, string[]> = {};
  for (const mode of ['vector', 'hybrid'] as const) {
    for (const query of questions) {
      const answer = await call(owner.token, 'POST', '/api/query', { collection: collection.name, query, k: 5, mode });
      expect(answer.status, answer.text).toBe(200);
      answers[`${mode}: ${query}`] = (answer.json!.results as Array<{ chunkId: string }>).map((result) => result.chunkId);
    }
  }
  return answers;
}

/** Every vector Chroma holds for the collection: id, text and metadata, by id. */
async function chromaContents() {
  const stored = await (await chromaCollectionFor(chromaClientFor(chroma.url), collection)).get({ include: ['documents', 'metadatas'] });
  return stored.ids.map((id, i) => ({ id, text: stored.documents[i], metadata: stored.metadatas[i] })).sort((a, b) => a.id.localeCompare(b.id));
}

const ledgerIds = async () => (await harness!.pool.query<{ id: string }>('select id from chunks where collection_id = $1 order by id', [collection.id])).rows.map((row) => row.id);

function astra(args: string[], token: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [astraBin, ...args], { env: { ...process.env, ASTRA_URL: url, ASTRA_TOKEN: token, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const limit = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(limit);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  chroma = await startOwnChroma();
  worker = await startWorkerProcess(taskQueue, { chromaUrl: chroma.url });
  // No result cache: the test loses Chroma's data on purpose and must see retrieval come back from the rebuilt vectors.
  harness = await createAppHarness({ taskQueue, chromaUrl: chroma.url, retrieverCaches: { results: 0 } });
  owner = await harness.newUser('user');
  stranger = await harness.newUser('user');
  server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: harness!.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The collection to lose and rebuild, ingested the ordinary way: the ingest workflow on the worker.
  collection = await createCollectionsRepo(harness.pool).findOrCreate({ ownerId: owner.id, name: 'sqlite-docs', embeddingModel: 'all-minilm-l6-v2', ...chunkSizeFor(256) });
  corpus = await copyOfSampleCorpus(8);
  const args: [IngestCorpusInput] = [{ collectionId: collection.id, source: { kind: 'path', path: corpus.dir }, batchSize: 4 }];
  const summary = await harness.temporal.workflow.execute<typeof workflows.ingestCorpus>('ingestCorpus', { taskQueue, workflowId: `rebuild-ingest-${randomBytes(4).toString('hex')}`, args });
  expect(summary).toMatchObject({ planned: 8, new: 8, failed: 0 });
}, 240_000);

afterAll(async () => {
  if (server) await new Promise((resolve) => server!.close(resolve));
  worker?.kill('SIGKILL');
  await harness?.close();
  await chroma?.dispose();
  if (corpus) await rm(corpus.dir, { recursive: true, force: true });
});

describe('astra collections rebuild', () => {
  it("restores a deleted Chroma folder from the ledger, and retrieval answers as before; only the owner's collection", async () => {
    const before = await topChunks();
    const contents = await chromaContents();
    const ledger = await ledgerIds();
    expect(contents.map((entry) => entry.id)).toEqual(ledger);
    expect(ledger.length).toBeGreaterThan(20);
    for (const ids of Object.values(before)) expect(ids).toHaveLength(5);

    // Never rebuilt yet; a stranger, a bad name and an unknown collection are refused.
    expect((await call(owner.token, 'GET', `/api/collections/${collection.name}/rebuild`)).status).toBe(404);
    expect((await call(stranger.token, 'POST', `/api/collections/${collection.name}/rebuild`)).status).toBe(404);
    expect((await call(stranger.token, 'GET', `/api/collections/${collection.name}/rebuild`)).status).toBe(404);
    expect((await call(owner.token, 'POST', '/api/collections/no-such-collection/rebuild')).status).toBe(404);
    expect((await call(owner.token, 'POST', `/api/collections/${encodeURIComponent('-bad name')}/rebuild`)).status).toBe(400);
    const strangerCli = await astra(['collections', 'rebuild', collection.name], stranger.token);
    expect(strangerCli.code).toBe(1);
    expect(strangerCli.stderr).toContain('no collection named "sqlite-docs"');

    // Chroma's data folder deleted outright, Chroma started again on an empty one.
    await chroma.kill();
    await rm(chroma.dataDir, { recursive: true, force: true });
    await chroma.start();
    expect(await chromaClientFor(chroma.url).listCollections()).toEqual([]);
    const lost = await call(owner.token, 'POST', '/api/query', { collection: collection.name, query: questions[0], k: 5, mode: 'vector' });
    expect(lost.status, lost.text).toBe(200);
    expect(lost.json!.results).toEqual([]);
    // A vector the ledger does not know (left by something else): the rebuild removes it.
    await (await chromaCollectionFor(chromaClientFor(chroma.url), collection)).upsert({ ids: ['not-in-the-ledger'], embeddings: [Array.from({ length: 384 }, (_, i) => Math.sin(i))], documents: ['stray'] });

    const rebuilt = await astra(['collections', 'rebuild', collection.name, '--json'], owner.token);
    expect(rebuilt.code, rebuilt.stderr + rebuilt.stdout).toBe(0);
    const report = JSON.parse(rebuilt.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ collection: collection.name, status: 'completed', documents: 8, chunks: ledger.length, done: ledger.length, vectors: ledger.length, removed: 1, error: null });

    // The same ids, texts and metadata as the ingest wrote, and the same answers.
    expect(await chromaContents()).toEqual(contents);
    expect(await topChunks()).toEqual(before);
    const status = await call(owner.token, 'GET', `/api/collections/${collection.name}/rebuild`);
    expect(status.json).toMatchObject({ status: 'completed', chunks: ledger.length, vectors: ledger.length });

    // The human-readable form, once more over a Chroma that is already whole: nothing to remove.
    const again = await astra(['collections', 'rebuild', collection.name], owner.token);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`rebuilt "${collection.name}" from the ledger`);
    expect(again.stdout).toMatch(new RegExp(`chunks\\s+${ledger.length} in the ledger, ${ledger.length} vectors in Chroma\\n`));
  }, 420_000);

  it('is durable: a worker killed mid-rebuild leaves a rebuild that another worker finishes exactly', async () => {
    const contents = await chromaContents();
    const ledger = await ledgerIds();
    expect(contents.map((entry) => entry.id)).toEqual(ledger);
    await chromaClientFor(chroma.url).deleteCollection({ name: collection.chromaName });

    // Small pages, so the rebuild is several activities and the kill lands between or inside them.
    const handle = await harness!.temporal.workflow.start<typeof workflows.rebuildCollection>('rebuildCollection', {
      taskQueue,
      workflowId: `rebuild-crash-${randomBytes(4).toString('hex')}`,
      args: [{ collectionId: collection.id, batchSize: 16 }],
    });
    const deadline = Date.now() + 120_000;
    for (;;) {
      const progress = await handle.query<RebuildProgress>('progress');
      if (progress.done >= 16) {
        if (progress.done >= ledger.length) throw new Error(`the rebuild finished (${progress.done} chunks) before the worker could be killed`);
        break;
      }
      if (Date.now() > deadline) throw new Error(`the rebuild did not finish a page in time: ${JSON.stringify(progress)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    worker!.kill('SIGKILL');
    worker = await startWorkerProcess(taskQueue, { chromaUrl: chroma.url });

    expect(await handle.result()).toEqual({ documents: 8, chunks: ledger.length, vectors: ledger.length, removed: 0 });
    expect(await chromaContents()).toEqual(contents);
  }, 300_000);
});
