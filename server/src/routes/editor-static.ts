// The visual editor, built by Vite into editor/dist: `GET /` serves its HTML shell and
// `GET /assets/<file>` its hashed bundles. Both are public (they hold no data); the app asks
// /api/auth/me whether to show the login screen.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Handler } from 'hono';
import type { AppEnv } from '../app-types';

export const editorDistDir = fileURLToPath(new URL('../../../editor/dist/', import.meta.url));

/** An asset file name as Vite writes them (`index-Bx1_a2.js`): no folders, no leading dot. */
export const assetFileName = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}$/;

const contentTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

// Scripts only from this origin, so even text that slipped past sanitizing could not run a handler;
// styles may be inline because React Flow positions nodes with style attributes.
const securityHeaders = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

const notBuilt = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Astra</title></head>
<body style="font:16px system-ui,sans-serif;max-width:40rem;margin:3rem auto"><h1>Astra</h1>
<p>The editor is not built yet. Run <code>npm run build:editor</code> (<code>npm start</code> and <code>npm test</code> build it when it is missing or stale), then reload.</p>
<p>The API answers under <code>/api</code> meanwhile.</p></body></html>`;

export function editorStatic(distDir: string = editorDistDir): { index: Handler<AppEnv>; asset: Handler<AppEnv> } {
  const assetsDir = path.join(distDir, 'assets');
  return {
    index: async (c) => {
      const html = await readFile(path.join(distDir, 'index.html')).catch(() => null);
      if (!html) return c.html(notBuilt, 503, { ...securityHeaders, 'cache-control': 'no-store' });
      // The shell names the current bundles, so it is always revalidated; the bundles themselves never change.
      return c.body(html, 200, { ...securityHeaders, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
    },
    asset: async (c) => {
      const name = c.req.param('file') ?? '';
      const file = path.join(assetsDir, name);
      if (!assetFileName.test(name) || path.dirname(file) !== assetsDir) return c.json({ error: `no asset ${name}` }, 404);
      const body = await readFile(file).catch(() => null);
      if (!body) return c.json({ error: `no asset ${name}; the editor may have been rebuilt, reload the page` }, 404);
      return c.body(body, 200, {
        'content-type': contentTypes[path.extname(name)] ?? 'application/octet-stream',
        'cache-control': 'public, max-age=31536000, immutable',
        'x-content-type-options': 'nosniff',
      });
    },
  };
}
