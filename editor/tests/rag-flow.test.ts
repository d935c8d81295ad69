// A new user builds a RAG flow in the editor with the mouse, sees a wrong connection refused, fills
// params, saves, runs it on the real stack, watches the nodes succeed and reads the cited answer.
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { apiAs, dragConnection, eventually, screenshotDir, signIn, startBrowserStack, type BrowserStack, clickNode } from './browser-stack';

let stack: BrowserStack;
let folder: string;

beforeAll(async () => {
  stack = await startBrowserStack({ worker: true });
  folder = await mkdtemp(path.join(os.tmpdir(), 'astra-editor-docs-'));
  await writeFile(path.join(folder, 'otters.md'), '# Sea otters\n\nSea otters hold hands while they sleep so that they do not drift apart on the water. A group of resting otters is called a raft.\n\nOtters keep a favourite stone in a pouch of loose skin under the forearm and use it to crack open shellfish.\n');
  await writeFile(path.join(folder, 'lighthouse.md'), '# The Brightwater lighthouse\n\nThe Brightwater lighthouse was first lit in 1872. Its lamp burned whale oil until 1911, when it was changed to kerosene.\n');
  await writeFile(path.join(folder, 'tea.md'), '# Green tea\n\nGreen tea is steeped at about 80 degrees Celsius for two to three minutes; boiling water makes it bitter.\n');
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(screenshotDir, `rag-${name}.png`) });

/** Drags a node type from the palette onto the canvas at a point inside the pane; returns the new node's id. */
async function dropNode(page: Page, type: string, at: { x: number; y: number }): Promise<string> {
  const before = await page.locator('.react-flow__node').count();
  await page.locator(`.palette-item[data-node-type="${type}"]`).dragTo(page.locator('.react-flow__pane'), { targetPosition: at });
  await eventually(() => page.locator('.react-flow__node').count()).toBe(before + 1);
  const id = await page.locator('.react-flow__node.selected').getAttribute('data-id');
  if (!id) throw new Error(`dropping ${type} selected no node`);
  return id;
}

async function setParam(page: Page, name: string, value: string) {
  const field = page.locator(`#panel-inspector [data-param="${name}"]`);
  await field.fill(value);
  await eventually(() => field.inputValue()).toBe(value);
}

describe('building and running a RAG flow in the editor', () => {
  it('drags, connects (refusing a wrong edge), fills params, saves, runs and shows the cited answer', async () => {
    const user = await stack.harness.newUser('admin');
    const api = apiAs(stack.harness, user.token);
    const collection = `editor-rag-${Date.now().toString(36)}`;
    const { page } = await stack.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });

    await signIn(page, stack.baseUrl, user.username, user.password, 'rag-01-login.png');
    await shot(page, '02-flow-list');

    await page.getByLabel('New flow name').fill('Otter questions');
    await page.getByRole('button', { name: 'Create flow' }).click();
    await page.locator('.react-flow__pane').waitFor();
    await eventually(() => page.url()).toMatch(/#\/flows\/[^/]+$/);
    const flowId = decodeURIComponent(page.url().split('#/flows/')[1]!);
    await shot(page, '03-empty-canvas');

    // Three rows of nodes across the pane (each centred where it is dropped), filled in as they land.
    // Every handle stays over 40 px inside the pane: a connection held near the edge auto-pans the
    // canvas, and a handle at the right edge would sit under the inspector.
    const question = await dropNode(page, 'io.input', { x: 180, y: 90 });
    await setParam(page, 'name', 'question');
    await setParam(page, 'label', 'Question');
    const load = await dropNode(page, 'sources.load-files', { x: 440, y: 90 });
    await setParam(page, 'path', folder);
    const chunk = await dropNode(page, 'rag.chunk', { x: 700, y: 90 });
    const embed = await dropNode(page, 'rag.embed', { x: 180, y: 360 });
    const store = await dropNode(page, 'rag.store', { x: 440, y: 360 });
    await setParam(page, 'collection', collection);
    const retrieve = await dropNode(page, 'rag.retrieve', { x: 700, y: 360 });
    await setParam(page, 'k', '3');
    const answer = await dropNode(page, 'rag.answer', { x: 180, y: 620 });
    await setParam(page, 'maxTokens', '80');
    const output = await dropNode(page, 'io.output', { x: 440, y: 620 });
    await setParam(page, 'name', 'answer');
    expect([question, load, chunk, embed, store, retrieve, answer, output]).toEqual(['input_1', 'load-files_1', 'chunk_1', 'embed_1', 'store_1', 'retrieve_1', 'answer_1', 'output_1']);
    await shot(page, '04-nodes-dropped');

    // Documents cannot feed an input that takes chunks: the canvas says why while dragging, and refuses on release.
    await dragConnection(page, { node: load, port: 'documents' }, { node: embed, port: 'chunks' }, { release: false });
    await eventually(() => page.locator('.connection-hint').textContent()).toContain('a documents output cannot feed a chunks input');
    await shot(page, '05-wrong-connection-hint');
    await page.mouse.up();
    await eventually(() => page.locator('[data-notice="error"]').textContent()).toContain('Connection refused: a documents output cannot feed a chunks input (it takes chunks)');
    expect(await page.locator('.react-flow__edge').count()).toBe(0);
    await shot(page, '06-wrong-connection-refused');

    const wires: Array<[string, string, string, string]> = [
      [load, 'documents', chunk, 'documents'],
      [chunk, 'chunks', embed, 'chunks'],
      [chunk, 'chunks', store, 'chunks'],
      [embed, 'embeddings', store, 'embeddings'],
      [store, 'collection', retrieve, 'collection'],
      [question, 'value', retrieve, 'query'],
      [question, 'value', answer, 'question'],
      [retrieve, 'passages', answer, 'passages'],
      [answer, 'answer', output, 'value'],
    ];
    for (const [i, [source, sourcePort, target, targetPort]] of wires.entries()) {
      await dragConnection(page, { node: source, port: sourcePort }, { node: target, port: targetPort });
      await eventually(() => page.locator('.react-flow__edge').count()).toBe(i + 1);
    }
    await page.locator('.status-ok').waitFor();
    await page.keyboard.press('Shift+L');
    await page.waitForTimeout(500);
    await shot(page, '07-connected-and-arranged');

    await page.getByLabel('Version message').fill('RAG over the docs folder');
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(() => page.locator('.save-state').textContent()).toBe('Saved · v2');
    const saved = await api<{ version: { graph: { nodes: Array<{ id: string; type: string; params: Record<string, unknown> }>; edges: unknown[] } } }>('GET', `/api/flows/${flowId}`);
    expect(saved.body.version.graph.edges).toHaveLength(9);
    expect(saved.body.version.graph.nodes.find((node) => node.id === store)?.params).toEqual({ collection });
    expect(saved.body.version.graph.nodes.find((node) => node.id === load)?.params.path).toBe(folder);
    await shot(page, '08-saved');

    // Record every state each node shows, to prove the canvas followed the run live.
    await page.evaluate(() => {
      const seen: Record<string, string[]> = {};
      (window as unknown as { seenStates: Record<string, string[]> }).seenStates = seen;
      const note = (element: Element) => {
        const id = element.getAttribute('data-node-id');
        const state = element.getAttribute('data-state');
        if (!id || !state) return;
        const states = (seen[id] ??= []);
        if (states.at(-1) !== state) states.push(state);
      };
      new MutationObserver((mutations) => mutations.forEach((mutation) => note(mutation.target as Element))).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
    });

    await page.getByRole('tab', { name: 'Run' }).click();
    await page.locator('[data-run-input="question"]').fill('Why do sea otters hold hands?');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('.astra-node[data-state="running"]').first().waitFor({ timeout: 30_000 });
    await shot(page, '09-running');
    await eventually(() => page.locator('[data-run-status]').first().textContent(), 150_000).toBe('succeeded');
    await eventually(() => page.locator('.astra-node[data-state="succeeded"]').count()).toBe(8);
    await shot(page, '10-all-succeeded');

    const seen = await page.evaluate(() => (window as unknown as { seenStates: Record<string, string[]> }).seenStates);
    expect(seen[answer]).toContain('running');
    expect(seen[answer]?.at(-1)).toBe('succeeded');

    const firstRunId = ((await page.locator('.run-current h3 code').textContent()) ?? '').trim();
    const result = page.locator('.run-outputs [data-output="answer"]');
    await result.locator('.answer-text').waitFor();
    expect((await result.locator('.answer-text').textContent())?.trim()).not.toBe('');
    const citations = result.locator('.citations li');
    expect(await citations.count()).toBeGreaterThanOrEqual(1);
    expect(await citations.first().textContent()).toContain('[1]');
    expect(await result.textContent()).toContain('otters.md');
    await result.scrollIntoViewIfNeeded();
    await shot(page, '11-answer-with-citations');

    // The output panel for one node: select Retrieve and read its passages as a table.
    await clickNode(page, retrieve);
    await eventually(() => page.locator(`[data-node-output="${retrieve}"] .output-table tbody tr`).count()).toBe(3);
    await shot(page, '12-node-output-table');

    // Re-run from the Answer node: everything upstream is reused, only the answer is generated again.
    await clickNode(page, answer);
    await page.getByRole('button', { name: 'Re-run from this node' }).click();
    await eventually(() => page.locator('.run-current h3').textContent()).not.toContain(firstRunId);
    await eventually(() => page.locator('[data-run-status]').first().textContent(), 90_000).toBe('succeeded');
    await eventually(() => page.locator('.astra-node[data-state="cached"]').count()).toBe(6);
    expect(await page.locator(`.astra-node[data-node-id="${answer}"]`).getAttribute('data-state')).toBe('succeeded');
    await shot(page, '13-rerun-from-answer');

    const runs = await api<{ runs: Array<{ status: string; fromNode: string | null }> }>('GET', `/api/runs?flowId=${flowId}`);
    expect(runs.body.runs.map((run) => [run.status, run.fromNode])).toEqual([['succeeded', answer], ['succeeded', null]]);
    await eventually(() => page.locator('.run-history li').count()).toBe(2);
    expect(dialogs).toEqual([]);
  }, 170_000);
});
