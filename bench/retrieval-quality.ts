// `npm run eval:retrieval -- --collection sqlite [--questions examples/corpora/sqlite-questions-full.json]`:
// hit@5 of vector, keyword and hybrid retrieval over an ingested collection, through the running server's API.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { api } from '../server/src/cli/api';
import { resolveCliConfig } from '../server/src/cli/config';

const { values } = parseArgs({ options: { collection: { type: 'string', default: 'sqlite' }, questions: { type: 'string', default: 'examples/corpora/sqlite-questions-full.json' }, k: { type: 'string', default: '5' } } });
const questionSet = z.object({ questions: z.array(z.object({ id: z.string(), question: z.string(), expected: z.array(z.string()).min(1) })) });
const { questions } = questionSet.parse(JSON.parse(await readFile(path.resolve(values.questions!), 'utf8')));
const config = resolveCliConfig();
const k = Number(values.k);
const result = z.object({ results: z.array(z.object({ source: z.string() })) });

const hits: Record<string, number> = { vector: 0, keyword: 0, hybrid: 0 };
const misses: Record<string, string[]> = { vector: [], keyword: [], hybrid: [] };
for (const { id, question, expected } of questions) {
  for (const mode of ['vector', 'keyword', 'hybrid']) {
    const { results } = await api(config, result, 'POST', '/api/query', { collection: values.collection, query: question, k, mode });
    if (results.some((entry) => expected.includes(path.basename(entry.source.split('#')[0]!)))) hits[mode]! += 1;
    else misses[mode]!.push(id);
  }
}
console.log(`hit@${k} over ${questions.length} questions on collection "${values.collection}":`);
for (const mode of ['vector', 'keyword', 'hybrid']) console.log(`  ${mode.padEnd(8)} ${(hits[mode]! / questions.length).toFixed(2)}   misses: ${misses[mode]!.join(' ') || '-'}`);
