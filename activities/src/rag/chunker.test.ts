import { readFile } from 'node:fs/promises';
import { getLlama, LlamaLogLevel, type Llama, type LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkDocument, chunkSizeFor, sentenceSeparators, type Chunk, type ChunkOptions } from './chunker';
import type { DocumentSection, LoadedDocument } from './document';
import { loadDocument } from './loaders';
import { resolveModelsDir } from '../models/config';
import { readModelManifest } from '../models/manifest';
import { sqlitePagePath } from './testing/corpus';

const sqlitePages = ['wal.html', 'fts5.html', 'lang_select.html', 'datatype3.html', 'lang_expr.html', 'pragma.html', 'docs.html', 'lang.html'];

/** Whitespace-separated words: the cheap counter. */
const countWords = (text: string) => {
  let words = 0;
  for (let i = 0, inWord = false; i < text.length; i++) {
    const space = /\s/.test(text[i]!);
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return words;
};
/** Charges for newlines and long words too, like byte-pair tokenizers do: pieces do not simply add up. */
const countPieces = (text: string) => (text.match(/\n|[^\s]{1,4}/g) ?? []).length + 1;
/** One token per three characters, whitespace included: forces cuts inside words. */
const countCharacters = (text: string) => Math.ceil(text.length / 3);

const doc = (text: string, sections?: DocumentSection[]): LoadedDocument => ({
  title: 'test',
  text,
  format: 'text',
  sections: sections ?? [{ headingPath: [], start: 0, end: text.length }],
});

/** A seeded generator, so every run checks the same "random" documents. */
function randomSource(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]) => items[int(0, items.length - 1)]!;
  return { next, int, pick };
}

const vocabulary = ['astra', 'workflow', 'durable', 'chunk', 'token', 'Temporal', 'e.g.', 'naïve', 'über', '数据库', '🙂', '👩‍💻', 'x', '—', '"quoted"', '(aside)'];

function randomDocument(seed: number): LoadedDocument {
  const random = randomSource(seed);
  const paragraphs: string[] = [];
  for (let p = random.int(0, 30); p > 0; p--) {
    const sentences: string[] = [];
    for (let s = random.int(1, 12); s > 0; s--) {
      const words = Array.from({ length: random.int(1, 40) }, () =>
        random.next() < 0.02 ? 'z'.repeat(random.int(50, 400)) : random.pick(vocabulary),
      );
      sentences.push(`${words.join(random.next() < 0.1 ? '  ' : ' ')}${random.pick(['.', '!', '?', '。', '', ';'])}`);
    }
    paragraphs.push(sentences.join(random.pick([' ', '\n', ' \t', '\n  '])));
  }
  const text = paragraphs.join(random.pick(['\n\n', '\n \n', '\n\n\n'])) + (random.next() < 0.5 ? '\n   ' : '');
  // Sections at random cuts, with gaps between some of them.
  const cuts = Array.from({ length: random.int(0, 6) }, () => random.int(0, text.length)).sort((a, b) => a - b);
  const sections: DocumentSection[] = [];
  let from = 0;
  cuts.forEach((cut, i) => {
    if (cut > from) sections.push({ headingPath: [`Part ${i + 1}`, ...(random.next() < 0.5 ? [`Sub ${i}`] : [])], start: from, end: random.next() < 0.3 ? Math.max(from, cut - 5) : cut });
    from = cut;
  });
  if (text.length > from) sections.push({ headingPath: ['Last'], start: from, end: text.length });
  return doc(text, sections);
}

/** What every chunking must satisfy, whatever the document and counter. */
function expectValidChunks(input: LoadedDocument, chunks: Chunk[], options: ChunkOptions): void {
  chunks.forEach((chunk, i) => {
    expect(chunk.index).toBe(i);
    expect(chunk.text).toBe(input.text.slice(chunk.start, chunk.end));
    expect(chunk.text.trim()).toBe(chunk.text);
    expect(chunk.text).not.toBe('');
    expect(chunk.tokens).toBe(options.countTokens(chunk.text));
    expect(chunk.tokens).toBeLessThanOrEqual(options.chunkTokens);
    // Inside one section (or one gap between sections), under that section's heading path.
    const section = input.sections.find((s) => s.start <= chunk.start && chunk.start < s.end);
    if (section) {
      expect(chunk.end).toBeLessThanOrEqual(section.end);
      expect(chunk.headingPath).toEqual(section.headingPath);
    } else {
      expect(chunk.headingPath).toEqual([]);
      expect(input.sections.some((s) => chunk.start < s.start && s.start < chunk.end)).toBe(false);
    }
    const previous = chunks[i - 1];
    if (previous && previous.headingPath.join('\u0000') === chunk.headingPath.join('\u0000') && chunk.start < previous.end) {
      expect(chunk.start).toBeGreaterThan(previous.start);
      expect(previous.end - chunk.start).toBeLessThan(chunk.end - chunk.start);
    }
  });
  // No text is lost: every non-blank character is in some chunk.
  const covered = new Uint8Array(input.text.length);
  for (const chunk of chunks) covered.fill(1, chunk.start, chunk.end);
  for (let i = 0; i < input.text.length; i++) {
    if (!covered[i] && /\S/.test(input.text[i]!)) throw new Error(`character ${i} (${JSON.stringify(input.text.slice(i - 10, i + 10))}) is in no chunk`);
  }
}

describe('chunkSizeFor', () => {
  it('keeps the 1000/200 default for models with room for it', () => {
    expect(chunkSizeFor(8192)).toEqual({ chunkTokens: 1000, overlapTokens: 200 });
    expect(chunkSizeFor(1002)).toEqual({ chunkTokens: 1000, overlapTokens: 200 });
  });

  it('shrinks the default to fit a 256-token model beside its two special tokens, with about 20% overlap', () => {
    expect(chunkSizeFor(256)).toEqual({ chunkTokens: 254, overlapTokens: 51 });
    expect(chunkSizeFor(512)).toEqual({ chunkTokens: 510, overlapTokens: 102 });
    expect(chunkSizeFor(256, { chunkTokens: 200 })).toEqual({ chunkTokens: 200, overlapTokens: 40 });
    expect(chunkSizeFor(256, { overlapTokens: 0 })).toEqual({ chunkTokens: 254, overlapTokens: 0 });
  });

  it('refuses sizes the model cannot take, saying what fits', () => {
    expect(() => chunkSizeFor(256, { chunkTokens: 1000 })).toThrow(
      'chunk size 1000 tokens is larger than the embedding model takes: its context is 256 tokens, 2 of them for special tokens, so chunks can be at most 254 tokens',
    );
    expect(() => chunkSizeFor(256, { chunkTokens: 255 })).toThrow(/at most 254 tokens/);
    expect(() => chunkSizeFor(256, { chunkTokens: 100, overlapTokens: 100 })).toThrow(/overlap must be .* less than the chunk size \(100\), got 100/);
    expect(() => chunkSizeFor(2)).toThrow(/context must be a whole number of tokens above 2/);
  });
});

describe('chunkDocument with a whitespace word counter', () => {
  const sentence = (n: number) => `Sentence ${n} has exactly seven words here.`;

  it('merges small paragraphs up to the budget, cutting only between paragraphs', () => {
    const paragraphs = Array.from({ length: 10 }, (_, p) => [sentence(3 * p), sentence(3 * p + 1), sentence(3 * p + 2)].join(' '));
    const input = doc(paragraphs.join('\n\n'));
    const chunks = chunkDocument(input, { chunkTokens: 70, overlapTokens: 0, countTokens: countWords });
    expect(chunks.map((chunk) => chunk.text)).toEqual([
      paragraphs.slice(0, 3).join('\n\n'),
      paragraphs.slice(3, 6).join('\n\n'),
      paragraphs.slice(6, 9).join('\n\n'),
      paragraphs[9],
    ]);
    expect(chunks.map((chunk) => chunk.tokens)).toEqual([63, 63, 63, 21]);
  });

  it('cuts an oversized paragraph at sentences, and starts each chunk with whole sentences from the end of the previous one', () => {
    const input = doc(Array.from({ length: 12 }, (_, n) => sentence(n)).join(' '));
    const options = { chunkTokens: 30, overlapTokens: 10, countTokens: countWords };
    const chunks = chunkDocument(input, options);
    expectValidChunks(input, chunks, options);
    expect(chunks.map((chunk) => chunk.text)).toEqual([
      [0, 1, 2, 3].map(sentence).join(' '),
      [3, 4, 5, 6].map(sentence).join(' '),
      [6, 7, 8, 9].map(sentence).join(' '),
      [9, 10, 11].map(sentence).join(' '),
    ]);
  });

  it('falls back to words, then characters, for text without better places to cut', () => {
    const words = doc(Array.from({ length: 100 }, (_, n) => `w${n}`).join(' '));
    const byWords = chunkDocument(words, { chunkTokens: 25, overlapTokens: 5, countTokens: countWords });
    expect(byWords.map((chunk) => chunk.tokens)).toEqual([25, 25, 25, 25, 20]);
    expect(byWords[1]!.text.startsWith('w20 w21 w22 w23 w24 w25')).toBe(true);

    const blob = doc(`start ${'QUJD'.repeat(2000)} end`);
    const options = { chunkTokens: 100, overlapTokens: 10, countTokens: countCharacters };
    const chunks = chunkDocument(blob, options);
    expectValidChunks(blob, chunks, options);
    expect(chunks.length).toBeGreaterThanOrEqual(27);
  });

  it('never lets a chunk span two sections, and labels it with its section’s heading path', () => {
    const text = 'Intro text.\n\nInstall\n\nRun the installer now.\n\nOn Debian\n\nUse apt.';
    const input = doc(text, [
      { headingPath: ['Install'], start: text.indexOf('Install'), end: text.indexOf('On Debian') },
      { headingPath: ['Install', 'On Debian'], start: text.indexOf('On Debian'), end: text.length },
    ]);
    const chunks = chunkDocument(input, { chunkTokens: 1000, overlapTokens: 200, countTokens: countWords });
    expect(chunks.map(({ text: chunkText, headingPath }) => ({ chunkText, headingPath }))).toEqual([
      { chunkText: 'Intro text.', headingPath: [] },
      { chunkText: 'Install\n\nRun the installer now.', headingPath: ['Install'] },
      { chunkText: 'On Debian\n\nUse apt.', headingPath: ['Install', 'On Debian'] },
    ]);
  });

  it('gives no chunks for empty or blank documents', () => {
    expect(chunkDocument(doc(''), { chunkTokens: 10, overlapTokens: 2, countTokens: countWords })).toEqual([]);
    expect(chunkDocument(doc(' \n\n\t \n'), { chunkTokens: 10, overlapTokens: 2, countTokens: countWords })).toEqual([]);
  });

  it('refuses options that cannot work', () => {
    const input = doc('some text');
    expect(() => chunkDocument(input, { chunkTokens: 0, overlapTokens: 0, countTokens: countWords })).toThrow(/chunkTokens must be a whole number of at least 1, got 0/);
    expect(() => chunkDocument(input, { chunkTokens: 10, overlapTokens: 10, countTokens: countWords })).toThrow(/overlapTokens must be .* less than chunkTokens \(10\), got 10/);
    expect(() => chunkDocument(input, { chunkTokens: 2, overlapTokens: 0, countTokens: (text) => 2 + countWords(text) })).toThrow(/gives 2 tokens for empty text/);
  });

  it('keeps every chunk within budget, exact to its offsets, in one section, and loses no text, over 300 random documents and 3 counters', () => {
    const counters = [countWords, countPieces, countCharacters];
    let checked = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const random = randomSource(seed * 7919);
      const input = randomDocument(seed);
      const chunkTokens = random.int(4, 300);
      const options = { chunkTokens, overlapTokens: random.int(0, chunkTokens - 1), countTokens: counters[seed % counters.length]! };
      const chunks = chunkDocument(input, options);
      expectValidChunks(input, chunks, options);
      expect(chunkDocument(input, options)).toEqual(chunks);
      checked += chunks.length;
    }
    expect(checked).toBeGreaterThan(3000);
  });

  it('chunks real SQLite documentation pages within budget at several sizes', async () => {
    for (const page of sqlitePages) {
      const [input] = await loadDocument({ bytes: await readFile(await sqlitePagePath(page)), fileName: page });
      for (const [chunkTokens, overlapTokens] of [[1000, 200], [120, 24], [40, 0], [16, 15]] as const) {
        const options = { chunkTokens, overlapTokens, countTokens: countWords };
        const chunks = chunkDocument(input!, options);
        expectValidChunks(input!, chunks, options);
        expect(chunks.length).toBeGreaterThan(0);
      }
    }
  });

  it('chunks 1 MB of text counting each character only a few times (linear work)', () => {
    const random = randomSource(42);
    const parts: string[] = [];
    let length = 0;
    while (length < 1_000_000) {
      const part = `${Array.from({ length: random.int(5, 60) }, () => random.pick(vocabulary)).join(' ')}.${random.pick([' ', '\n', '\n\n'])}`;
      parts.push(part);
      length += part.length;
    }
    const input = doc(parts.join(''));
    let countedCharacters = 0;
    const countAndTally = (text: string) => {
      countedCharacters += text.length;
      return countWords(text);
    };
    const options = { chunkTokens: 1000, overlapTokens: 200, countTokens: countAndTally };
    const began = performance.now();
    const chunks = chunkDocument(input, options);
    const elapsedMs = performance.now() - began;
    console.info(`chunked ${input.text.length} characters into ${chunks.length} chunks in ${elapsedMs.toFixed(0)} ms, counting ${(countedCharacters / input.text.length).toFixed(2)} characters per character`);
    // The work bound, not a stopwatch: each character is counted a few times at most, never once per chunk.
    expect(countedCharacters).toBeLessThan(input.text.length * 5);
    expectValidChunks(input, chunks, options);
  });
});

describe('chunkDocument with the MiniLM tokenizer (node-llama-cpp)', () => {
  let llama: Llama;
  let model: LlamaModel;
  let countTokens: (text: string) => number;
  let contextLength: number;

  beforeAll(async () => {
    const minilm = (await readModelManifest(resolveModelsDir())).find((entry) => entry.name === 'all-minilm-l6-v2');
    if (!minilm) throw new Error('all-minilm-l6-v2 is missing from the model manifest');
    contextLength = minilm.contextLength;
    llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
    model = await llama.loadModel({ modelPath: minilm.path });
    countTokens = (text) => model.tokenize(text).length;
  });

  afterAll(async () => {
    await model?.dispose();
    await llama?.dispose();
  });

  it('fits every chunk of real SQLite pages, special tokens included, into the model’s 256-token context', async () => {
    const options = { ...chunkSizeFor(contextLength), countTokens };
    expect(options).toMatchObject({ chunkTokens: 254, overlapTokens: 51 });
    let total = 0;
    for (const page of sqlitePages) {
      const [input] = await loadDocument({ bytes: await readFile(await sqlitePagePath(page)), fileName: page });
      const chunks = chunkDocument(input!, options);
      expectValidChunks(input!, chunks, options);
      for (const chunk of chunks) expect(chunk.tokens + 2).toBeLessThanOrEqual(contextLength);
      total += chunks.length;
    }
    expect(total).toBeGreaterThan(100);
  });

  it('keeps random documents within budget with the real tokenizer', () => {
    for (let seed = 1000; seed < 1060; seed++) {
      const input = randomDocument(seed);
      const options = { chunkTokens: 16 + (seed % 5) * 40, overlapTokens: (seed % 3) * 7, countTokens };
      expectValidChunks(input, chunkDocument(input, options), options);
    }
  });
});

describe('sentence ends', () => {
  // The pattern the scanner replaced: right on short text, quadratic on a long run of dots.
  const previousPattern = /([.!?…]+["')\]’”»]*)\s+|([。！？]+)\s*/g;

  it('finds exactly the separators the previous pattern found, over 2,000 random strings', () => {
    const random = randomSource(7);
    const alphabet = ['.', '.', '!', '?', '…', '"', ')', '’', '»', '。', '！', '？', ' ', ' ', '\n', '\u00a0', 'a', 'b', 'c'];
    for (let n = 0; n < 2_000; n++) {
      const text = Array.from({ length: random.int(0, 40) }, () => random.pick(alphabet)).join('');
      const expected = [...text.matchAll(previousPattern)].map((m) => ({ index: m.index, length: m[0].length, keep: (m[1] ?? m[2] ?? '').length }));
      expect([...sentenceSeparators(text)], JSON.stringify(text)).toEqual(expected);
    }
  });

  it('chunks text with a 300,000-character run of dots, which the previous pattern took minutes over', () => {
    const text = `Intro sentence here. ${'.'.repeat(300_000)} Then more text! ${'?!'.repeat(50_000)}x And the end.`;
    const options = { chunkTokens: 50, overlapTokens: 10, countTokens: countCharacters };
    const input = doc(text);
    expectValidChunks(input, chunkDocument(input, options), options);
  });
});
