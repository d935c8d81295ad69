// Retrieval on the real stack over a small folder: keyword scores are BM25 (recomputed here from the
// chunks' own terms), hybrid's order does not depend on k, and cached results follow the collection.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { workflows } from '@astra/workflows';
import { chromaClientFor } from '../chroma';
import { startTestWorker, type TestWorker } from '../testing/test-worker';
import { chunkSizeFor } from './chunker';
import { createCollectionsRepo, type Collection } from './collections-repo';
import { createRetriever, type Retriever } from './retrieval';

let worker: TestWorker;
let collection: Collection;
let folder: string;
let retriever: Retriever;

const pages: Record<string, string> = {
  'backups.md': '# Backups\n\nThe online backup API copies a live database a few pages at a time. Backups run every night.\n',
  'wal.md': '# Write-ahead log\n\nIn WAL mode readers do not block writers. A checkpoint moves WAL pages back into the database. The WAL file is reset after a checkpoint; a checkpoint can be started by hand.\n',
  'vacuum.md': '# Vacuum\n\nVACUUM rebuilds the database file and needs free disk space of about twice the size of the database.\n',
  'locks.md': '# Locking\n\nA writer takes a reserved lock, then a pending lock, then an exclusive lock before it writes the database file.\n',
};

const ingest = () => worker.client.workflow.execute<typeof workflows.ingestCorpus>('ingestCorpus', {
  taskQueue: worker.taskQueue,
  workflowId: `retrieval-test-${randomBytes(5).toString('hex')}`,
  args: [{ collectionId: collection.id, source: { kind: 'path', path: folder } }],
});

beforeAll(async () => {
  worker = await startTestWorker();
  const owner = await worker.pool.query<{ id: string }>("insert into users (username, role) values ($1, 'user') returning id", [`retrieval-${randomBytes(4).toString('hex')}`]);
  collection = await createCollectionsRepo(worker.pool).findOrCreate({ ownerId: owner.rows[0]!.id, name: 'notes', embeddingModel: 'all-minilm-l6-v2', ...chunkSizeFor(256) });
  folder = await mkdtemp(path.join(os.tmpdir(), 'astra-retrieval-'));
  for (const [name, text] of Object.entries(pages)) await writeFile(path.join(folder, name), text);
  expect((await ingest()).new).toBe(Object.keys(pages).length);
  retriever = createRetriever({ pool: worker.pool, chroma: chromaClientFor(inject('services').chromaUrl), models: worker.models });
}, 300_000);

afterAll(async () => {
  await worker.stop();
  await rm(folder, { recursive: true, force: true });
});

/** BM25 (k1 1.2, b 0.75) of every chunk for the query, from the lexemes Postgres stored for each chunk. */
async function bm25Here(query: string): Promise<Map<string, number>> {
  const terms = (await worker.pool.query<{ lexeme: string }>("select distinct lexeme from unnest(to_tsvector('english', $1))", [query])).rows.map((row) => row.lexeme);
  const postings = (await worker.pool.query<{ id: string; lexeme: string; tf: number }>(
    'select c.id, t.lexeme, array_length(t.positions, 1) as tf from chunks c, unnest(c.search) t where c.collection_id = $1',
    [collection.id],
  )).rows;
  const lengths = new Map<string, number>();
  for (const { id, tf } of postings) lengths.set(id, (lengths.get(id) ?? 0) + tf);
  const average = [...lengths.values()].reduce((sum, length) => sum + length, 0) / lengths.size;
  const scores = new Map<string, number>();
  for (const term of terms) {
    const withTerm = postings.filter((posting) => posting.lexeme === term);
    const idf = Math.log(1 + (lengths.size - withTerm.length + 0.5) / (withTerm.length + 0.5));
    for (const { id, tf } of withTerm) scores.set(id, (scores.get(id) ?? 0) + idf * (tf * 2.2) / (tf + 1.2 * (0.25 + 0.75 * lengths.get(id)! / average)));
  }
  return scores;
}

describe('retrieval', () => {
  it('scores keyword matches with BM25: rare terms and repeated terms count, as the formula says', async () => {
    const query = 'when does a checkpoint reset the WAL file';
    const results = await retriever.retrieve({ collection, query, k: 4, mode: 'keyword' });
    // Equal scores (to float precision) go by chunk id, as the query orders them.
    const expected = [...(await bm25Here(query))].sort((a, b) => Number(b[1].toFixed(9)) - Number(a[1].toFixed(9)) || (a[0] < b[0] ? -1 : 1));
    expect(results.map((chunk) => chunk.chunkId)).toEqual(expected.slice(0, 4).map(([id]) => id));
    results.forEach((chunk, i) => expect(chunk.score).toBeCloseTo(expected[i]![1] / (1 + expected[i]![1]), 5));
    expect(path.basename(results[0]!.source)).toBe('wal.md');
  });

  it('gives hybrid results whose order does not depend on k', async () => {
    const query = 'how much disk space does rebuilding the database need';
    const five = await retriever.retrieve({ collection, query, k: 4, mode: 'hybrid' });
    const two = await retriever.retrieve({ collection, query, k: 2, mode: 'hybrid' });
    expect(two.map((chunk) => chunk.chunkId)).toEqual(five.slice(0, 2).map((chunk) => chunk.chunkId));
    expect(path.basename(five[0]!.source)).toBe('vacuum.md');
  });

  it('answers a repeated query from its cache until the collection changes, then searches again', async () => {
    const query = 'which lock does a writer hold before writing';
    const before = await retriever.retrieve({ collection, query, k: 1, mode: 'keyword' });
    expect(before[0]!.text).not.toContain('shared lock');
    await writeFile(path.join(folder, 'locks.md'), `${pages['locks.md']}\nReaders hold a shared lock; a writer waits for readers before it takes the exclusive lock to write.\n`);
    expect((await ingest()).updated).toBe(1);
    const after = await retriever.retrieve({ collection, query, k: 1, mode: 'keyword' });
    expect(after[0]!.text).toContain('shared lock');
    expect(await retriever.retrieve({ collection, query, k: 1, mode: 'keyword' })).toEqual(after);
  });

  it('searches again after a rebuild: a result cached while Chroma had lost its data is not served once the vectors are back', async () => {
    const query = 'readers do not block writers in write-ahead mode';
    await chromaClientFor(inject('services').chromaUrl).deleteCollection({ name: collection.chromaName });
    expect(await retriever.retrieve({ collection, query, k: 2, mode: 'vector' })).toEqual([]);
    const summary = await worker.client.workflow.execute<typeof workflows.rebuildCollection>('rebuildCollection', {
      taskQueue: worker.taskQueue,
      workflowId: `retrieval-rebuild-${randomBytes(5).toString('hex')}`,
      args: [{ collectionId: collection.id }],
    });
    expect(summary.vectors).toBe(summary.chunks);
    const after = await retriever.retrieve({ collection, query, k: 2, mode: 'vector' });
    expect(after).toHaveLength(2);
    // What a retriever with nothing cached finds now.
    const fresh = createRetriever({ pool: worker.pool, chroma: chromaClientFor(inject('services').chromaUrl), models: worker.models, caches: { results: 0 } });
    expect(after.map((chunk) => chunk.chunkId)).toEqual((await fresh.retrieve({ collection, query, k: 2, mode: 'vector' })).map((chunk) => chunk.chunkId));
  });

  it('reranks the fused candidates by their best sentence, and keeps every candidate and its text', async () => {
    const query = 'how much free disk space does VACUUM need';
    const fused = await retriever.retrieve({ collection, query, k: 4, mode: 'hybrid' });
    const reranked = await retriever.retrieve({ collection, query, k: 4, mode: 'hybrid', rerank: true });
    expect(new Set(reranked.map((chunk) => chunk.chunkId))).toEqual(new Set(fused.map((chunk) => chunk.chunkId)));
    expect(path.basename(reranked[0]!.source)).toBe('vacuum.md');
    for (let i = 1; i < reranked.length; i += 1) expect(reranked[i]!.score).toBeLessThanOrEqual(reranked[i - 1]!.score);
  });
});
