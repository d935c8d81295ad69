// The data folder holds every user's uploads, the database, Chroma's store, logs and credentials:
// only the account running Astra may read it. New files get that from the umask every part we spawn
// inherits; files and folders made by an earlier version are tightened here at each start.
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** Files the parts create: owner only (0600 files, 0700 folders). */
export const privateUmask = 0o077;

/** Folders whose tree belongs to another account (the embedded PostgreSQL's, when run as root): left as they are. */
const ownedElsewhere = new Set(['postgres']);

/**
 * Makes the data folder private: the folder itself 0700 (0711 when `traversable`, so the embedded
 * PostgreSQL, which runs as its own user under root, can reach its cluster without listing
 * anything), every folder under it 0700 and every file in them without group or other bits.
 * Links are not followed. Returns how many entries changed mode.
 */
export function secureDataFolder(dataDir: string, options: { traversable: boolean }): number {
  mkdirSync(dataDir, { recursive: true });
  let changed = 0;
  const tighten = (entry: string, wanted: (mode: number) => number) => {
    const mode = lstatSync(entry).mode & 0o7777;
    const next = wanted(mode);
    if (next === mode) return;
    chmodSync(entry, next);
    changed += 1;
  };
  tighten(dataDir, () => (options.traversable ? 0o711 : 0o700));
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (folder === dataDir && ownedElsewhere.has(entry.name)) continue;
      if (entry.isDirectory()) {
        tighten(full, () => 0o700);
        walk(full);
      } else if (entry.isFile()) {
        tighten(full, (mode) => mode & ~0o077);
      }
    }
  };
  walk(dataDir);
  return changed;
}
