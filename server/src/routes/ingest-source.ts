import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { IngestSource } from '@astra/activities';
import type { Principal } from '../auth/credentials-repo';

/**
 * What an ingest (now or on a schedule) may read: a URL, or — for admins only, since it reads the
 * server's disk — an existing path outside Astra's data folder.
 */
export async function ingestSourceFor(
  body: { path?: string; glob?: string; url?: string },
  user: Principal,
  dataDir: string,
): Promise<{ source: IngestSource } | { error: string; status: 400 | 403 }> {
  if (!body.path) return { source: { kind: 'url', url: body.url! } };
  if (user.role !== 'admin') return { error: 'ingesting a path on the server needs the admin role; give a URL instead', status: 403 };
  const absolute = path.resolve(body.path);
  const inside = (folder: string, file: string) => file === folder || file.startsWith(`${folder}${path.sep}`);
  if (inside(dataDir, absolute)) return { error: `path: ${absolute} is inside Astra's data folder, which is never ingested`, status: 400 };
  if (!(await stat(absolute).catch(() => undefined))) return { error: `path: ${absolute} does not exist on the server`, status: 400 };
  // Real paths on both sides: a symlink to the data folder is the data folder. (The worker also skips
  // files inside it when a folder above it, or a glob, would reach them.)
  const real = await realpath(absolute);
  const realData = await realpath(dataDir).catch(() => dataDir);
  if (inside(realData, real)) {
    return { error: `path: ${absolute} is inside Astra's data folder${real === absolute ? '' : ` (through a link to ${real})`}, which is never ingested`, status: 400 };
  }
  return { source: { kind: 'path', path: absolute, ...(body.glob ? { glob: body.glob } : {}) } };
}
