// JupyterLab with Astra's extension against a real Astra (worker, Temporal, Postgres, Chroma, models):
// the server extension's auth, Astra refusing Jupyter's token, the example notebooks run headless on
// tslab, a wrong param type refused by the type checker in a cell, and the sidebar, a flow tab and a live
// run renderer in real JupyterLab in Chromium (screenshots in tests/screenshots/).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { startTestWorker, type TestWorker } from '../../activities/src/testing/test-worker';
import { createAppHarness, type AppHarness } from '../../server/src/testing/app-harness';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createAstraClient, flow } from '@astra/client';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// The fine-tune notebook trains on this process's worker: one torch thread, and the fp32 base copy kept between test runs.
process.env.ASTRA_FINETUNE_BASES_DIR ??= path.join(os.tmpdir(), 'astra-finetune-bases');
process.env.ASTRA_TRAIN_THREADS ??= '1';
const venv = path.resolve(root, process.env.ASTRA_VENV ?? '.venv');
const jupyterPort = 9431 + Math.floor(Math.random() * 8);
const jupyterToken = randomBytes(16).toString('hex');
const jupyterUrl = `http://127.0.0.1:${jupyterPort}`;
const screenshots = path.join(root, 'notebook-ext', 'tests', 'screenshots');
const waitFlowName = 'Browser: wait and echo';
const chatSlug = 'jupyter-chat';

let stack: { baseUrl: string; harness: AppHarness; worker: TestWorker; server: ServerType };
let jupyter: ChildProcess;
let astraToken = '';

async function waitFor(what: string, probe: () => Promise<boolean>, ms: number) {
  for (const deadline = Date.now() + ms; Date.now() < deadline;) {
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} not ready after ${ms / 1000} s`);
}

beforeAll(async () => {
  const worker = await startTestWorker();
  const harness = await createAppHarness({ taskQueue: worker.taskQueue });
  const server: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: harness.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
  });
  stack = { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, harness, worker, server };
  const user = await stack.harness.newUser('admin');
  astraToken = user.token;
  for (const file of ['rag-question-answering.json', 'chat-with-a-model.json']) {
    const response = await fetch(`${stack.baseUrl}/api/flows/import`, { method: 'POST', headers: { authorization: `Bearer ${astraToken}`, 'content-type': 'application/json' }, body: readFileSync(path.join(root, 'examples', 'flows', file), 'utf8') });
    expect(response.status).toBe(201);
  }
  // A flow slow enough to watch: its Wait node is visibly running for three seconds.
  const f = flow();
  const question = f.node('question', 'io.input', { name: 'question', label: 'Question' });
  const pause = f.node('wait', 'util.wait', { milliseconds: 3000 });
  const echo = f.node('echo', 'text.template', { template: 'echo: {{input}}' });
  const result = f.node('result', 'io.output', { name: 'result' });
  f.connect(question, 'value', pause, 'value').connect(pause, 'value', echo, 'input').connect(echo, 'text', result, 'value');
  const astra = createAstraClient({ baseUrl: stack.baseUrl, token: astraToken });
  await astra.createFlow({ name: waitFlowName, graph: f.graph() });
  // A published chat app for the sidebar's chat.
  const chatFlow = (await astra.listFlows()).flows.find((found) => found.name === 'Chat with a model');
  await astra.publish({ flowId: chatFlow!.id, slug: chatSlug, title: 'Jupyter chat' });
  jupyter = spawn(path.join(venv, 'bin', 'jupyter'), ['lab', '--no-browser', '--allow-root', `--port=${jupyterPort}`, '--ServerApp.ip=127.0.0.1', `--IdentityProvider.token=${jupyterToken}`, `--ServerApp.root_dir=${root}`], {
    env: { ...process.env, ASTRA_URL: stack.baseUrl, ASTRA_TOKEN: astraToken, PATH: `${path.join(venv, 'bin')}:${process.env.PATH}` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await waitFor('JupyterLab', async () => (await fetch(`${jupyterUrl}/api/status`, { headers: { authorization: `token ${jupyterToken}` } })).ok, 60_000);
}, 240_000);

afterAll(async () => {
  if (jupyter?.pid) {
    jupyter.kill('SIGTERM');
    await new Promise((resolve) => jupyter.once('exit', resolve));
  }
  if (stack) {
    // The renderers' event streams may still be open; closeAllConnections lets close() finish.
    (stack.server as { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise<void>((resolve) => stack.server.close(() => resolve()));
    await stack.harness.close();
    await stack.worker.stop();
  }
});

const status = z.object({ astraUrl: z.string(), hasKey: z.boolean() });

describe('the server extension', () => {
  it('answers 403 without Jupyter auth, forwards with it, and never shows the Astra key', async () => {
    expect((await fetch(`${jupyterUrl}/astra/status`)).status).toBe(403);
    expect((await fetch(`${jupyterUrl}/astra/api/flows`)).status).toBe(403);
    const ok = await fetch(`${jupyterUrl}/astra/status`, { headers: { authorization: `token ${jupyterToken}` } });
    expect(ok.status).toBe(200);
    const text = await ok.text();
    expect(status.parse(JSON.parse(text))).toEqual({ astraUrl: stack.baseUrl, hasKey: true });
    expect(text).not.toContain(astraToken);
    const flows = await fetch(`${jupyterUrl}/astra/api/flows`, { headers: { authorization: `token ${jupyterToken}` } });
    expect(flows.status).toBe(200);
    expect(z.object({ flows: z.array(z.object({ name: z.string() })) }).parse(await flows.json()).flows.map((flow) => flow.name)).toContain('RAG: answer a question');
    // Only Astra's API is reachable through it.
    expect((await fetch(`${jupyterUrl}/astra/api/../auth/link/x`, { headers: { authorization: `token ${jupyterToken}` } })).status).not.toBe(200);
  });

  it("Astra refuses Jupyter's token", async () => {
    for (const authorization of [`Bearer ${jupyterToken}`, `token ${jupyterToken}`]) {
      expect((await fetch(`${stack.baseUrl}/api/flows`, { headers: { authorization } })).status).toBe(401);
    }
  });
});

/**
 * Runs notebooks with nbclient and reads what each cell showed. Never spawnSync: this process is also the
 * Astra server and the worker the kernel's calls reach, and a blocked event loop answers none of them.
 */
async function runNotebooks(files: string[], timeout: number, env: Record<string, string> = {}) {
  const child = spawn(path.join(venv, 'bin', 'python'), [path.join(root, 'examples', 'notebooks', 'run_notebooks.py'), ...files], {
    env: { ...process.env, ...env, ASTRA_URL: stack.baseUrl, ASTRA_TOKEN: astraToken, PATH: `${path.join(venv, 'bin')}:${process.env.PATH}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal])));
  clearTimeout(timer);
  expect(code, `run_notebooks.py ended ${signal ?? code} ${stderr.slice(-2000)} ${stdout.slice(-3000)}`).toBe(0);
  return stdout.trim().split('\n').map((line) => executed.parse(JSON.parse(line)));
}

const output = z.object({ output_type: z.string(), name: z.string().optional(), text: z.string().optional(), ename: z.string().optional(), evalue: z.string().optional(), data: z.record(z.string(), z.unknown()).optional() });
const executed = z.object({ notebook: z.string(), cells: z.array(z.array(output)), seconds: z.array(z.number().nullable()), stopped: z.string().nullable() });
const printed = (cell: Array<z.infer<typeof output>> | undefined) => (cell ?? []).filter((out) => out.name === 'stdout').map((out) => out.text ?? '').join('');
const problems = (cell: Array<z.infer<typeof output>>) => cell.filter((out) => out.name === 'stderr' || out.output_type === 'error').map((out) => `${out.text ?? ''}${out.ename ?? ''} ${out.evalue ?? ''}`.trim());

describe('the example notebooks', () => {
  it('each executes headless on the tslab kernel and its assertions pass', async () => {
    // In this order: retrieval-evaluation measures the collection rag-quickstart ingests.
    const order = ['rag-quickstart', 'retrieval-evaluation', 'scheduled-ingestion', 'build-a-flow-in-code'];
    const notebooks = await runNotebooks(order.map((name) => path.join(root, 'examples', 'notebooks', `${name}.ipynb`)), 900_000);
    expect(notebooks.map((notebook) => notebook.notebook)).toEqual(order.map((name) => `${name}.ipynb`));
    const byName = new Map(notebooks.map((notebook) => [notebook.notebook.replace('.ipynb', ''), notebook]));
    for (const notebook of notebooks) {
      console.log(`${notebook.notebook}: seconds per cell ${JSON.stringify(notebook.seconds)}`);
      expect(notebook.stopped, notebook.notebook).toBeNull();
      notebook.cells.forEach((cell, index) => expect(problems(cell), `${notebook.notebook} cell ${index}`).toEqual([]));
      // Every cell ran (a kernel that died would leave later cells without a time).
      expect(notebook.seconds.every((seconds) => seconds !== null), notebook.notebook).toBe(true);
    }
    const rag = byName.get('rag-quickstart')!.cells;
    expect(printed(rag[1])).toMatch(/^ingested 4 documents, \d+ chunks/);
    expect(printed(rag[2])).toContain('top source: inmemorydb.html');
    expect(rag[2]!.some((out) => out.data?.['application/vnd.astra.results+json'] !== undefined)).toBe(true);
    expect(printed(rag[3])).toMatch(/citations: [1-9]/);
    expect(printed(rag[4])).toMatch(/run succeeded with \d+ nodes/);
    expect(rag[4]!.some((out) => out.data?.['application/vnd.astra.run+json'] !== undefined && String(out.data['text/plain']).includes('succeeded'))).toBe(true);

    const evaluation = byName.get('retrieval-evaluation')!.cells;
    const hits = /hit@3 over (\d+) questions: (\{.*\})/.exec(printed(evaluation[1]));
    expect(hits, printed(evaluation[1])).not.toBeNull();
    expect(Number(hits![1])).toBeGreaterThan(0);
    const perMode = z.record(z.enum(['vector', 'keyword', 'hybrid']), z.number().min(0).max(1)).parse(JSON.parse(hits![2]!));
    expect(Object.keys(perMode).sort()).toEqual(['hybrid', 'keyword', 'vector']);
    expect(String(evaluation[2]!.find((out) => out.data?.['image/svg+xml'])?.data?.['image/svg+xml'] ?? '')).toMatch(/<svg[^>]*>.*<rect.*hybrid/s);

    const scheduled = byName.get('scheduled-ingestion')!.cells;
    expect(printed(scheduled[1])).toContain('schedule nb-sqlite-hourly: every 1h, paused');
    expect(printed(scheduled[2])).toMatch(/listed \d+ schedule\(s\), then deleted nb-sqlite-hourly/);

    const built = byName.get('build-a-flow-in-code')!.cells;
    expect(printed(built[1])).toContain('valid: 3 nodes, 2 edges');
    expect(built[2]!.some((out) => out.data?.['application/vnd.astra.flow+json'] !== undefined)).toBe(true);
    expect(printed(built[3])).toContain('output: You asked: what is WAL?');
    expect(printed(built[4])).toMatch(/chat app notebook-chat: Notebook: chat v\d+/);
    expect(printed(built[5])).toMatch(/chat: 4 messages in conversation /);
  }, 960_000);
});

describe('the fine-tune notebook', () => {
  it('plots the loss curve of a tiny fine-tune run as SVG, redrawn while it trains, and returns its series', async () => {
    const [notebook] = await runNotebooks([path.join(root, 'examples', 'notebooks', 'fine-tune-loss-curve.ipynb')], 900_000, { FINETUNE_STEPS: '4', NOTEBOOK_CELL_TIMEOUT: '600' });
    console.log(`fine-tune-loss-curve.ipynb: seconds per cell ${JSON.stringify(notebook!.seconds)}`);
    expect(notebook!.stopped).toBeNull();
    notebook!.cells.forEach((cell, index) => expect(problems(cell), `cell ${index}`).toEqual([]));
    const [, started, plotted, table] = notebook!.cells;
    expect(printed(started)).toMatch(/^started run [0-9a-f-]{36}: 4 steps/);
    // Validation at step 0 and at every step (evalEvery is 1 for 4 steps).
    expect(printed(plotted)).toMatch(/^loss curve: 4 train points, 5 validation points, validation loss \d\.\d{3} -> \d\.\d{3}/);
    const svgs = plotted!.map((out) => out.data?.['image/svg+xml']).filter((svg): svg is string => typeof svg === 'string');
    expect(svgs.length).toBeGreaterThan(0);
    const last = svgs.at(-1)!;
    expect(last).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    // The train line through 4 points (M and three L segments), the validation points drawn as dots.
    expect(/<path class="train" d="(M[^"]*)"/.exec(last)?.[1]?.split('L').length).toBe(4);
    expect(last.match(/<circle /g)?.length).toBe(5);
    expect(printed(table)).toMatch(/validation/);
  }, 960_000);
});

describe('flows built in a notebook cell', () => {
  it('a wrong param type fails to type-check, with a message naming the param', async () => {
    const [notebook] = await runNotebooks([path.join(root, 'notebook-ext', 'tests', 'fixtures', 'wrong-param.ipynb')], 120_000);
    const [setup, wrong] = notebook!.cells;
    expect(setup!.map((out) => out.text).join('')).toContain('builder ready');
    const errors = wrong!.filter((out) => out.name === 'stderr' || out.output_type === 'error').map((out) => `${out.text ?? ''}${out.evalue ?? ''}`).join('\n');
    // tslab prints the expected type by name: ParamProblem<"k", …> names the param, its node type and what it takes.
    expect(errors).toContain('ParamProblem<"k", "rag.retrieve", number>');
    expect(wrong!.some((out) => out.text?.includes('this line must never run'))).toBe(false);
  }, 150_000);
});

describe('JupyterLab in Chromium', () => {
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(screenshots, `${name}.png`) });
  const launch = () => chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'], headless: true });
  const pageErrors: string[] = [];
  /** JupyterLab at `where`, with the Astra sidebar open. */
  async function openLab(browser: Browser, where = 'lab') {
    pageErrors.length = 0;
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(30_000);
    // A render error leaves a widget blank without failing anything else: collect them to assert on.
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${jupyterUrl}/${where}?token=${jupyterToken}`);
    await page.locator('.lm-TabBar-tab[data-id="astra-sidebar"]').click();
    await page.locator('.astra-sidebar').getByRole('region', { name: 'Flows' }).getByText(waitFlowName, { exact: true }).waitFor();
    return page;
  }

  it('the sidebar lists and runs flows live', async () => {
    mkdirSync(screenshots, { recursive: true });
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'], headless: true });
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      page.setDefaultTimeout(30_000);
      await page.goto(`${jupyterUrl}/lab?token=${jupyterToken}`);
      await page.locator('.lm-TabBar-tab[data-id="astra-sidebar"]').click();
      const sidebar = page.locator('.astra-sidebar');
      const flows = sidebar.getByRole('region', { name: 'Flows' });
      await flows.getByText('RAG: answer a question', { exact: true }).waitFor();
      await flows.getByText(waitFlowName, { exact: true }).waitFor();
      await shot(page, 'sidebar-flows');

      // Run from the sidebar: its Wait node shows running, then the run succeeds with the echoed input.
      await sidebar.getByRole('button', { name: `Run ${waitFlowName}` }).click();
      await sidebar.getByRole('textbox', { name: 'Question', exact: true }).fill('from the sidebar');
      await sidebar.getByRole('button', { name: 'Start run' }).click();
      await sidebar.locator('.astra-run-view tr[data-node-id="wait"] [data-state="running"]').waitFor();
      await shot(page, 'sidebar-run-live');
      await sidebar.locator('.astra-run-view[data-status="succeeded"]').waitFor();
      expect(await sidebar.locator('.astra-run-view .astra-outputs').textContent()).toContain('echo: from the sidebar');
      await shot(page, 'sidebar-run-done');

    } finally {
      await browser.close();
    }
  }, 240_000);

  it('a flow opens in a tab with the editor and follows a run live', async () => {
    const browser = await launch();
    try {
      const page = await openLab(browser);
      const sidebar = page.locator('.astra-sidebar');
      await sidebar.getByRole('button', { name: `Open ${waitFlowName}` }).click();
      const tab = page.locator('.astra-flow-tab');
      // The editor's own canvas: its four nodes, drawn with the editor's node component.
      await tab.locator('.react-flow__node').nth(3).waitFor();
      expect(await tab.locator('.react-flow__node').count()).toBe(4);
      expect(await tab.locator('.astra-node[data-node-id="wait"]').count()).toBe(1);
      const box = await tab.locator('.react-flow__renderer').boundingBox();
      expect(box && box.width > 300 && box.height > 300, JSON.stringify(box)).toBe(true);
      await shot(page, 'flow-tab');

      // Run from the tab's Run panel: the canvas lights the Wait node up while it runs, then all succeed.
      await tab.getByRole('tab', { name: 'Run' }).click();
      await tab.locator('[data-run-input="question"]').fill('from the tab');
      await tab.getByRole('button', { name: 'Run', exact: true }).click();
      await tab.locator('.astra-node[data-node-id="wait"][data-state="running"]').waitFor();
      await shot(page, 'flow-tab-run-live');
      await tab.locator('.astra-node[data-node-id="result"][data-state="succeeded"]').waitFor({ timeout: 60_000 });
      expect(await tab.locator('.astra-node[data-state="succeeded"]').count()).toBe(4);
      await shot(page, 'flow-tab-run-done');
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 240_000);

  it('a tslab cell that starts a run renders it live, and it keeps updating after the cell finished', async () => {
    // The cell only starts the run and shows it: the renderer, not the kernel, follows it to its end.
    const notebook = path.join('notebook-ext', 'tests', 'fixtures', 'live-run.ipynb');
    const source = [
      "import { connect } from '@astra/client/notebook';",
      'const astra = connect();',
      `const wanted = await astra.findFlow(${JSON.stringify(waitFlowName)});`,
      "const { run } = await astra.client.startRun({ flowId: wanted.id, inputs: { question: 'from a cell' } });",
      'astra.showRun(run);',
      'console.log(`cell finished while the run is ${run.status}`);',
    ].join('\n');
    writeFileSync(path.join(root, notebook), `${JSON.stringify({
      cells: [{ cell_type: 'code', id: 'live', metadata: {}, execution_count: null, outputs: [], source }],
      metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' }, language_info: { name: 'typescript' } },
      nbformat: 4,
      nbformat_minor: 5,
    }, null, 1)}\n`);
    const browser = await launch();
    try {
      const page = await openLab(browser, `lab/tree/${notebook}`);
      await page.locator('.jp-Notebook .jp-Cell').first().waitFor();
      // The status bar names the kernel once it has started (the toolbar's indicator says idle before that).
      await page.locator('.jp-StatusBar-Widget').getByText('TypeScript | Idle').waitFor({ timeout: 120_000 });
      await page.locator('.jp-Notebook .jp-Cell .cm-content').first().click();
      await page.keyboard.press('Shift+Enter');
      const output = page.locator('.jp-Notebook .jp-Cell').first().locator('.jp-OutputArea');
      await output.getByText('cell finished while the run is running').waitFor({ timeout: 150_000 }).catch(async (error: Error) => {
        await shot(page, 'cell-run-failed');
        throw new Error(`${error.message}\nthe cell showed: ${await page.locator('.jp-Notebook .jp-Cell').first().textContent()}`);
      });
      const view = output.locator('.astra-run-view');
      await view.locator('tr[data-node-id="wait"] [data-state="running"]').waitFor();
      // The cell is done (its prompt shows its count) while the rendered run is still going.
      await page.locator('.jp-Notebook .jp-Cell').first().locator('.jp-InputPrompt').getByText('[1]:').waitFor();
      expect(await view.getAttribute('data-status')).toBe('running');
      await shot(page, 'cell-run-live');
      await output.locator('.astra-run-view[data-status="succeeded"]').waitFor({ timeout: 60_000 });
      expect(await view.locator('.astra-outputs').textContent()).toContain('echo: from a cell');
      expect(await view.locator('[data-state="succeeded"]').count()).toBe(4);
      await shot(page, 'cell-run-done');
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 300_000);

  it('the sidebar chats with a published app, queries a collection and lists schedules', async () => {
    const astra = createAstraClient({ baseUrl: stack.baseUrl, token: astraToken });
    const ingested = await astra.ingest({ collection: 'jupyter-docs', path: path.join(root, 'examples', 'corpora', 'sqlite-docs'), glob: 'inmemorydb.html' });
    expect(ingested.status).toBe('completed');
    await astra.createSchedule({ name: 'jupyter-hourly', collection: 'jupyter-docs', path: path.join(root, 'examples', 'corpora', 'sqlite-docs'), glob: 'wal.html', every: '1h', paused: true });
    const browser = await launch();
    try {
      const page = await openLab(browser);
      const sidebar = page.locator('.astra-sidebar');
      const apps = sidebar.getByRole('region', { name: 'Chat apps' });
      await apps.getByText('Jupyter chat').waitFor();
      await apps.getByRole('button', { name: 'Chat with Jupyter chat' }).click();
      await apps.getByRole('textbox', { name: 'Message to Jupyter chat' }).fill('Name a colour.');
      await apps.getByRole('button', { name: 'Send' }).click();
      await apps.locator('.astra-chat[data-busy="false"] li[data-role="assistant"]').waitFor({ timeout: 120_000 });
      const reply = (await apps.locator('li[data-role="assistant"]').textContent()) ?? '';
      expect(reply.trim()).not.toBe('');
      expect(await apps.locator('li[data-role="assistant"].astra-problem').count()).toBe(0);
      // The answer was stored in a conversation of the app.
      const { conversations } = await astra.conversations(chatSlug);
      expect(conversations).toHaveLength(1);
      const { conversation } = await astra.conversation(conversations[0]!.id);
      expect(conversation.messages?.map((message) => message.role)).toEqual(['user', 'assistant']);
      expect(reply).toContain(conversation.messages![1]!.content.trim().slice(0, 20));
      await shot(page, 'sidebar-chat');

      await sidebar.getByRole('button', { name: 'Refresh' }).click();
      const collections = sidebar.getByRole('region', { name: 'Collections' });
      await collections.locator('option[value="jupyter-docs"]').waitFor({ state: 'attached' });
      await collections.getByRole('combobox', { name: 'Collection' }).selectOption('jupyter-docs');
      await collections.getByRole('textbox', { name: 'Query' }).fill('a database that lives in memory');
      await collections.getByRole('button', { name: 'Query' }).click();
      const results = collections.getByRole('list', { name: 'Query results' });
      await results.locator('li').first().waitFor();
      expect(await results.locator('li').first().textContent()).toMatch(/memory/i);
      await sidebar.getByRole('region', { name: 'Schedules' }).locator('li[data-schedule="jupyter-hourly"]').waitFor();
      expect(await sidebar.locator('li[data-schedule="jupyter-hourly"]').textContent()).toContain('into jupyter-docs (paused)');
      await shot(page, 'sidebar-collections-schedules');
    } finally {
      await browser.close();
      await astra.deleteSchedule('jupyter-hourly').catch(() => undefined);
    }
  }, 300_000);
});
