// `npm run bench:editor`: Astra's canvas against a plain React Flow canvas with default nodes, both
// from the same production build (editor/dist/bench.html), on a 625-node flow laid out as xyflow's
// stress example (25×25 grid, an edge from each node to the next), in headless Chromium. For each
// canvas: time to first render (navigation start → every node measured and visible) and the p95
// requestAnimationFrame interval while the mouse drags a node, one pointer move per frame, twice:
// with the whole flow fitted in view (Astra draws nodes compact below zoom 0.5; a flow opens at the
// readable zoom 0.75 instead, so the benchmark zooms out to the whole flow for both canvases) and at
// zoom 1 around the dragged node (Astra's cards in full detail with their params, all 625 mounted).
// Then, on Astra's canvas, renders per streamed token: tokens fed one per frame into a running node
// through the editor store (as the run panel feeds the server's events), counting renders of the
// canvas, of the other node cards, of the running card itself and of its streamed-text line; the target
// is no canvas render and no card render per token (only the running card's text line). At zoom 1 it
// also checks that the cards show their key params (the drag at zoom 1 is measured with them shown).
// The two alternate within the run; the figures are medians over BENCH_RUNS rounds (default 5).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { median, percentile } from './support/stats';

const dist = fileURLToPath(new URL('../editor/dist/', import.meta.url));
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const rounds = Number(process.env.BENCH_RUNS ?? 5);
const dragSteps = 90;
const viewport = { width: 1600, height: 1000 };
type Canvas = 'astra' | 'plain';

if (!existsSync(path.join(dist, 'bench.html'))) throw new Error(`${dist}bench.html is missing: run \`npm run build:editor\` first`);
if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: install Debian's Chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);

const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
const server = createServer((request, response) => {
  const name = new URL(request.url ?? '/', 'http://bench').pathname;
  const file = path.join(dist, name);
  if (!file.startsWith(dist) || !/^\/(bench\.html|assets\/[A-Za-z0-9._-]+)$/.test(name)) {
    response.writeHead(404).end();
    return;
  }
  readFile(file).then(
    (body) => response.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' }).end(body),
    () => response.writeHead(404).end(),
  );
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

interface Measure {
  firstRenderMs: number;
  cardsWithParams: { cards: number; withParams: number } | null;
  frames: number[];
  zoomedFrames: number[];
  tokenRenders: TokenRenders | null;
}

interface TokenRenders {
  tokens: number;
  canvas: number;
  nodes: number;
  runningCard: number;
  streamTails: number;
}

const streamedTokens = 200;

/** rAF intervals while the mouse drags node n313 from its centre, one pointer move per frame. */
async function dragFrames(page: Page, canvas: Canvas): Promise<number[]> {
  const node = page.locator('.react-flow__node[data-id="n313"]');
  const box = await node.boundingBox();
  if (!box) throw new Error(`${canvas}: node n313 is not on screen`);
  const start = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.evaluate('window.astraBench.startFrames()');
  for (let step = 1; step <= dragSteps; step += 1) {
    await page.mouse.move(start.x - step * 3, start.y + Math.sin(step / 8) * 20);
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(resolve))');
  }
  const frames = await page.evaluate<number[]>('window.astraBench.stopFrames()');
  await page.mouse.up();
  const moved = await node.boundingBox();
  if (!moved || Math.abs(moved.x - box.x) < 100) throw new Error(`${canvas}: the drag did not move node n313`);
  return frames;
}

async function measure(browser: Browser, canvas: Canvas): Promise<Measure> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(`${base}/bench.html?canvas=${canvas}`);
  await page.waitForFunction('window.astraBench && window.astraBench.ready !== null', undefined, { timeout: 60_000 });
  const firstRenderMs = await page.evaluate<number>('window.astraBench.ready');
  await page.evaluate('window.astraBench.fitAll()');
  await page.waitForTimeout(500);
  const frames = await dragFrames(page, canvas);
  await page.evaluate('window.astraBench.zoomTo(1)');
  await page.waitForTimeout(500);
  const cardsWithParams = canvas === 'astra' ? await page.evaluate<{ cards: number; withParams: number }>('window.astraBench.cardsWithParams()') : null;
  const zoomedFrames = await dragFrames(page, canvas);
  const tokenRenders = canvas === 'astra' ? await page.evaluate<TokenRenders>(`window.astraBench.streamTokens(${streamedTokens})`) : null;
  await context.close();
  return { firstRenderMs, cardsWithParams, frames, zoomedFrames, tokenRenders };
}

const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const results: Record<Canvas, Measure[]> = { astra: [], plain: [] };
try {
  // One unmeasured load of each warms Chromium and the OS file cache for both alike.
  await measure(browser, 'plain');
  await measure(browser, 'astra');
  for (let round = 0; round < rounds; round += 1) {
    const order: Canvas[] = round % 2 === 0 ? ['astra', 'plain'] : ['plain', 'astra'];
    for (const canvas of order) results[canvas].push(await measure(browser, canvas));
  }
} finally {
  await browser.close();
  server.close();
}

const summary = (canvas: Canvas) => ({
  firstRender: median(results[canvas].map((run) => run.firstRenderMs)),
  p95: median(results[canvas].map((run) => percentile(run.frames, 95))),
  pooledP95: percentile(results[canvas].flatMap((run) => run.frames), 95),
  zoomedP95: median(results[canvas].map((run) => percentile(run.zoomedFrames, 95))),
  zoomedPooledP95: percentile(results[canvas].flatMap((run) => run.zoomedFrames), 95),
  medianFrame: median(results[canvas].flatMap((run) => [...run.frames, ...run.zoomedFrames])),
});
const astra = summary('astra');
const plain = summary('plain');
const ms = (value: number) => `${value.toFixed(1)} ms`.padStart(10);
console.log(`\nEditor canvas, 625 nodes / 624 edges, ${rounds} rounds each (alternating), ${viewport.width}×${viewport.height}, headless Chromium`);
console.log('canvas                     first render   drag p95 (fit)   drag p95 (zoom 1)   median frame');
for (const [name, row] of [['Astra (workbench)        ', astra], ['React Flow, default nodes', plain]] as const) {
  console.log(`${name}  ${ms(row.firstRender)}     ${ms(row.p95)}       ${ms(row.zoomedP95)}      ${ms(row.medianFrame)}`);
}
const ratios = { firstRender: astra.firstRender / plain.firstRender, fit: astra.p95 / plain.p95, zoomed: astra.zoomedP95 / plain.zoomedP95 };
console.log(`ratio Astra / plain: first render ${ratios.firstRender.toFixed(2)}×, drag p95 at fit ${ratios.fit.toFixed(2)}× (pooled ${(astra.pooledP95 / plain.pooledP95).toFixed(2)}×), at zoom 1 ${ratios.zoomed.toFixed(2)}× (pooled ${(astra.zoomedPooledP95 / plain.zoomedPooledP95).toFixed(2)}×)`);
const tokenRuns = results.astra.flatMap((run) => (run.tokenRenders ? [run.tokenRenders] : []));
const perToken = (pick: (renders: TokenRenders) => number) => median(tokenRuns.map((renders) => pick(renders) / renders.tokens));
const canvasPerToken = perToken((renders) => renders.canvas);
const cardsPerToken = perToken((renders) => renders.nodes);
const runningCardPerToken = perToken((renders) => renders.runningCard);
const tailPerToken = perToken((renders) => renders.streamTails);
const params = results.astra.flatMap((run) => (run.cardsWithParams ? [run.cardsWithParams] : []));
console.log(`Astra cards showing their params at zoom 1: ${params.map((seen) => `${seen.withParams}/${seen.cards}`).join(', ')} (mounted cards of nodes with params, per round)`);
console.log(`renders per streamed token (${streamedTokens} tokens, median of ${tokenRuns.length}): canvas ${canvasPerToken.toFixed(3)}, other node cards ${cardsPerToken.toFixed(3)}, the running card ${runningCardPerToken.toFixed(3)}, its streamed-text line ${tailPerToken.toFixed(3)}`);
console.log(`target ≤ 1.5×: ${Object.values(ratios).every((ratio) => ratio <= 1.5) ? 'met' : 'NOT met'}`);
console.log(`target no canvas or card render per token: ${canvasPerToken === 0 && cardsPerToken === 0 && runningCardPerToken === 0 ? 'met' : 'NOT met'}`);
console.log(`cards show params: ${params.length > 0 && params.every((seen) => seen.cards > 0 && seen.withParams === seen.cards) ? 'yes' : 'NOT all'}`);
