// Retrieval quality on the sample corpus: 25 questions with the pages that answer them
// (examples/corpora/sqlite-questions.json). Reports hit@5 per mode; hybrid must match or beat both.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import type { workflows } from '@astra/workflows';
import { chromaClientFor } from '../chroma';
import { startTestWorker, type TestWorker } from '../testing/test-worker';
import { chunkSizeFor } from './chunker';
import { createCollectionsRepo, type Collection } from './collections-repo';
import { createRetriever, type RetrievalMode } from './retrieval';
import { sampleCorpusDir } from './testing/corpus';

const questionSet = z.object({ questions: z.array(z.object({ id: z.string(), question: z.string(), expected: z.array(z.string()).min(1) })) });

let worker: TestWorker;
let collection: Collection;

beforeAll(async () => {
  worker = await startTestWorker();
  const owner = await worker.pool.query<{ id: string }>("insert into users (username, role) values ($1, 'user') returning id", [`quality-${randomBytes(4).toString('hex')}`]);
  collection = await createCollectionsRepo(worker.pool).findOrCreate({ ownerId: owner.rows[0]!.id, name: 'sqlite-docs', embeddingModel: 'all-minilm-l6-v2', ...chunkSizeFor(256) });
  const summary = await worker.client.workflow.execute<typeof workflows.ingestCorpus>('ingestCorpus', {
    taskQueue: worker.taskQueue,
    workflowId: `quality-${randomBytes(4).toString('hex')}`,
    args: [{ collectionId: collection.id, source: { kind: 'path', path: sampleCorpusDir } }],
  });
  expect(summary.failed).toBe(0);
}, 600_000);

afterAll(() => worker.stop());

describe('retrieval quality on the SQLite documentation sample', () => {
  it('finds the answering page in the top 5 for most questions, hybrid at least as often as vector or keyword alone', async () => {
    const { questions } = questionSet.parse(JSON.parse(await readFile(path.join(sampleCorpusDir, '..', 'sqlite-questions.json'), 'utf8')));
    expect(questions.length).toBeGreaterThanOrEqual(25);
    const retriever = createRetriever({ pool: worker.pool, chroma: chromaClientFor(inject('services').chromaUrl), models: worker.models });
    const hits: Record<RetrievalMode, number> = { vector: 0, keyword: 0, hybrid: 0 };
    const misses: Record<RetrievalMode, string[]> = { vector: [], keyword: [], hybrid: [] };
    for (const { id, question, expected } of questions) {
      for (const mode of ['vector', 'keyword', 'hybrid'] as const) {
        const results = await retriever.retrieve({ collection, query: question, k: 5, mode });
        const pages = results.map((result) => path.basename(result.source));
        if (pages.some((page) => expected.includes(page))) hits[mode] += 1;
        else misses[mode].push(id);
      }
    }
    const rate = (mode: RetrievalMode) => hits[mode] / questions.length;
    console.log(`hit@5 over ${questions.length} questions: vector ${rate('vector').toFixed(2)}, keyword ${rate('keyword').toFixed(2)}, hybrid ${rate('hybrid').toFixed(2)}`);
    console.log(`misses: ${JSON.stringify(misses)}`);
    expect(rate('hybrid')).toBeGreaterThanOrEqual(rate('vector'));
    expect(rate('hybrid')).toBeGreaterThanOrEqual(rate('keyword'));
    expect(rate('hybrid')).toBeGreaterThanOrEqual(0.6);
  }, 120_000);
});
