import { stat } from 'node:fs/promises';
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
  if (absolute === dataDir || absolute.startsWith(`${dataDir}${path.sep}`)) {
    return { error: `${absolute} is inside Astra's data folder, which is never ingested`, status: 400 };
  }
  if (!(await stat(absolute).catch(() => undefined))) return { error: `path: ${absolute} does not exist on the server`, status: 400 };
  return { source: { kind: 'path', path: absolute, ...(body.glob ? { glob: body.glob } : {}) } };
}
