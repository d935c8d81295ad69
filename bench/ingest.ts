// `npm run bench:ingest`: end-to-end ingestion (durable workflow, loaders, chunker, embedding, Chroma,
// ledger) against the raw embedding throughput of the same model at the same batch size, same run.
import { randomBytes } from 'node:crypto';
import { chunkSizeFor, createCollectionsRepo } from '@astra/activities';
import type { workflows } from '@astra/workflows';
import { copyOfSampleCorpus } from '../activities/src/rag/testing/corpus';
import { startBenchStack } from './support/stack';

// Default: 40 pages of the sample corpus (a few minutes here); BENCH_CORPUS=/usr/share/doc/sqlite3 for the full package.
const corpus = process.env.BENCH_CORPUS ?? (await copyOfSampleCorpus(Number(process.env.BENCH_PAGES ?? 40))).dir;
const stack = await startBenchStack();
try {
  const owner = await stack.pool.query<{ id: string }>("insert into users (username, role) values ('bench', 'admin') returning id");
  const collection = await createCollectionsRepo(stack.pool).findOrCreate({ ownerId: owner.rows[0]!.id, name: 'bench', embeddingModel: 'all-minilm-l6-v2', ...chunkSizeFor(256) });
  // Warm the model so neither side pays for loading it.
  await stack.models.embed({ model: 'all-minilm-l6-v2', texts: ['warm up'] });

  console.log(`ingesting ${corpus} ...`);
  const began = performance.now();
  const summary = await stack.client.workflow.execute<typeof workflows.ingestCorpus>('ingestCorpus', {
    taskQueue: stack.taskQueue,
    workflowId: `bench-ingest-${randomBytes(4).toString('hex')}`,
    args: [{ collectionId: collection.id, source: { kind: 'path', path: corpus } }],
  });
  const ingestSeconds = (performance.now() - began) / 1000;

  // The raw baseline: the very same chunk texts, embedded in batches of 32 with nothing else around.
  const texts = (await stack.pool.query<{ text: string }>('select text from chunks where collection_id = $1 order by source, ord', [collection.id])).rows.map((row) => row.text);
  const rawBegan = performance.now();
  for (let start = 0; start < texts.length; start += 32) await stack.models.embed({ model: 'all-minilm-l6-v2', texts: texts.slice(start, start + 32) });
  const rawSeconds = (performance.now() - rawBegan) / 1000;

  const endToEnd = summary.chunks / ingestSeconds;
  const raw = texts.length / rawSeconds;
  console.log('');
  console.log(`documents ${summary.planned} (${summary.failed} failed), chunks ${summary.chunks}`);
  console.log(`end-to-end ingest     ${endToEnd.toFixed(1)} chunks/s  (${ingestSeconds.toFixed(1)} s)`);
  console.log(`raw embedding (b=32)  ${raw.toFixed(1)} chunks/s  (${rawSeconds.toFixed(1)} s)`);
  console.log(`ratio                 ${(endToEnd / raw).toFixed(3)}   target ≥ 0.85  ${endToEnd / raw >= 0.85 ? 'ok' : 'BELOW TARGET'}`);
  console.log(`wall time outside embedding  ${(Math.max(0, 1 - rawSeconds / ingestSeconds) * 100).toFixed(1)} %`);
} finally {
  await stack.stop();
}
