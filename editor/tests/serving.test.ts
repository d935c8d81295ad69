// The server serves the built editor: the shell and bundles without credentials (no data in them),
// bundles cached for good, the shell always revalidated, nothing else under /assets, and a plain
// page saying how to build when editor/dist is missing.
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editorDistDir, editorStatic } from '../../server/src/routes/editor-static';
import { createAppHarness, type AppHarness } from '../../server/src/testing/app-harness';

let harness: AppHarness;
beforeAll(async () => {
  harness = await createAppHarness();
});
afterAll(() => harness.close());

const get = (route: string) => harness.app.request(`http://astra.test${route}`);

describe('serving the editor', () => {
  it('serves the shell and its bundles to anyone, with the right caching', async () => {
    const shell = await get('/');
    expect(shell.status).toBe(200);
    expect(shell.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(shell.headers.get('cache-control')).toBe('no-cache');
    expect(shell.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await shell.text();
    const scripts = [...html.matchAll(/src="\/assets\/([^"]+\.js)"/g)].map((match) => match[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const file of scripts) {
      const bundle = await get(`/assets/${file}`);
      expect(bundle.status).toBe(200);
      expect(bundle.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(bundle.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
    const css = (await readdir(path.join(editorDistDir, 'assets'))).find((file) => file.endsWith('.css'))!;
    expect((await get(`/assets/${css}`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('answers 404 for an asset that is not there and 401 for anything that is not an asset name', async () => {
    expect((await get('/assets/nothing-here.js')).status).toBe(404);
    for (const route of ['/assets/', '/assets/a/b.js', '/assets/.hidden', '/assets/..%2f..%2fpackage.json', '/assets/x.js/', '/index.html', '/api/flows']) {
      expect((await get(route)).status, route).toBe(401);
    }
  });

  it('says how to build the editor when editor/dist is missing', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'astra-no-dist-'));
    const app = new Hono();
    const handlers = editorStatic(empty);
    app.get('/', handlers.index);
    app.get('/assets/:file', handlers.asset);
    const page = await app.request('http://astra.test/');
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('npm run build:editor');
    expect((await app.request('http://astra.test/assets/index.js')).status).toBe(404);
  });
});
