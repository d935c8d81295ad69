// The "RAG: ingest a folder, then answer" template re-run on an unchanged folder embeds and stores
// nothing (its Chunk node skips what the collection holds unchanged, by the same ledger check as
// `astra ingest`), and a changed page is the only one embedded again. RAG_RERUN_PAGES sets the folder's size
// (5 here; 100 measures the whole sample corpus).
/* eslint-disable @typescript-eslint/no-explicit-any -- the test reads the API's JSON answers as a client would, loosely */
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowExport } from '@astra/workflows/flow';
import { startTestWorker, type TestWorker } from '../../../activities/src/testing/test-worker';
import { copyOfSampleCorpus } from '../../../activities/src/rag/testing/corpus';
import { createAppHarness, type AppHarness } from '../testing/app-harness';

const pages = Number(process.env.RAG_RERUN_PAGES ?? 5);
let worker: TestWorker;
let harness: AppHarness;
let user: Awaited<ReturnType<AppHarness['newUser']>>;

beforeAll(async () => {
  worker = await startTestWorker();
  harness = await createAppHarness({ taskQueue: worker.taskQueue });
  // Load Files reads the server's folders, which only admins may do.
  user = await harness.newUser('admin');
});

afterAll(async () => {
  await harness?.close();
  await worker?.stop();
});

async function runToEnd(flowId: string, inputs: Record<string, string>): Promise<{ run: Record<string, any>; seconds: number }> {
  const began = performance.now();
  const started = await harness.call(user.token, 'POST', '/api/runs', { flowId, inputs });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  for (;;) {
    const { body } = await harness.call(user.token, 'GET', `/api/runs/${started.body.run.id}`);
    if (body.run.status !== 'running') return { run: body.run, seconds: (performance.now() - began) / 1000 };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const outputsOf = async (runId: string, nodeId: string) => (await harness.call(user.token, 'GET', `/api/runs/${runId}/nodes/${nodeId}/outputs`)).body.outputs;

describe('the ingest-and-answer template', () => {
  it('embeds nothing when re-run on an unchanged folder, and only the changed page after an edit', async () => {
    const template = flowExport.parse(JSON.parse(await readFile(path.resolve(import.meta.dirname, '../../../examples/flows/rag-ingest-and-answer.json'), 'utf8')));
    const created = await harness.call(user.token, 'POST', '/api/flows', { name: template.name, graph: template.graph });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const flowId = created.body.flow.id as string;
    const corpus = await copyOfSampleCorpus(pages);
    const inputs = { folder: corpus.dir, question: 'What does the ALTER TABLE command do?' };

    const first = await runToEnd(flowId, inputs);
    expect(first.run.status, first.run.error).toBe('succeeded');
    const embeddedFirst = (await outputsOf(first.run.id, 'embed')).embeddings.vectors.length;
    expect(embeddedFirst).toBeGreaterThan(0);
    const ledgerAfterFirst = (await harness.pool.query<{ source: string; version: number; updated_at: Date }>(
      "select d.source, d.version, d.updated_at from documents d join collections c on c.id = d.collection_id where c.owner_id = $1 and c.name = 'docs' order by d.source",
      [user.id],
    )).rows;
    expect(ledgerAfterFirst).toHaveLength(pages);

    const second = await runToEnd(flowId, inputs);
    expect(second.run.status, second.run.error).toBe('succeeded');
    console.log(`${pages} pages: first run ${first.seconds.toFixed(1)} s (${embeddedFirst} chunks embedded), re-run on the unchanged folder ${second.seconds.toFixed(1)} s`);
    expect((await outputsOf(second.run.id, 'chunk')).chunks).toEqual([]);
    expect((await outputsOf(second.run.id, 'embed')).embeddings.vectors).toEqual([]);
    // The ledger proves it: no document was written again.
    const ledgerAfterSecond = (await harness.pool.query<{ source: string; version: number; updated_at: Date }>(
      "select d.source, d.version, d.updated_at from documents d join collections c on c.id = d.collection_id where c.owner_id = $1 and c.name = 'docs' order by d.source",
      [user.id],
    )).rows;
    expect(ledgerAfterSecond).toEqual(ledgerAfterFirst);
    // And the answer still comes from the collection, with citations.
    expect(second.run.outputs.answer.citations.length).toBeGreaterThan(0);

    // One page changes: only it is chunked, embedded and stored again, as a new version.
    const changed = path.join(corpus.dir, corpus.files[0]!);
    await appendFile(changed, '\n<p>An added paragraph about renaming columns.</p>\n');
    const third = await runToEnd(flowId, inputs);
    expect(third.run.status, third.run.error).toBe('succeeded');
    const rechunked = (await outputsOf(third.run.id, 'chunk')).chunks as Array<{ source: string }>;
    expect(new Set(rechunked.map((chunk) => chunk.source))).toEqual(new Set([changed]));
    const versions = (await harness.pool.query<{ source: string; version: number }>(
      "select d.source, d.version from documents d join collections c on c.id = d.collection_id where c.owner_id = $1 and c.name = 'docs' and d.version > 1",
      [user.id],
    )).rows;
    expect(versions).toEqual([{ source: changed, version: 2 }]);
  }, 600_000);
});
