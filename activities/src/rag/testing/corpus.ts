import { chmod, copyFile, mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The sample corpus kept in the repository: SQLite's documentation pages (public domain, from Debian's sqlite3-doc). */
export const sampleCorpusDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'examples', 'corpora', 'sqlite-docs');

/** A fresh temporary copy of the first `count` pages of the sample corpus (sorted by name), for tests that change files. */
export async function copyOfSampleCorpus(count: number): Promise<{ dir: string; files: string[] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'astra-corpus-'));
  await chmod(dir, 0o755);
  const files = (await readdir(sampleCorpusDir)).filter((name) => name.endsWith('.html')).sort().slice(0, count);
  if (files.length < count) throw new Error(`the sample corpus at ${sampleCorpusDir} has ${files.length} pages, fewer than the ${count} asked for`);
  for (const file of files) await copyFile(path.join(sampleCorpusDir, file), path.join(dir, file));
  return { dir, files };
}

const testPagesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'pages');

/** Where a real SQLite documentation page the tests read lives: the sample corpus, or the few extra pages kept beside the tests. */
export async function sqlitePagePath(name: string): Promise<string> {
  const inCorpus = path.join(sampleCorpusDir, name);
  return (await readdir(sampleCorpusDir)).includes(name) ? inCorpus : path.join(testPagesDir, name);
}
