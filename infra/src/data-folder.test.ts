// The data folder made private at start: an earlier version's world-readable Chroma store and logs
// are tightened, PostgreSQL's own tree and whatever a link points to are left alone, and a part
// spawned under the umask writes owner-only files.
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateUmask, secureDataFolder } from './data-folder';

let root: string;
let dataDir: string;
let elsewhere: string;
const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'astra-data-folder-'));
  dataDir = path.join(root, 'data');
  elsewhere = path.join(root, 'elsewhere.txt');
  // As an earlier version left it: 0755 folders, 0644 files.
  for (const folder of ['chroma/0a1b', 'logs', 'uploads/c1', 'postgres', 'temporal']) await mkdir(path.join(dataDir, folder), { recursive: true, mode: 0o755 });
  for (const file of ['chroma/chroma.sqlite3', 'chroma/0a1b/data_level0.bin', 'logs/chroma.log', 'logs/server.log', 'uploads/c1/a.md', 'temporal/temporal.db', 'postgres/PG_VERSION']) {
    await writeFile(path.join(dataDir, file), 'x', { mode: 0o644 });
    await chmod(path.join(dataDir, file), 0o644);
  }
  await chmod(dataDir, 0o755);
  await writeFile(elsewhere, 'not ours', { mode: 0o644 });
  await chmod(elsewhere, 0o644);
  await symlink(elsewhere, path.join(dataDir, 'logs', 'link.txt'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('secureDataFolder', () => {
  it('leaves every folder 0700 and every file without group or other bits, but PostgreSQL\'s tree and link targets', async () => {
    expect(secureDataFolder(dataDir, { traversable: false })).toBe(13);
    expect(await modeOf(dataDir)).toBe(0o700);
    for (const folder of ['chroma', 'chroma/0a1b', 'logs', 'uploads', 'uploads/c1', 'temporal']) expect(await modeOf(path.join(dataDir, folder)), folder).toBe(0o700);
    for (const file of ['chroma/chroma.sqlite3', 'chroma/0a1b/data_level0.bin', 'logs/chroma.log', 'logs/server.log', 'uploads/c1/a.md', 'temporal/temporal.db']) {
      expect(await modeOf(path.join(dataDir, file)), file).toBe(0o600);
    }
    expect(await modeOf(path.join(dataDir, 'postgres'))).toBe(0o755);
    expect(await modeOf(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(0o644);
    expect(await modeOf(elsewhere)).toBe(0o644);
    // A second start finds nothing to change.
    expect(secureDataFolder(dataDir, { traversable: false })).toBe(0);
  });

  it('lets another account pass through the folder, without listing it, when the embedded PostgreSQL needs to', async () => {
    secureDataFolder(dataDir, { traversable: true });
    expect(await modeOf(dataDir)).toBe(0o711);
    expect(await modeOf(path.join(dataDir, 'chroma'))).toBe(0o700);
  });

  it('makes a part spawned under the umask write files and folders only its owner can read', async () => {
    const before = process.umask(privateUmask);
    try {
      const made = spawnSync('sh', ['-c', 'mkdir "$1/newdir" && echo log > "$1/newdir/new.log"', 'sh', dataDir]);
      expect(made.status).toBe(0);
    } finally {
      process.umask(before);
    }
    expect(await modeOf(path.join(dataDir, 'newdir'))).toBe(0o700);
    expect(await modeOf(path.join(dataDir, 'newdir', 'new.log'))).toBe(0o600);
  });
});
