// `npm run bench:query`: retrieval latency (Astra's retriever: vector, BM25 keyword, hybrid, hybrid+rerank
// with no sentence vectors kept, and a repeated hybrid query answered from the cache) against a raw embed + Chroma query, same run, at 10k and 100k chunks. The sample corpus is ingested for real; the collection is then grown with
// near-copies of its chunks (real text, real vectors plus small noise), since embedding 100k chunks
// would take this machine half an hour and retrieval does not care how its vectors were made.
import { randomBytes } from 'node:crypto';
import { chromaClientFor, chromaCollectionFor, chunkSizeFor, createCollectionsRepo, createRetriever } from '@astra/activities';
import type { workflows } from '@astra/workflows';
import { copyOfSampleCorpus } from '../activities/src/rag/testing/corpus';
import { startBenchStack } from './support/stack';
import { percentile } from './support/stats';

const sizes = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const queriesPerSize = Number(process.env.BENCH_QUERIES ?? 100);
/** Queries per size that also run hybrid+rerank, which embeds every unit of 20 passages per query. */
const rerankQueries = Number(process.env.BENCH_RERANK_QUERIES ?? queriesPerSize);
const queries = [
  'how do I enable write-ahead logging', 'full text search ranking function', 'what is type affinity', 'how to attach another database',
  'vacuum reclaims free pages', 'foreign key constraints are off by default', 'window functions over partitions', 'json extract a value',
  'how does the query planner choose an index', 'backup a live database', 'date and time functions', 'maximum length of a string',
  'autoincrement versus rowid', 'explain query plan output', 'locking and concurrency', 'partial indexes with a where clause',
];

const stack = await startBenchStack();
try {
  const owner = await stack.pool.query<{ id: string }>("insert into users (username, role) values ('bench', 'admin') returning id");
  const collection = await createCollectionsRepo(stack.pool).findOrCreate({ ownerId: owner.rows[0]!.id, name: 'bench', embeddingModel: 'all-minilm-l6-v2', ...chunkSizeFor(256) });
  const seedCorpus = (await copyOfSampleCorpus(Number(process.env.BENCH_PAGES ?? 30))).dir;
  console.log(`ingesting ${seedCorpus} for real ...`);
  await stack.client.workflow.execute<typeof workflows.ingestCorpus>('ingestCorpus', {
    taskQueue: stack.taskQueue,
    workflowId: `bench-query-${randomBytes(4).toString('hex')}`,
    args: [{ collectionId: collection.id, source: { kind: 'path', path: seedCorpus } }],
  });
  const chroma = chromaClientFor(stack.chromaUrl);
  const vectors = await chromaCollectionFor(chroma, collection);
  const seed = await vectors.get({ include: ['embeddings', 'documents', 'metadatas'] });
  console.log(`real chunks: ${seed.ids.length}`);

  // No caches for the timed searches: every query is a real one. Made anew per size, since the copies below
  // are written around the ledger that the caches watch.
  const uncachedRetriever = () => createRetriever({ pool: stack.pool, chroma, models: stack.models, caches: { embeddings: 0, results: 0, rerankChunks: 0 } });
  let count = seed.ids.length;
  let copy = 0;
  for (const size of sizes) {
    while (count < size) {
      const batch = Math.min(2000, size - count);
      copy += 1;
      const ids: string[] = [];
      const embeddings: number[][] = [];
      const documents: string[] = [];
      const metadatas: Array<Record<string, string | number>> = [];
      for (let i = 0; i < batch; i += 1) {
        const j = (count + i) % seed.ids.length;
        const base = seed.embeddings[j]!;
        ids.push(`copy${copy}-${i}-${seed.ids[j]!}`.slice(0, 64));
        embeddings.push(base.map((value) => value + (Math.random() - 0.5) * 0.05));
        documents.push(seed.documents[j] ?? '');
        metadatas.push({ ...(seed.metadatas[j] ?? {}), owner: collection.ownerId });
      }
      await vectors.add({ ids, embeddings, documents, metadatas });
      await stack.pool.query(
        `insert into chunks (id, collection_id, document_id, source, ord, title, heading_path, start_offset, end_offset, text, search, term_count)
         select t.id, $2, r.document_id, r.source, 0, r.title, '{}', 0, 0, r.text, r.search, r.term_count
           from unnest($1::text[], $3::text[]) as t(id, seed) join chunks r on r.id = t.seed`,
        [ids, collection.id, ids.map((_, i) => seed.ids[(count + i) % seed.ids.length]!)],
      );
      await stack.pool.query(
        `insert into chunk_postings (collection_id, term, chunk_id, tf, dl, impact)
         select $2, p.term, t.id, p.tf, p.dl, p.impact
           from unnest($1::text[], $3::text[]) as t(id, seed) join chunk_postings p on p.chunk_id = t.seed`,
        [ids, collection.id, ids.map((_, i) => seed.ids[(count + i) % seed.ids.length]!)],
      );
      count += batch;
      if (count % 10000 < 2000) process.stdout.write(`  ${count} chunks\n`);
    }
    await stack.pool.query('analyze chunks, chunk_postings');
    const retriever = uncachedRetriever();
    const cachedRetriever = createRetriever({ pool: stack.pool, chroma, models: stack.models });
    // Warm every path.
    for (const mode of ['vector', 'keyword', 'hybrid'] as const) await retriever.retrieve({ collection, query: 'warm up', k: 5, mode });
    const ours: number[] = [];
    const raw: number[] = [];
    const keyword: number[] = [];
    const hybrid: number[] = [];
    const reranked: number[] = [];
    const repeated: number[] = [];
    for (let i = 0; i < queriesPerSize; i += 1) {
      const query = `${queries[i % queries.length]}${i >= queries.length ? ` ${i}` : ''}`;
      const timeOurs = async () => {
        const began = performance.now();
        await retriever.retrieve({ collection, query, k: 5, mode: 'vector' });
        ours.push(performance.now() - began);
      };
      const timeRaw = async () => {
        const began = performance.now();
        const { vectors: [embedding] } = await stack.models.embed({ model: 'all-minilm-l6-v2', texts: [query] });
        await vectors.query({ queryEmbeddings: [embedding!], nResults: 5, include: ['documents', 'metadatas', 'distances'] });
        raw.push(performance.now() - began);
      };
      if (i % 2 === 0) {
        await timeOurs();
        await timeRaw();
      } else {
        await timeRaw();
        await timeOurs();
      }
      const timed = async (into: number[], run: () => Promise<unknown>) => {
        const began = performance.now();
        await run();
        into.push(performance.now() - began);
      };
      await timed(keyword, () => retriever.retrieve({ collection, query, k: 5, mode: 'keyword' }));
      await timed(hybrid, () => retriever.retrieve({ collection, query, k: 5, mode: 'hybrid' }));
      if (i < rerankQueries) await timed(reranked, () => retriever.retrieve({ collection, query, k: 5, mode: 'hybrid', rerank: true }));
      await cachedRetriever.retrieve({ collection, query, k: 5, mode: 'hybrid' });
      await timed(repeated, () => cachedRetriever.retrieve({ collection, query, k: 5, mode: 'hybrid' }));
    }
    const row = (label: string, times: number[]) =>
      console.log(`  ${label.padEnd(34)} p50 ${percentile(times, 50).toFixed(1)} ms   p95 ${percentile(times, 95).toFixed(1)} ms   ratio p50 ${(percentile(times, 50) / percentile(raw, 50)).toFixed(2)}×`);
    const p50 = percentile(ours, 50) / percentile(raw, 50);
    console.log(`\n${count} chunks, ${queriesPerSize} queries, k=5`);
    console.log(`  raw embed + Chroma query   p50 ${percentile(raw, 50).toFixed(1)} ms   p95 ${percentile(raw, 95).toFixed(1)} ms`);
    console.log(`  Astra vector retrieval     p50 ${percentile(ours, 50).toFixed(1)} ms   p95 ${percentile(ours, 95).toFixed(1)} ms`);
    console.log(`  ratio                      p50 ${p50.toFixed(2)}×   p95 ${(percentile(ours, 95) / percentile(raw, 95)).toFixed(2)}×   target ≤ 1.3×  ${p50 <= 1.3 ? 'ok' : 'ABOVE TARGET'}`);
    row('Astra keyword (BM25) retrieval', keyword);
    row('Astra hybrid retrieval', hybrid);
    row(`Astra hybrid+rerank (${reranked.length} queries)`, reranked);
    row('Astra hybrid, repeated (cache)', repeated);
    console.log(`  keyword p50 ${percentile(keyword, 50).toFixed(1)} ms, target ≤ 20 ms  ${percentile(keyword, 50) <= 20 ? 'ok' : 'ABOVE TARGET'}`);
  }
} finally {
  await stack.stop();
}
