// Losing Chroma loses nothing: after a real ingest, the Chroma collection is deleted, rebuilt from
// PostgreSQL's chunks with the collection's own model, and vector search answers as it did before.
/* eslint-disable @typescript-eslint/no-explicit-any -- the test reads the API's JSON answers as a client would, loosely */
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromaClientFor } from '@astra/activities';
import { collectionsToRebuild, rebuildChromaCollection } from '../../activities/src/chroma-rebuild';
import { startTestWorker, type TestWorker } from '../../activities/src/testing/test-worker';
import { createAppHarness, type AppHarness } from './testing/app-harness';
import { inject } from 'vitest';

let worker: TestWorker;
let harness: AppHarness;
let admin: Awaited<ReturnType<AppHarness['newUser']>>;

async function call(method: string, route: string, body?: unknown) {
  const response = await harness.app.request(`http://astra.test${route}`, {
    method,
    headers: { authorization: `Bearer ${admin.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

beforeAll(async () => {
  worker = await startTestWorker();
  harness = await createAppHarness({ taskQueue: worker.taskQueue });
  admin = await harness.newUser('admin');
});

afterAll(async () => {
  await harness?.close();
  await worker?.stop();
});

describe('rebuilding Chroma from PostgreSQL', () => {
  it('restores every vector under the same ids, and search answers as before', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'astra-rebuild-'));
    await writeFile(path.join(folder, 'wal.md'), '# WAL\n\nWrite-ahead logging lets readers and a writer work at the same time.\n\n## Checkpoints\n\nA checkpoint moves pages from the WAL file back into the database.\n');
    await writeFile(path.join(folder, 'vacuum.md'), '# VACUUM\n\nVACUUM rebuilds the database file, reclaiming free pages left by deletions.\n');
    await writeFile(path.join(folder, 'fts.md'), '# Full-text search\n\nFTS5 virtual tables index words for fast MATCH queries.\n');
    const name = `rebuild-${randomBytes(3).toString('hex')}`;
    const started = await call('POST', '/api/ingest', { collection: name, path: folder });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    let status = 'running';
    for (let i = 0; i < 600 && status === 'running'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await call('GET', `/api/ingest/${encodeURIComponent(started.body.workflowId)}`)).body.status;
    }
    expect(status).toBe('completed');

    const search = async () => (await call('POST', '/api/query', { collection: name, query: 'how do readers and writers share the database?', mode: 'vector', k: 3 })).body.results as Array<{ chunkId: string; score: number }>;
    const before = await search();
    expect(before.length).toBeGreaterThan(0);

    const [collection] = await collectionsToRebuild(harness.pool, [name]);
    const chroma = chromaClientFor(inject('services').chromaUrl);
    const original = await (await chroma.getCollection({ name: collection!.chromaName })).get({ include: ['documents', 'metadatas', 'embeddings'] as any });
    await chroma.deleteCollection({ name: collection!.chromaName });

    const progress: number[] = [];
    const count = await rebuildChromaCollection({ pool: harness.pool, chroma, models: worker.models }, collection!, (done) => progress.push(done));
    const inPostgres = Number((await harness.pool.query('select count(*) from chunks where collection_id = $1', [collection!.id])).rows[0].count);
    expect(count).toBe(inPostgres);
    expect(progress.at(-1)).toBe(inPostgres);

    const rebuilt = await (await chroma.getCollection({ name: collection!.chromaName })).get({ include: ['documents', 'metadatas', 'embeddings'] as any });
    expect([...rebuilt.ids].sort()).toEqual([...original.ids].sort());
    const byId = (result: typeof original) => new Map(result.ids.map((id, i) => [id, { document: result.documents[i], metadata: result.metadatas[i], embedding: (result.embeddings as number[][])[i]! }]));
    const was = byId(original);
    for (const [id, now] of byId(rebuilt)) {
      expect(now.document).toBe(was.get(id)!.document);
      expect(now.metadata).toEqual(was.get(id)!.metadata);
      const a = now.embedding;
      const b = was.get(id)!.embedding;
      const cosine = a.reduce((sum, x, i) => sum + x * b[i]!, 0) / Math.hypot(...a) / Math.hypot(...b);
      expect(cosine).toBeGreaterThan(0.9999);
    }
    // Running servers hold handles to the lost Chroma collection, so the procedure restarts them; a new
    // server (a fresh app over the same services) answers as the old one did before the loss.
    const restarted = await createAppHarness({ taskQueue: worker.taskQueue });
    try {
      const response = await restarted.app.request('http://astra.test/api/query', {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ collection: name, query: 'how do readers and writers share the database?', mode: 'vector', k: 3 }),
      });
      expect(response.status).toBe(200);
      const after = ((await response.json()) as any).results as Array<{ chunkId: string; score: number }>;
      expect(after.map((result) => result.chunkId)).toEqual(before.map((result) => result.chunkId));
    } finally {
      await restarted.close();
    }
  });

  it('an unknown collection name is refused with the names that exist', async () => {
    await expect(collectionsToRebuild(harness.pool, ['no-such-collection-xyz'])).rejects.toThrow(/no collection named no-such-collection-xyz; known: /);
  });
});
