// The whole product for a browser test: a real worker, the real app served over HTTP with the built
// editor, and Debian's Chromium driven by playwright-core. Screenshots go to tests/screenshots/.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestWorker, type TestWorker } from '../../activities/src/testing/test-worker';
import { parseServerEnv } from '../../server/src/env';
import { editorDistDir } from '../../server/src/routes/editor-static';
import { createAppHarness, type AppHarness } from '../../server/src/testing/app-harness';

export const chromiumPath = '/usr/bin/chromium';
const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const screenshotDir = fileURLToPath(new URL('./screenshots/', import.meta.url));

export interface BrowserStack {
  baseUrl: string;
  harness: AppHarness;
  worker: TestWorker | null;
  browser: Browser;
  /** A fresh browser context and page, signed out. */
  newPage(): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

/**
 * The app believes it lives at its configured public URL and refuses cookie-authenticated changes
 * from any other origin; the test serves it on a free port, so requests from that port's origin are
 * presented with the origin the app expects (what a reverse proxy at the public URL would give it).
 */
function servedAs(fetch: (request: Request, env?: unknown) => Response | Promise<Response>, servedOrigin: () => string, appOrigin: string) {
  // The server's env (the socket) goes along, so the app sees the client's address as in production.
  return (request: Request, env?: unknown) => {
    if (request.headers.get('origin') !== servedOrigin()) return fetch(request, env);
    const headers = new Headers(request.headers);
    headers.set('origin', appOrigin);
    return fetch(new Request(request, { headers, duplex: 'half' } as RequestInit), env);
  };
}

export async function startBrowserStack(options: { worker: boolean; dataDir?: string }): Promise<BrowserStack> {
  if (!existsSync(path.join(editorDistDir, 'index.html'))) throw new Error(`the editor is not built (${editorDistDir} has no index.html): run \`npm run build:editor\``);
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: install Debian's Chromium with \`apt-get install -y chromium\``);
  await mkdir(screenshotDir, { recursive: true });
  const worker = options.worker ? await startTestWorker(options.dataDir ? { dataDir: options.dataDir } : {}) : null;
  const harness = await createAppHarness(worker ? { taskQueue: worker.taskQueue } : {});
  const appOrigin = new URL(parseServerEnv({ DATABASE_URL: 'unused', TEMPORAL_ADDRESS: 'unused', CHROMA_URL: 'http://unused' }).publicUrl).origin;
  let baseUrl = '';
  const server: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: servedAs(harness.app.fetch, () => baseUrl, appOrigin), hostname: '127.0.0.1', port: 0 }, () => resolve(started));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  return {
    baseUrl,
    harness,
    worker,
    browser,
    async newPage() {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      return { context, page };
    },
    async close() {
      await browser.close();
      // SSE streams may still be open; closeAllConnections lets close() finish.
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await harness.close();
      await worker?.stop();
    },
  };
}

/** Signs in through the login screen and waits for the flow list. */
export async function signIn(page: Page, baseUrl: string, username: string, password: string, shot?: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  if (shot) await page.screenshot({ path: path.join(screenshotDir, shot) });
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Flows' }).waitFor();
}

/** The API as the test's own client (bearer token), for setting up and checking what the UI did. */
export function apiAs(harness: AppHarness, token: string) {
  return async <T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await harness.app.request(`http://astra.test${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}

/** The centre of an element on screen. */
export async function centreOf(page: Page, selector: string): Promise<{ x: number; y: number }> {
  const box = await page.locator(selector).boundingBox();
  if (!box) throw new Error(`${selector} is not on screen`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** The centre of an element once it has stopped moving (a layout or zoom animation may be running). */
async function settledCentreOf(page: Page, selector: string): Promise<{ x: number; y: number }> {
  let last = await centreOf(page, selector);
  for (const deadline = Date.now() + 5_000; Date.now() < deadline;) {
    await page.waitForTimeout(100);
    const now = await centreOf(page, selector);
    if (Math.abs(now.x - last.x) < 0.5 && Math.abs(now.y - last.y) < 0.5) return now;
    last = now;
  }
  throw new Error(`${selector} kept moving for 5 s`);
}

export const handleSelector = (nodeId: string, side: 'source' | 'target', port: string) =>
  `.react-flow__node[data-id="${nodeId}"] .react-flow__handle.${side}[data-handleid="${port}"]`;

/** Drags a connection from an output handle to an input handle with the mouse, as a person would. */
export async function dragConnection(page: Page, from: { node: string; port: string }, to: { node: string; port: string }, options: { release?: boolean } = {}): Promise<void> {
  const start = await settledCentreOf(page, handleSelector(from.node, 'source', from.port));
  const end = await settledCentreOf(page, handleSelector(to.node, 'target', to.port));
  for (const [point, side, port] of [[start, 'source', from] as const, [end, 'target', to] as const]) {
    // A handle under a panel or off the pane can't be grabbed: say so instead of dragging the panel.
    const covered = await page.evaluate(({ x, y, selector }) => {
      const hit = document.elementFromPoint(x, y);
      return hit?.closest(selector) ? null : (hit?.className.toString() || hit?.tagName || 'nothing');
    }, { ...point, selector: handleSelector(port.node, side, port.port) });
    if (covered) throw new Error(`the ${side} handle ${port.node}.${port.port} is covered by "${covered}" at (${Math.round(point.x)}, ${Math.round(point.y)})`);
  }
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move((start.x + end.x) / 2, (start.y + end.y) / 2, { steps: 5 });
  await page.mouse.move(end.x, end.y, { steps: 5 });
  if (options.release !== false) await page.mouse.up();
}

/** Polls until the value matches (the page updates on its own schedule). */
export const eventually = <T>(read: () => Promise<T> | T, timeout = 15_000) => expect.poll(read, { timeout, interval: 100 });

/**
 * Pans the canvas as a person would (dragging the empty pane) until a node is in the middle of the
 * pane: a flow wider than the pane at the readable zoom has nodes off screen or under the side panels.
 */
export async function panToNode(page: Page, id: string): Promise<void> {
  const selector = `.react-flow__node[data-id="${id}"]`;
  const pane = await page.locator('.react-flow__pane').boundingBox();
  const node = await page.locator(selector).boundingBox();
  if (!pane || !node) throw new Error(`no pane or no node ${id} on screen`);
  const dx = pane.x + pane.width / 2 - (node.x + node.width / 2);
  const dy = pane.y + pane.height / 2 - (node.y + node.height / 2);
  if (Math.abs(dx) < 40 && Math.abs(dy) < 40) return;
  // A spot of bare pane to grab, searched on a grid.
  const grab = await page.evaluate(({ x, y, width, height }) => {
    for (let row = 1; row < 12; row += 1) {
      for (let column = 1; column < 12; column += 1) {
        const at = { x: x + (width * column) / 12, y: y + (height * row) / 12 };
        if (document.elementFromPoint(at.x, at.y)?.classList.contains('react-flow__pane')) return at;
      }
    }
    return null;
  }, pane);
  if (!grab) throw new Error('no bare spot of the pane to grab');
  await page.mouse.move(grab.x, grab.y);
  await page.mouse.down();
  await page.mouse.move(grab.x + dx, grab.y + dy, { steps: 8 });
  await page.mouse.up();
  await settledCentreOf(page, selector);
}

/** Clicks a node after panning it into view. */
export async function clickNode(page: Page, id: string): Promise<void> {
  await panToNode(page, id);
  await page.locator(`.react-flow__node[data-id="${id}"]`).click();
}
