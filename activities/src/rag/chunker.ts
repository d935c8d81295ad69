// Token-aware recursive chunking: a document is cut at its sections, then (only where a piece is
// over budget) at paragraphs, lines, sentences, words and finally characters; neighbouring pieces
// are merged back up to the budget, and each chunk starts with an overlap taken from the end of the
// one before. Every piece is counted once and every chunk once more to verify it, so the counter
// runs over the text a small constant number of times, never once per merge attempt.
import type { DocumentSection, LoadedDocument } from './document';

export interface Chunk {
  index: number;
  text: string;
  start: number;
  end: number;
  headingPath: string[];
  tokens: number;
}

export interface ChunkOptions {
  chunkTokens: number;
  overlapTokens: number;
  countTokens: (text: string) => number;
}

export const defaultChunkTokens = 1000;
export const defaultOverlapTokens = 200;
/** Tokens an embedding model adds around every input ([CLS]/[SEP] for BERT models such as MiniLM). */
export const embeddingSpecialTokens = 2;
const defaultOverlapShare = defaultOverlapTokens / defaultChunkTokens;

/**
 * Chunk and overlap sizes for an embedding model with `modelContextTokens` of context: the 1000/200
 * default shrinks to what fits beside the special tokens, keeping the overlap at about a fifth; a
 * requested size the model cannot take is refused rather than silently truncated at embed time.
 */
export function chunkSizeFor(
  modelContextTokens: number,
  requested: { chunkTokens?: number; overlapTokens?: number } = {},
): { chunkTokens: number; overlapTokens: number } {
  if (!Number.isInteger(modelContextTokens) || modelContextTokens <= embeddingSpecialTokens) {
    throw new RangeError(`an embedding model's context must be a whole number of tokens above ${embeddingSpecialTokens}, got ${modelContextTokens}`);
  }
  const fits = modelContextTokens - embeddingSpecialTokens;
  const chunkTokens = requested.chunkTokens ?? Math.min(defaultChunkTokens, fits);
  if (!Number.isInteger(chunkTokens) || chunkTokens < 1) throw new RangeError(`chunk size must be a whole number of tokens of at least 1, got ${chunkTokens}`);
  if (chunkTokens > fits) {
    throw new RangeError(
      `chunk size ${chunkTokens} tokens is larger than the embedding model takes: its context is ${modelContextTokens} tokens, ` +
        `${embeddingSpecialTokens} of them for special tokens, so chunks can be at most ${fits} tokens`,
    );
  }
  const overlapTokens = requested.overlapTokens ?? Math.round(chunkTokens * defaultOverlapShare);
  if (!Number.isInteger(overlapTokens) || overlapTokens < 0 || overlapTokens >= chunkTokens) {
    throw new RangeError(`overlap must be a whole number of tokens from 0 to less than the chunk size (${chunkTokens}), got ${overlapTokens}`);
  }
  return { chunkTokens, overlapTokens };
}

// Where text may be cut, coarsest first; a piece is cut at the next level only when it is over budget.
const paragraphLevel = 0;
const lineLevel = 1;
const sentenceLevel = 2;
const wordLevel = 3;
const characterLevel = 4;
/** A separator found in text: where it starts, its length, and how much of it stays with the text before it. */
interface Separator {
  index: number;
  length: number;
  keep: number;
}

const regexSeparators = (pattern: RegExp) =>
  function* (text: string): Generator<Separator> {
    for (const match of text.matchAll(pattern)) yield { index: match.index, length: match[0].length, keep: 0 };
  };

const sentenceEnds = new Set(['.', '!', '?', '…']);
const sentenceClosers = new Set(['"', "'", ')', ']', '’', '”', '»']);
const wideSentenceEnds = new Set(['。', '！', '？']);
const isSpace = (char: string | undefined) => char !== undefined && /\s/.test(char);

/**
 * Sentence ends: a run of `.!?…` and any closing quotes or brackets, followed by whitespace (which
 * is the separator), or a run of `。！？` with optional whitespace. One pass over the text: the
 * regular expression this replaces retried every dot of a long run of dots, quadratic in its length.
 */
export function* sentenceSeparators(text: string): Generator<Separator> {
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (sentenceEnds.has(char) || wideSentenceEnds.has(char)) {
      const ends = sentenceEnds.has(char) ? sentenceEnds : wideSentenceEnds;
      let kept = i;
      while (kept < text.length && ends.has(text[kept]!)) kept++;
      if (ends === sentenceEnds) while (kept < text.length && sentenceClosers.has(text[kept]!)) kept++;
      let end = kept;
      while (isSpace(text[end])) end++;
      if (end > kept || ends === wideSentenceEnds) {
        yield { index: i, length: end - i, keep: kept - i };
        i = end;
      } else {
        i = kept;
      }
    } else {
      i++;
    }
  }
}

// Each level finds its separators in one linear pass.
const separators: Record<number, (text: string) => Iterable<Separator>> = {
  [paragraphLevel]: regexSeparators(/\n[ \t]*\n\s*/g),
  [lineLevel]: regexSeparators(/\n\s*/g),
  [sentenceLevel]: sentenceSeparators,
  [wordLevel]: regexSeparators(/\s+/g),
};

/** A stretch of text without whitespace at either end; `cost` is its token count minus the counter's fixed overhead. */
interface Piece {
  start: number;
  end: number;
  cost: number;
  level: number;
}

function trimmedSpan(text: string, start: number, end: number): { start: number; end: number } | undefined {
  let from = start;
  let to = end;
  while (from < to && /\s/.test(text[from]!)) from++;
  while (to > from && /\s/.test(text[to - 1]!)) to--;
  return from < to ? { start: from, end: to } : undefined;
}

/** The non-blank spans of `text[start, end)` between separators of `level`. */
function splitAt(text: string, start: number, end: number, level: number): Array<{ start: number; end: number }> {
  const spans: Array<{ start: number; end: number }> = [];
  let from = start;
  // Matched on the slice so a search never runs on past `end` through the rest of the document.
  for (const separator of separators[level]!(text.slice(start, end))) {
    const at = start + separator.index;
    const span = trimmedSpan(text, from, at + separator.keep);
    if (span) spans.push(span);
    from = at + separator.length;
  }
  const last = trimmedSpan(text, from, end);
  if (last) spans.push(last);
  return spans;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/** The nearest cut at or before `at` that does not split a surrogate pair. */
function codePointCut(text: string, at: number, min: number): number {
  return at > min && at < text.length && isHighSurrogate(text.charCodeAt(at - 1)) ? at - 1 : at;
}

class SectionChunker {
  readonly overhead: number;

  constructor(
    private readonly text: string,
    private readonly options: ChunkOptions,
  ) {
    this.overhead = options.countTokens('');
  }

  private count(start: number, end: number): number {
    return this.options.countTokens(this.text.slice(start, end));
  }

  /** Pieces of one section, each within budget on its own (counted with the separator before it). */
  pieces(start: number, end: number): Piece[] {
    const pieces: Piece[] = [];
    let lead = start;
    for (const span of splitAt(this.text, start, end, paragraphLevel)) {
      this.addSpan(span.start, span.end, lead, paragraphLevel, pieces);
      lead = span.end;
    }
    return pieces;
  }

  private addSpan(start: number, end: number, lead: number, level: number, out: Piece[], known?: number): void {
    const tokens = known ?? this.count(lead, end);
    if (tokens <= this.options.chunkTokens) {
      out.push({ start, end, cost: tokens - this.overhead, level });
      return;
    }
    if (level + 1 >= characterLevel) {
      this.addCharacters(start, end, lead, out);
      return;
    }
    const parts = splitAt(this.text, start, end, level + 1);
    if (parts.length === 1) {
      this.addSpan(start, end, lead, level + 1, out, tokens);
      return;
    }
    let partLead = lead;
    for (const part of parts) {
      this.addSpan(part.start, part.end, partLead, level + 1, out);
      partLead = part.end;
    }
  }

  /** The last resort for text without usable separators: the longest prefixes that fit, found by galloping search. */
  addCharacters(start: number, end: number, lead: number, out: Piece[]): void {
    const budget = this.options.chunkTokens;
    let from = start;
    let fromLead = lead;
    while (from < end) {
      const tokensTo = (cut: number) => this.count(fromLead, cut);
      let good = Math.min(end, from + (isHighSurrogate(this.text.charCodeAt(from)) ? 2 : 1));
      let goodTokens = tokensTo(good);
      if (goodTokens > budget && fromLead < from) {
        fromLead = from;
        goodTokens = tokensTo(good);
      }
      if (goodTokens > budget) {
        throw new RangeError(`the character at offset ${from} alone takes more than chunkTokens (${budget}) tokens with this counter`);
      }
      let bad = end + 1;
      for (let step = Math.max(1, budget); good < end; step *= 2) {
        const probe = codePointCut(this.text, Math.min(end, good + step), good);
        if (probe <= good) break;
        const probeTokens = tokensTo(probe);
        if (probeTokens > budget) {
          bad = probe;
          break;
        }
        good = probe;
        goodTokens = probeTokens;
      }
      while (bad - good > 1 && good < end) {
        const middle = codePointCut(this.text, Math.floor((good + bad) / 2), good);
        if (middle <= good) break;
        const middleTokens = tokensTo(middle);
        if (middleTokens > budget) {
          bad = middle;
        } else {
          good = middle;
          goodTokens = middleTokens;
        }
      }
      // Only a piece that failed to add up can hold whitespace here; its chunks still start and end on text.
      const span = trimmedSpan(this.text, from, good);
      if (span) out.push({ ...span, cost: goodTokens - this.overhead, level: characterLevel });
      from = good;
      fromLead = good;
    }
  }

  /**
   * Where the next chunk should start: the longest tail of the previous chunk, cut at a piece (or
   * finer: line, sentence, and word only when nothing coarser fits) that costs at most `room`.
   */
  overlapStart(units: Piece[], chunkStart: number, room: number, taken = false): { start: number; cost: number } | undefined {
    let cost = 0;
    let start: number | undefined;
    for (let i = units.length - 1; i >= 0; i--) {
      const unit = units[i]!;
      if (unit.start > chunkStart && cost + unit.cost <= room) {
        cost += unit.cost;
        start = unit.start;
        continue;
      }
      const finer = unit.level + 1;
      const hasSome = taken || start !== undefined;
      if (finer < characterLevel && (!hasSome || finer <= sentenceLevel)) {
        const inner = this.overlapStart(this.finerUnits(unit, i > 0 ? units[i - 1]!.end : unit.start), chunkStart, room - cost, hasSome);
        if (inner) {
          cost += inner.cost;
          start = inner.start;
        }
      }
      break;
    }
    return start === undefined ? undefined : { start, cost };
  }

  private finerUnits(unit: Piece, lead: number): Piece[] {
    const level = unit.level + 1;
    let partLead = lead;
    return splitAt(this.text, unit.start, unit.end, level).map((part) => {
      const piece = { start: part.start, end: part.end, cost: this.count(partLead, part.end) - this.overhead, level };
      partLead = part.end;
      return piece;
    });
  }

  /** Chunks of one section: pieces merged greedily up to the budget, each verified with a real count. */
  *chunks(start: number, end: number): Generator<{ start: number; end: number; tokens: number }> {
    const budget = this.options.chunkTokens;
    const pieces = this.pieces(start, end);
    let overlap: { start: number; cost: number } | undefined;
    let next = 0;
    while (next < pieces.length) {
      const first = next;
      let estimate = this.overhead + (overlap?.cost ?? 0);
      let last = first;
      while (last < pieces.length && estimate + pieces[last]!.cost <= budget) estimate += pieces[last++]!.cost;
      // `last` is exclusive; the overlap was sized so the first piece always fits beside it.
      let chunkStart = overlap?.start ?? pieces[first]!.start;
      let tokens = this.count(chunkStart, pieces[last - 1]!.end);
      while (tokens > budget) {
        if (last - 1 > first) last--;
        else if (chunkStart !== pieces[first]!.start) chunkStart = pieces[first]!.start;
        else {
          // The counter does not add up over this piece: cut it by characters, each cut counted as it is.
          const replacement: Piece[] = [];
          this.addCharacters(pieces[first]!.start, pieces[first]!.end, pieces[first]!.start, replacement);
          pieces.splice(first, 1, ...replacement);
        }
        tokens = this.count(chunkStart, pieces[last - 1]!.end);
      }
      yield { start: chunkStart, end: pieces[last - 1]!.end, tokens };
      next = last;
      const following = pieces[next];
      overlap = undefined;
      if (following && this.options.overlapTokens > 0) {
        const room = Math.min(this.options.overlapTokens, budget - this.overhead - following.cost);
        if (room > 0) overlap = this.overlapStart(pieces.slice(first, last), chunkStart, room);
      }
    }
  }
}

/** Sections in text order, with the gaps between them as sections without a heading path. */
function sectionRuns(doc: LoadedDocument): DocumentSection[] {
  const length = doc.text.length;
  const sorted = doc.sections
    .map((section) => ({ ...section, start: Math.max(0, section.start), end: Math.min(length, section.end) }))
    .filter((section) => section.end > section.start)
    .sort((a, b) => a.start - b.start);
  const runs: DocumentSection[] = [];
  let cursor = 0;
  sorted.forEach((section, i) => {
    if (section.start > cursor) runs.push({ headingPath: [], start: cursor, end: section.start });
    const start = Math.max(section.start, cursor);
    const end = Math.min(section.end, sorted[i + 1]?.start ?? length);
    if (end > start) runs.push({ headingPath: section.headingPath, start, end });
    cursor = Math.max(cursor, end);
  });
  if (cursor < length) runs.push({ headingPath: [], start: cursor, end: length });
  return runs;
}

function checkOptions(options: ChunkOptions, overhead: number): void {
  const { chunkTokens, overlapTokens } = options;
  if (!Number.isInteger(chunkTokens) || chunkTokens < 1) throw new RangeError(`chunkTokens must be a whole number of at least 1, got ${chunkTokens}`);
  if (!Number.isInteger(overlapTokens) || overlapTokens < 0 || overlapTokens >= chunkTokens) {
    throw new RangeError(`overlapTokens must be a whole number from 0 to less than chunkTokens (${chunkTokens}), got ${overlapTokens}`);
  }
  if (overhead >= chunkTokens) {
    throw new RangeError(`the token counter gives ${overhead} tokens for empty text, which leaves no room in chunks of ${chunkTokens} tokens`);
  }
}

/**
 * Cuts a document into chunks of at most `chunkTokens` tokens (by `countTokens`), never across
 * sections; each chunk's text is exactly `doc.text.slice(start, end)`. Same input, same chunks.
 */
export function chunkDocument(doc: LoadedDocument, options: ChunkOptions): Chunk[] {
  const chunker = new SectionChunker(doc.text, options);
  checkOptions(options, chunker.overhead);
  const chunks: Chunk[] = [];
  for (const run of sectionRuns(doc)) {
    for (const { start, end, tokens } of chunker.chunks(run.start, run.end)) {
      chunks.push({ index: chunks.length, text: doc.text.slice(start, end), start, end, headingPath: [...run.headingPath], tokens });
    }
  }
  return chunks;
}
