import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestWorker, type TestWorker } from '../../../activities/src/testing/test-worker';
import { copyOfSampleCorpus } from '../../../activities/src/rag/testing/corpus';
import { askEvents } from './query.routes';
import { createAppHarness, type AppHarness } from '../testing/app-harness';

let worker: TestWorker;
let harness: AppHarness;
let admin: { token: string; username: string };
let other: { token: string };
let corpus: { dir: string; files: string[] };

const call = (token: string, method: string, route: string, body?: unknown) =>
  harness.app.request(`http://astra.test${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

async function ingestAndWait(token: string, body: unknown): Promise<Record<string, unknown>> {
  const started = await call(token, 'POST', '/api/ingest', body);
  expect(started.status).toBe(202);
  const { workflowId } = (await started.json()) as { workflowId: string };
  for (;;) {
    const status = (await (await call(token, 'GET', `/api/ingest/${workflowId}`)).json()) as Record<string, unknown>;
    if (status.status !== 'running' && status.status !== 'unknown') return status;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  worker = await startTestWorker();
  harness = await createAppHarness({ taskQueue: worker.taskQueue });
  admin = await harness.newUser('admin');
  other = await harness.newUser('user');
  corpus = await copyOfSampleCorpus(8);
}, 120_000);

afterAll(async () => {
  await harness.close();
  await worker.stop();
  await rm(corpus.dir, { recursive: true, force: true });
});

describe('collections, ingest, query and ask over HTTP', () => {
  it('ingests a folder and reports exact progress and summary', async () => {
    const status = await ingestAndWait(admin.token, { collection: 'sqlite', path: corpus.dir });
    expect(status).toMatchObject({ status: 'completed', planned: 8, processed: 8, new: 8, failed: 0, deleted: 0 });
    const listed = (await (await call(admin.token, 'GET', '/api/collections')).json()) as { collections: Array<{ name: string; documents: number; chunks: number }> };
    expect(listed.collections).toEqual([expect.objectContaining({ name: 'sqlite', documents: 8, chunks: status.chunks })]);
  });

  it('answers queries in every mode with source, chunk id, score, title and text', async () => {
    for (const mode of ['hybrid', 'vector', 'keyword']) {
      const response = await call(admin.token, 'POST', '/api/query', { collection: 'sqlite', query: 'how do I attach another database file', k: 3, mode });
      expect(response.status).toBe(200);
      const { results } = (await response.json()) as { results: Array<{ source: string; chunkId: string; score: number; title: string; text: string }> };
      expect(results.length, mode).toBeGreaterThan(0);
      expect(results.length).toBeLessThanOrEqual(3);
      for (const result of results) {
        expect(result.source.startsWith(corpus.dir)).toBe(true);
        expect(result.chunkId).toMatch(/^[0-9a-f]{32}$/);
        expect(typeof result.score).toBe('number');
        expect(result.text.length).toBeGreaterThan(0);
      }
      const scores = results.map((result) => result.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    }
  });

  it('applies the relevance threshold and MMR diversity', async () => {
    const strict = (await (await call(admin.token, 'POST', '/api/query', { collection: 'sqlite', query: 'sqlite', k: 10, mode: 'vector', minScore: 0.99 })).json()) as { results: unknown[] };
    expect(strict.results).toEqual([]);
    const diverse = (await (await call(admin.token, 'POST', '/api/query', { collection: 'sqlite', query: 'database file format', k: 5, mode: 'hybrid', mmrLambda: 0.5 })).json()) as { results: Array<{ chunkId: string }> };
    expect(new Set(diverse.results.map((result) => result.chunkId)).size).toBe(diverse.results.length);
    expect(diverse.results.length).toBe(5);
  });

  const ask = async (body: Record<string, unknown>) => {
    const response = await call(admin.token, 'POST', '/api/ask', body);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = await response.text();
    const events = text.split('\n\n').filter(Boolean).map((block) => ({ event: /^event: (.*)$/m.exec(block)?.[1], data: /^data: (.*)$/m.exec(block)?.[1] ?? '' }));
    const tokens = events.filter((event) => event.event === 'token').map((event) => askEvents.token.parse(JSON.parse(event.data)).text);
    const answer = events.find((event) => event.event === 'answer');
    expect(answer, text).toBeDefined();
    return { tokens, result: askEvents.answer.parse(JSON.parse(answer!.data)) };
  };

  it('streams a generated answer with numbered citations that point to retrieved sources', async () => {
    const { tokens, result } = await ask({ collection: 'sqlite', question: 'What does the ATTACH DATABASE statement do?', k: 3, style: 'generative' });
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.join('')).toBe(result.answer);
    expect(result.citations.map((citation) => citation.number)).toEqual([1, 2, 3]);
    for (const citation of result.citations) expect(citation.source.startsWith(corpus.dir)).toBe(true);
  });

  it('quotes the passages with their [n] by default with the small default model, every [n] a retrieved source', async () => {
    const { tokens, result } = await ask({ collection: 'sqlite', question: 'What does the ATTACH DATABASE statement do?', k: 3 });
    expect(tokens).toEqual([]);
    const cited = [...result.answer.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1]));
    expect(cited.length).toBeGreaterThan(0);
    expect(cited.every((n) => n >= 1 && n <= 3)).toBe(true);
    expect(result.citations.filter((citation) => citation.cited).map((citation) => citation.number)).toEqual([...new Set(cited)].sort());
    expect(result.answer.toLowerCase()).toContain('attach');
  });

  it('keeps collections to their owner and says what is wrong with a bad query', async () => {
    expect((await call(other.token, 'POST', '/api/query', { collection: 'sqlite', query: 'attach' })).status).toBe(404);
    expect((await call(other.token, 'GET', '/api/collections/sqlite')).status).toBe(404);
    expect((await call(other.token, 'DELETE', '/api/collections/sqlite')).status).toBe(404);
    const unknown = await call(admin.token, 'POST', '/api/query', { collection: 'nope', query: 'attach' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/no collection named "nope"; yours: sqlite/);
    const empty = await call(admin.token, 'POST', '/api/query', { collection: 'sqlite', query: '   ' });
    expect(empty.status).toBe(400);
    const pathByUser = await call(other.token, 'POST', '/api/ingest', { collection: 'mine', path: corpus.dir });
    expect(pathByUser.status).toBe(403);
    const dataDir = await call(admin.token, 'POST', '/api/ingest', { collection: 'secrets', path: `${harness.dataDir}/credentials` });
    expect(dataDir.status).toBe(400);
    expect(((await dataDir.json()) as { error: string }).error).toMatch(/inside Astra's data folder/);
  });

  it('lets any user upload a file and ingests it', async () => {
    const started = await harness.app.request('http://astra.test/api/uploads?collection=notes&filename=field-notes.md', {
      method: 'POST',
      headers: { authorization: `Bearer ${other.token}`, 'content-type': 'application/octet-stream' },
      body: '# Field notes\n\n## Backups\n\nThe nightly backup copies the database with the online backup API.\n',
    });
    expect(started.status).toBe(202);
    const { workflowId } = (await started.json()) as { workflowId: string };
    let status: Record<string, unknown>;
    do {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = (await (await call(other.token, 'GET', `/api/ingest/${workflowId}`)).json()) as Record<string, unknown>;
    } while (status.status === 'running' || status.status === 'unknown');
    expect(status).toMatchObject({ status: 'completed', planned: 1, new: 1, failed: 0 });
    const { results } = (await (await call(other.token, 'POST', '/api/query', { collection: 'notes', query: 'nightly backup', k: 1 })).json()) as { results: Array<{ source: string; title: string }> };
    expect(results[0]!.title).toBe('Field notes');
    expect(results[0]!.source).toMatch(/field-notes\.md$/);
    const badName = await harness.app.request('http://astra.test/api/uploads?collection=notes&filename=../../etc/passwd', { method: 'POST', headers: { authorization: `Bearer ${other.token}` }, body: 'x' });
    expect(badName.status).toBe(400);
  });

  it('cancels a running ingest; what was indexed stays', async () => {
    const started = await call(admin.token, 'POST', '/api/ingest', { collection: 'cancelled', path: corpus.dir, batchSize: 1 });
    const { workflowId } = (await started.json()) as { workflowId: string };
    expect((await call(admin.token, 'POST', `/api/ingest/${workflowId}/cancel`)).status).toBe(202);
    let status: Record<string, unknown>;
    do {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = (await (await call(admin.token, 'GET', `/api/ingest/${workflowId}`)).json()) as Record<string, unknown>;
    } while (status.status === 'running' || status.status === 'unknown');
    expect(status.status).toBe('cancelled');
    expect(status.processed as number).toBeLessThan(8);
    expect((await call(other.token, 'POST', `/api/ingest/${workflowId}/cancel`)).status).toBe(404);
  });

  it('says so when a collection is empty, and deletes a collection with its vectors', async () => {
    await ingestAndWait(admin.token, { collection: 'empty', path: corpus.dir, glob: '*.none' });
    const empty = await call(admin.token, 'POST', '/api/query', { collection: 'empty', query: 'attach' });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: string }).error).toBe('collection "empty" is empty: ingest documents into it first');
    const deleted = await call(admin.token, 'DELETE', '/api/collections/empty');
    expect(deleted.status).toBe(200);
    expect((await call(admin.token, 'GET', '/api/collections/empty')).status).toBe(404);
  });
});
