// Dataset from Collection on the real stack: pages of the shipped corpus are ingested into a collection by a
// flow, then the node writes chat examples from its chunks (the small model asks, the answer is quoted from
// the chunk) and Prepare Dataset accepts them; a missing collection fails naming the field.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fineTuneJobSchema } from '@astra/workflows/flow';
import { graphOf } from '../../../server/src/flows/testing/graphs';
import { copyOfSampleCorpus } from '../rag/testing/corpus';
import { createRunStore } from '../nodes/run-store';
import { runFlowInput, startRunFlow, startTestWorker, type TestWorker } from '../testing/test-worker';

let worker: TestWorker;
let corpus: { dir: string; files: string[] };
let ownerId: string;

beforeAll(async () => {
  worker = await startTestWorker();
  corpus = await copyOfSampleCorpus(2);
  // Load Files reads the server's files, which only admins may do.
  ownerId = (await worker.pool.query<{ id: string }>("insert into users (username, role) values ($1, 'admin') returning id", [`dataset-${randomUUID().slice(0, 8)}`])).rows[0]!.id;
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  if (corpus) await rm(corpus.dir, { recursive: true, force: true });
});

const example = z.object({ messages: z.tuple([z.object({ role: z.literal('user'), content: z.string() }), z.object({ role: z.literal('assistant'), content: z.string() })]) });

describe('Dataset from Collection', () => {
  it('writes chat examples from a collection\'s chunks, with answers quoted from them, that Prepare Dataset accepts', async () => {
    const collection = `dataset-${randomUUID().slice(0, 8)}`;
    const ingest = runFlowInput(graphOf(
      [{ id: 'folder', type: 'io.input', params: { name: 'folder' } }, { id: 'load', type: 'sources.load-files' }, { id: 'chunk', type: 'rag.chunk' }, { id: 'embed', type: 'rag.embed' }, { id: 'store', type: 'rag.store', params: { collection } }],
      ['folder.value>load.path', 'load.documents>chunk.documents', 'chunk.chunks>embed.chunks', 'chunk.chunks>store.chunks', 'embed.embeddings>store.embeddings'],
    ), { ownerId, inputs: { folder: corpus.dir } });
    expect((await (await startRunFlow(worker, ingest)).result()).status).toBe('succeeded');

    const write = runFlowInput(graphOf(
      [
        { id: 'write', type: 'training.dataset-from-collection', params: { collection, maxChunks: 6 } },
        { id: 'prepare', type: 'training.prepare-dataset', params: { validationFraction: 0.2 } },
        { id: 'data', type: 'io.output', params: { name: 'data' } },
        { id: 'job', type: 'io.output', params: { name: 'job' } },
      ],
      ['write.data>prepare.data', 'write.data>data.value', 'prepare.job>job.value'],
    ), { ownerId });
    const result = await (await startRunFlow(worker, write)).result();
    const store = createRunStore(worker.pool);
    const lines = z.string().parse(await store.resolve(result.outputs.data!)).split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const chunkTexts = (await worker.pool.query<{ text: string }>('select c.text from chunks c join collections k on k.id = c.collection_id where k.name = $1 and k.owner_id = $2', [collection, ownerId])).rows.map((row) => row.text.replace(/\s+/g, ' '));
    for (const line of lines) {
      const [question, answer] = example.parse(JSON.parse(line)).messages;
      expect(question.content.endsWith('?')).toBe(true);
      // Quoted: every sentence of the answer stands in one of the collection's chunks.
      expect(chunkTexts.some((text) => text.includes(answer.content.slice(0, 60))), answer.content).toBe(true);
    }
    const job = fineTuneJobSchema.parse(await store.resolve(result.outputs.job!));
    expect(job.dataset.stats.train + job.dataset.stats.val).toBe(lines.length);
  }, 600_000);

  it('fails naming the collection param when the owner has no such collection', async () => {
    const input = runFlowInput(graphOf([{ id: 'write', type: 'training.dataset-from-collection', params: { collection: 'no-such-collection' } }], []), { ownerId });
    const failure = await (await startRunFlow(worker, input)).result().then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String((failure as WorkflowFailedError).cause?.message)).toMatch(/params\.collection: you have no collection named "no-such-collection"/);
  }, 120_000);
});
