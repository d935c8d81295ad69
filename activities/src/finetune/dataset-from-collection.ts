// A fine-tuning dataset written from a collection's chunks: the model asks one question a chunk answers,
// and the answer is quoted from the chunk (extractive, for small models that answer loosely) or written by
// the model from it. Each example is a chat line Prepare Dataset reads.
import { extractiveAnswer } from '@astra/workflows/answer';
import type pg from 'pg';
import type { ModelProvider } from '../models/provider';

export interface CollectionChunk {
  id: string;
  source: string;
  title: string | null;
  headingPath: string[];
  text: string;
}

export async function collectionChunks(pool: pg.Pool, collectionId: string, limit: number): Promise<CollectionChunk[]> {
  const rows = await pool.query<{ id: string; source: string; title: string | null; heading_path: string[]; text: string }>(
    'select id, source, title, heading_path, text from chunks where collection_id = $1 order by source, ord limit $2',
    [collectionId, limit],
  );
  return rows.rows.map((row) => ({ id: row.id, source: row.source, title: row.title, headingPath: row.heading_path, text: row.text }));
}

/** The first line of what the model wrote, when it is a question of a sensible length; otherwise nothing. */
export function questionFrom(written: string): string | undefined {
  const line = written.trim().split('\n')[0]!.replace(/^(question|q)\s*[:.-]\s*/i, '').replace(/^["'“]|["'”]$/g, '').trim();
  if (line.length < 10 || line.length > 300 || !line.endsWith('?')) return undefined;
  return line;
}

export interface ExampleRequest {
  model: string;
  chunk: CollectionChunk;
  style: 'extractive' | 'generative';
  system: string;
  signal?: AbortSignal;
}

/** One chat example from one chunk, or undefined when the model wrote no usable question. */
export async function exampleFromChunk(models: ModelProvider, request: ExampleRequest): Promise<string | undefined> {
  const { chunk } = request;
  const asked = await models.chat({ model: request.model, messages: [{ role: 'user', content: `${chunk.text}\n\nWrite one question that the text above answers. Reply with the question only.` }], maxTokens: 48, temperature: 0 }, { signal: request.signal });
  const question = questionFrom(asked.text);
  if (!question) return undefined;
  const answer = request.style === 'extractive'
    ? extractiveAnswer(question, [{ chunkId: chunk.id, source: chunk.source, title: chunk.title, headingPath: chunk.headingPath, text: chunk.text, score: 1, start: 0, end: chunk.text.length }], { sentences: 2 }).replace(/\s*\[1\]/g, '')
    : (await models.chat({ model: request.model, messages: [{ role: 'user', content: `${chunk.text}\n\nUsing only the text above, answer: ${question}` }], maxTokens: 200, temperature: 0 }, { signal: request.signal })).text.trim();
  if (answer === '' || answer.startsWith('The passages found have no sentence')) return undefined;
  const messages = [...(request.system ? [{ role: 'system', content: request.system }] : []), { role: 'user', content: question }, { role: 'assistant', content: answer }];
  return JSON.stringify({ messages });
}
