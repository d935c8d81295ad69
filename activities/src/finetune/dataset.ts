// Fine-tuning datasets: JSONL in OpenAI's chat fine-tuning format or Alpaca style, validated line by
// line, normalised to chat messages, deduped, length-filtered against the base model, split
// train/validation by each example's hash (so the split is the same on every retry).
import { createHash } from 'node:crypto';
import { z } from 'zod';

const message = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string().min(1, 'content is empty') });

/** OpenAI's chat fine-tuning format: at least one user turn, ending on the assistant's reply that is trained. */
const chatExample = z.object({ messages: z.array(message).min(2, 'needs at least a user and an assistant message') }).refine(
  (example) => example.messages.at(-1)?.role === 'assistant' && example.messages.some((m) => m.role === 'user'),
  { message: 'messages must contain a user message and end with an assistant message', path: ['messages'] },
);

const alpacaExample = z.object({ instruction: z.string().min(1, 'instruction is empty'), input: z.string().default(''), output: z.string().min(1, 'output is empty') });

export type ChatExample = { messages: Array<z.infer<typeof message>> };

export interface DatasetLineError {
  line: number;
  reason: string;
}

/** A dataset with errors, refused as a whole: each bad line with its number and reason. */
export class DatasetError extends Error {
  override name = 'DatasetError';
  constructor(readonly errors: DatasetLineError[]) {
    super(`the dataset has ${errors.length} bad line${errors.length === 1 ? '' : 's'}: ${errors.slice(0, 5).map((e) => `line ${e.line}: ${e.reason}`).join('; ')}${errors.length > 5 ? '; …' : ''}`);
  }
}

const issueText = (error: z.ZodError) => {
  const issue = error.issues[0]!;
  return `${issue.path.length ? `${issue.path.map(String).join('.')}: ` : ''}${issue.message}`;
};

/** Parses every line; returns the examples and the bad lines (numbered from 1, blank lines ignored). */
export function parseDatasetJsonl(text: string): { examples: Array<ChatExample & { line: number }>; errors: DatasetLineError[]; lines: number; format: string } {
  const examples: Array<ChatExample & { line: number }> = [];
  const errors: DatasetLineError[] = [];
  const formats = new Set<string>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      errors.push({ line, reason: `not valid JSON (${error instanceof Error ? error.message : String(error)})` });
      return;
    }
    if (typeof value === 'object' && value !== null && 'messages' in value) {
      const parsed = chatExample.safeParse(value);
      if (!parsed.success) return void errors.push({ line, reason: issueText(parsed.error) });
      formats.add('openai-chat');
      examples.push({ line, messages: parsed.data.messages });
      return;
    }
    if (typeof value === 'object' && value !== null && 'instruction' in value) {
      const parsed = alpacaExample.safeParse(value);
      if (!parsed.success) return void errors.push({ line, reason: issueText(parsed.error) });
      formats.add('alpaca');
      const prompt = parsed.data.input ? `${parsed.data.instruction}\n\n${parsed.data.input}` : parsed.data.instruction;
      examples.push({ line, messages: [{ role: 'user', content: prompt }, { role: 'assistant', content: parsed.data.output }] });
      return;
    }
    errors.push({ line, reason: 'expected an object with "messages" (OpenAI chat format) or "instruction" and "output" (Alpaca)' });
  });
  return { examples, errors, lines: lines.filter((l) => l.trim() !== '').length, format: [...formats].sort().join('+') || 'none' };
}

export const exampleHash = (example: ChatExample) => createHash('sha256').update(JSON.stringify(example.messages)).digest('hex');

export interface PreparedDataset {
  train: ChatExample[];
  val: ChatExample[];
  sha256: string;
  stats: { lines: number; examples: number; duplicates: number; tooLong: number; skippedInvalid: number; train: number; val: number; format: string };
}

/** Dedupe, drop what does not fit `maxTokens`, then split by hash: at least one validation example, never all. */
export function prepareDataset(text: string, options: { skipInvalid: boolean; validationFraction: number; maxTokens: number; countTokens: (text: string) => number }): PreparedDataset {
  const parsed = parseDatasetJsonl(text);
  if (parsed.errors.length && !options.skipInvalid) throw new DatasetError(parsed.errors);
  const seen = new Set<string>();
  let duplicates = 0;
  let tooLong = 0;
  const kept: Array<{ example: ChatExample; hash: string }> = [];
  for (const { messages } of parsed.examples) {
    const example = { messages };
    const hash = exampleHash(example);
    if (seen.has(hash)) {
      duplicates++;
      continue;
    }
    seen.add(hash);
    // Chat template overhead is a few tokens a message; counted generously so nothing is cut in training.
    if (options.countTokens(example.messages.map((m) => m.content).join('\n')) + 8 * example.messages.length > options.maxTokens) {
      tooLong++;
      continue;
    }
    kept.push({ example, hash });
  }
  if (kept.length < 2) throw new DatasetError([{ line: parsed.lines, reason: `only ${kept.length} usable example${kept.length === 1 ? '' : 's'} after validation, dedupe and the length filter; at least 2 are needed` }]);
  const ordered = [...kept].sort((a, b) => a.hash.localeCompare(b.hash));
  const valCount = Math.min(kept.length - 1, Math.max(1, Math.round(kept.length * options.validationFraction)));
  const val = ordered.slice(0, valCount).map((k) => k.example);
  const valHashes = new Set(ordered.slice(0, valCount).map((k) => k.hash));
  const train = kept.filter((k) => !valHashes.has(k.hash)).map((k) => k.example);
  const sha256 = createHash('sha256').update(JSON.stringify({ train, val })).digest('hex');
  return { train, val, sha256, stats: { lines: parsed.lines, examples: parsed.examples.length, duplicates, tooLong, skippedInvalid: parsed.errors.length, train: train.length, val: val.length, format: parsed.format } };
}

export const toJsonl = (examples: ChatExample[]) => examples.map((example) => JSON.stringify(example)).join('\n') + '\n';
