// JupyterLab with Astra's extension against a real Astra (worker, Temporal, Postgres, Chroma, models):
// the server extension's auth, Astra refusing Jupyter's token, the example notebooks run headless on
// tslab, a wrong param type refused by the type checker in a cell, and the sidebar, a flow tab and a live
// run renderer in real JupyterLab in Chromium (screenshots in tests/screenshots/).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { startTestWorker, type TestWorker } from '../../activities/src/testing/test-worker';
import { createAppHarness, type AppHarness } from '../../server/src/testing/app-harness';
import { chromium, type Page } from 'playwright-core';
import { createAstraClient, flow } from '@astra/client';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const venv = path.resolve(root, process.env.ASTRA_VENV ?? '.venv');
const jupyterPort = 9431 + Math.floor(Math.random() * 8);
const jupyterToken = randomBytes(16).toString('hex');
const jupyterUrl = `http://127.0.0.1:${jupyterPort}`;
const screenshots = path.join(root, 'notebook-ext', 'tests', 'screenshots');
const waitFlowName = 'Browser: wait and echo';

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
  for (const file of ['rag-question-answering.json']) {
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
  await createAstraClient({ baseUrl: stack.baseUrl, token: astraToken }).createFlow({ name: waitFlowName, graph: f.graph() });
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

function runNotebooks(files: string[], timeout: number) {
  const result = spawnSync(path.join(venv, 'bin', 'python'), [path.join(root, 'examples', 'notebooks', 'run_notebooks.py'), ...files], {
    env: { ...process.env, ASTRA_URL: stack.baseUrl, ASTRA_TOKEN: astraToken, PATH: `${path.join(venv, 'bin')}:${process.env.PATH}` },
    encoding: 'utf8',
    timeout,
    maxBuffer: 256 * 1024 * 1024,
  });
  expect(result.status, `${result.error?.message ?? ''} ${result.stderr.slice(-2000)} ${result.stdout.slice(-3000)}`).toBe(0);
  return result.stdout.trim().split('\n').map((line) => executed.parse(JSON.parse(line)));
}

const output = z.object({ output_type: z.string(), name: z.string().optional(), text: z.string().optional(), ename: z.string().optional(), evalue: z.string().optional(), data: z.record(z.string(), z.unknown()).optional() });
const executed = z.object({ notebook: z.string(), cells: z.array(z.array(output)), stopped: z.string().nullable() });

describe('flows built in a notebook cell', () => {
  it('a wrong param type fails to type-check, with a message naming the param', () => {
    const [notebook] = runNotebooks([path.join(root, 'notebook-ext', 'tests', 'fixtures', 'wrong-param.ipynb')], 120_000);
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

  it('the sidebar lists and runs flows live', async () => {
    mkdirSync(screenshots, { recursive: true });
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'], headless: true });
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      page.setDefaultTimeout(30_000);
      await page.goto(`${jupyterUrl}/lab?token=${jupyterToken}`);
      await page.locator('.lm-TabBar-tab[data-id="astra-sidebar"]').click();
      const sidebar = page.locator('.astra-sidebar');
      await sidebar.getByText('RAG: answer a question').waitFor();
      await sidebar.getByText(waitFlowName).waitFor();
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
});
