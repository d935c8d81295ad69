// Undo/redo, copy/paste and export → import, through the keyboard and mouse: each keeps the flow
// exactly as it was (read back from the editor's own export and from the server).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { FlowExport, FlowGraph } from '@astra/workflows/flow';
import { ragFlow } from '../../server/src/flows/testing/graphs';
import { apiAs, centreOf, eventually, screenshotDir, signIn, startBrowserStack, type BrowserStack, clickNode, panToNode } from './browser-stack';

let stack: BrowserStack;

beforeAll(async () => {
  stack = await startBrowserStack({ worker: false });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(screenshotDir, `history-${name}.png`) });

/** What the editor holds right now, through its Export button (the file a person would download). */
async function exported(page: Page): Promise<FlowExport> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export', exact: true }).click()]);
  const file = await download.path();
  return JSON.parse(await readFile(file, 'utf8')) as FlowExport;
}

const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
const nodeCount = (page: Page) => page.locator('.react-flow__node').count();
const edgeCount = (page: Page) => page.locator('.react-flow__edge').count();

describe('editing history, clipboard and export round trip', () => {
  it('undo/redo, copy/paste and export → import keep the flow identical', async () => {
    const user = await stack.harness.newUser('user');
    const api = apiAs(stack.harness, user.token);
    const created = await api<{ flow: { id: string } }>('POST', '/api/flows', { name: 'History check', description: 'undo, paste, round trip', graph: ragFlow('history-check') });
    expect(created.status).toBe(201);
    const flowId = created.body.flow.id;
    const stored = (await api<{ version: { graph: FlowGraph } }>('GET', `/api/flows/${flowId}`)).body.version.graph;

    const { page } = await stack.newPage();
    await signIn(page, stack.baseUrl, user.username, user.password);
    await page.getByRole('link', { name: /History check/ }).click();
    await eventually(() => nodeCount(page)).toBe(9);
    await page.locator('.status-ok').waitFor();
    expect((await exported(page)).graph).toEqual(stored);
    await shot(page, '01-loaded');

    // Three edits: delete a node (and its three edges), move another, change a param.
    await clickNode(page, 'chunk');
    await page.keyboard.press('Delete');
    await eventually(() => nodeCount(page)).toBe(8);
    expect(await edgeCount(page)).toBe(7);
    // At the readable zoom this flow is wider than the pane: pan to the node first.
    await panToNode(page, 'answer');
    const from = await centreOf(page, '.react-flow__node[data-id="answer"] .node-header');
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(from.x + 60, from.y + 80, { steps: 8 });
    await page.mouse.up();
    await clickNode(page, 'retrieve');
    await page.locator('#panel-inspector [data-param="k"]').fill('7');
    await eventually(() => page.locator('.save-state').textContent()).toBe('Unsaved changes');
    const edited = (await exported(page)).graph;
    expect(edited.nodes.map((n) => n.id)).not.toContain('chunk');
    expect(edited.nodes.find((n) => n.id === 'retrieve')?.params.k).toBe(7);
    expect(edited.nodes.find((n) => n.id === 'answer')?.position).not.toEqual(stored.nodes.find((n) => n.id === 'answer')?.position);
    await shot(page, '02-edited');

    // Undo all three: the flow is the stored one again, and the editor says so.
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    for (let i = 0; i < 3; i += 1) await page.keyboard.press('Control+z');
    await eventually(() => nodeCount(page)).toBe(9);
    expect((await exported(page)).graph).toEqual(stored);
    await eventually(() => page.locator('.save-state').textContent()).toBe('Saved · v1');
    await shot(page, '03-undone');

    // Redo all three (Ctrl+Shift+Z and Ctrl+Y both redo): exactly the edited flow.
    await page.keyboard.press('Control+Shift+z');
    await page.keyboard.press('Control+y');
    await page.keyboard.press('Control+Shift+z');
    await eventually(() => nodeCount(page)).toBe(8);
    expect((await exported(page)).graph).toEqual(edited);
    for (let i = 0; i < 3; i += 1) await page.keyboard.press('Control+z');
    await eventually(() => nodeCount(page)).toBe(9);
    expect((await exported(page)).graph).toEqual(stored);

    // Copy two connected nodes and paste: equal copies with new ids, the edge between them copied too.
    await clickNode(page, 'embed');
    await node(page, 'store').click({ modifiers: ['Control'] });
    await eventually(() => page.locator('.react-flow__node.selected').count()).toBe(2);
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await eventually(() => nodeCount(page)).toBe(11);
    await shot(page, '04-pasted');
    const pasted = (await exported(page)).graph;
    expect(pasted.nodes.slice(0, 9)).toEqual(stored.nodes);
    expect(pasted.edges.slice(0, stored.edges.length)).toEqual(stored.edges);
    for (const [original, copy] of [['embed', 'embed_1'], ['store', 'store_1']] as const) {
      const was = stored.nodes.find((n) => n.id === original)!;
      const now = pasted.nodes.find((n) => n.id === copy)!;
      expect({ type: now.type, version: now.version, params: now.params }).toEqual({ type: was.type, version: was.version, params: was.params });
      expect(now.position).toEqual({ x: was.position!.x + 40, y: was.position!.y + 40 });
    }
    expect(pasted.edges.slice(stored.edges.length).map((e) => `${e.source}.${e.sourcePort}>${e.target}.${e.targetPort}`)).toEqual(['embed_1.embeddings>store_1.embeddings']);
    await page.keyboard.press('Control+z');
    await eventually(() => nodeCount(page)).toBe(9);
    expect((await exported(page)).graph).toEqual(stored);

    // Export, then import the file as a new flow: the server holds the identical graph.
    const file = await exported(page);
    expect(file).toEqual({ format: 'astra.flow', formatVersion: 1, name: 'History check', description: 'undo, paste, round trip', graph: stored });
    const serverExport = await api<FlowExport>('GET', `/api/flows/${flowId}/export`);
    expect(serverExport.body.graph).toEqual(stored);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export', exact: true }).click()]);
    const exportPath = await download.path();
    await page.getByRole('link', { name: '← Flows' }).click();
    await page.getByLabel('Import a flow file').setInputFiles(exportPath);
    await eventually(() => page.url()).not.toContain(flowId);
    await eventually(() => nodeCount(page)).toBe(9);
    const importedId = decodeURIComponent(page.url().split('#/flows/')[1]!);
    const imported = (await api<{ flow: { name: string; description: string }; version: { graph: FlowGraph } }>('GET', `/api/flows/${importedId}`)).body;
    expect(imported.version.graph).toEqual(stored);
    expect({ name: imported.flow.name, description: imported.flow.description }).toEqual({ name: 'History check', description: 'undo, paste, round trip' });
    await shot(page, '05-imported');
  }, 150_000);
});
