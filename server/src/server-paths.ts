// Where a document came from, as a normal user may see it: the server's folders are the admins' business
// (issue 17: "absolute server paths shown to normal users"). An upload is shown by its file name, a file
// of an ingested folder by its path inside that folder, a single ingested file by its name. Admins see
// the full paths, as they need them to ingest, schedule and debug.
import path from 'node:path';
import type { MiddlewareHandler } from 'hono';
import type pg from 'pg';
import type { AppEnv } from './app-types';

/** Upload file names on disk carry an 8-character prefix that keeps two uploads of one name apart. */
const uploadPrefix = /^[0-9a-f]{8}-/;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A path inside a JSON string or an SSE line ends at a quote, a backslash (an escape), whitespace or a bracket. */
const rest = String.raw`(?:/[^"\\\s<>)\]]*)?`;

/**
 * The rewrite of one answer's text for a normal user. `roots` are the folders and files ingests were
 * started on (absolute); `uploads` is the data folder's uploads folder.
 */
export function serverPathsHidden(roots: string[], uploads: string): (text: string) => string {
  // Longest first, so a folder inside another ingested folder is shown relative to the nearer one.
  const prefixes = [...new Set(roots.filter((root) => path.isAbsolute(root) && root.length > 1).map((root) => root.replace(/\/+$/, '')))].sort((a, b) => b.length - a.length);
  const uploadsPattern = new RegExp(`(?<![\\w./-])${escapeRegExp(uploads)}/[^/"\\\\\\s]+/([^/"\\\\\\s<>)\\]]+)`, 'g');
  const rootPatterns = prefixes.map((root) => ({ root, pattern: new RegExp(`(?<![\\w./-])${escapeRegExp(root)}(?=$|[/"\\\\\\s<>)\\]])${rest}`, 'g') }));
  // An upload kept in an S3 artifact store: `s3://bucket/[prefix/]uploads/<collection id>/<name>`.
  const storedUploadPattern = /s3:\/\/[^/"\\\s]+\/(?:[^"\\\s]*\/)?uploads\/[^/"\\\s]+\/([^/"\\\s<>)\]]+)/g;
  // A `source` that is still absolute after the rules above (a file a flow's Load Files read): its name alone.
  const leftoverSource = /("source"\s*:\s*")(\/[^"]*)"/g;
  return (text) => {
    const byName = (_match: string, name: string) => name.replace(uploadPrefix, '');
    let shown = text.replace(uploadsPattern, byName).replace(storedUploadPattern, byName);
    for (const { root, pattern } of rootPatterns) {
      shown = shown.replace(pattern, (match) => (match === root ? path.basename(root) : match.slice(root.length + 1)));
    }
    return shown.replace(leftoverSource, (_match, key: string, file: string) => `${key}${path.basename(file)}"`);
  };
}

/** An absolute path or an S3 URI somewhere in a JSON text: after a quote, a space or a bracket. */
const mayNamePath = /["\s(\[]\/[^/\s"]|s3:\/\//;

/**
 * Rewrites JSON and SSE answers for callers who are not admins (after authentication). The roots are read
 * from the ingest record once per answer that may name a path.
 */
export function hideServerPaths(deps: { pool: pg.Pool; dataDir: string }): MiddlewareHandler<AppEnv> {
  const uploads = path.join(deps.dataDir, 'uploads');
  const rootsNow = async () => (await deps.pool.query<{ source: string }>("select distinct source from ingest_runs where source like '/%'")).rows.map((row) => row.source);
  return async (c, next) => {
    await next();
    const user = c.get('user');
    if (!user || user.role === 'admin') return;
    const type = c.res.headers.get('content-type') ?? '';
    const isJson = type.includes('application/json');
    const isStream = type.includes('text/event-stream') || type.includes('application/x-ndjson');
    if ((!isJson && !isStream) || !c.res.body) return;
    const headers = new Headers(c.res.headers);
    headers.delete('content-length');
    if (isJson) {
      const text = await c.res.text();
      // Most answers name no absolute path at all: those need no look-up.
      const rewritten = mayNamePath.test(text) ? serverPathsHidden(await rootsNow(), uploads)(text) : text;
      c.res = new Response(rewritten, { status: c.res.status, headers });
      return;
    }
    const rewrite = serverPathsHidden(await rootsNow(), uploads);
    // Streams are rewritten line by line (every SSE event and NDJSON object ends with one), as they come.
    const decoder = new TextDecoder();
    const encoder = new TextEncoder();
    let pending = '';
    const lines = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        pending += decoder.decode(chunk, { stream: true });
        const end = pending.lastIndexOf('\n');
        if (end < 0) return;
        controller.enqueue(encoder.encode(rewrite(pending.slice(0, end + 1))));
        pending = pending.slice(end + 1);
      },
      flush(controller) {
        pending += decoder.decode();
        if (pending) controller.enqueue(encoder.encode(rewrite(pending)));
      },
    });
    c.res = new Response(c.res.body.pipeThrough(lines), { status: c.res.status, headers });
  };
}
