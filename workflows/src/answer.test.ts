// Extractive answers: quoted from the retrieved passages, each sentence with the [n] of its passage.
import { describe, expect, it } from 'vitest';
import { citationsFor, extractiveAnswer, resolveAnswerStyle, type RetrievedChunk } from './answer';

const passage = (n: number, title: string, text: string): RetrievedChunk => ({
  chunkId: `c${n}`, source: `/docs/${title}.html`, title, headingPath: [], text, score: 1 / n, start: 0, end: text.length,
});

const passages = [
  passage(1, 'Write-Ahead Logging', 'The WAL file grows while readers hold old snapshots. A checkpoint copies the WAL content back into the database file and lets the WAL be reset. Run PRAGMA wal_checkpoint(TRUNCATE) to shrink it.'),
  passage(2, 'Locking', 'SQLite uses file locks to coordinate writers. A RESERVED lock means a connection plans to write.'),
  passage(3, 'Vacuum', 'The VACUUM command rebuilds the database file, repacking it into a minimal amount of disk space.'),
];

describe('extractive answers', () => {
  it('quotes the sentences that answer the question, citing the passage each comes from', () => {
    const answer = extractiveAnswer('How do I shrink the WAL file with a checkpoint?', passages);
    expect(answer).toContain('wal_checkpoint(TRUNCATE)');
    expect(answer).toMatch(/\[1\]/);
    const cited = [...answer.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1]));
    expect(cited.every((n) => n >= 1 && n <= passages.length)).toBe(true);
    expect(citationsFor(answer, passages).filter((citation) => citation.cited).map((citation) => citation.number)).toEqual([...new Set(cited)].sort());
  });

  it('finds the answer in a lower-ranked passage when only that one holds the words asked about', () => {
    const answer = extractiveAnswer('What does VACUUM do to disk space?', passages);
    expect(answer).toContain('VACUUM command rebuilds the database file');
    expect(answer).toContain('[3]');
  });

  it('names the API section a reference passage comes from, and reads markdown links as their text', () => {
    const api: RetrievedChunk = {
      ...passage(1, 'Crypto', '<!-- YAML\nadded: v15.6.0\n-->\n\n* Returns: {string}\n\nGenerates a random [RFC 4122][] version 4 UUID. The UUID is generated using a\ncryptographic pseudorandom number generator.'),
      headingPath: ['Crypto', 'crypto module methods and properties', 'crypto.randomUUID([options])'],
    };
    const answer = extractiveAnswer('How do I generate a random UUID?', [api, passages[1]!]);
    expect(answer).toMatch(/^crypto\.randomUUID\(\[options\]\): Generates a random RFC 4122 version 4 UUID\./);
    expect(answer).toContain('[1]');
    expect(answer).not.toContain('YAML');
    // A section heading that names no API is not repeated before the sentence.
    const prose = extractiveAnswer('What does VACUUM do to disk space?', [{ ...passages[2]!, headingPath: ['Vacuum', 'How it works'] }]);
    expect(prose.startsWith('The VACUUM command')).toBe(true);
  });

  it('says so when the passages have no usable sentence, and cites nothing', () => {
    const answer = extractiveAnswer('anything', [passage(1, 'Empty', '| a | b |')]);
    expect(answer).toMatch(/no sentence/);
    expect(answer).not.toMatch(/\[\d+\]/);
  });

  it('quotes for small models and generates for large or unknown ones unless told', () => {
    expect(resolveAnswerStyle('auto', 98_000_000)).toBe('extractive');
    expect(resolveAnswerStyle('auto', 4_000_000_000)).toBe('generative');
    expect(resolveAnswerStyle('auto', undefined)).toBe('generative');
    expect(resolveAnswerStyle('generative', 98_000_000)).toBe('generative');
    expect(resolveAnswerStyle('extractive', 4_000_000_000)).toBe('extractive');
  });
});
