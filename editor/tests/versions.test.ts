// Saving makes versions; the server's problems land on the node and the field they concern and a
// flow with problems is not saved; history shows a visual diff and restores an old version. Along
// the way: a node added from the keyboard, every control labelled, and dark mode.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { FlowGraph } from '@astra/workflows/flow';
import { graphOf } from '../../server/src/flows/testing/graphs';
import { apiAs, dragConnection, eventually, screenshotDir, signIn, startBrowserStack, type BrowserStack } from './browser-stack';

let stack: BrowserStack;

beforeAll(async () => {
  stack = await startBrowserStack({ worker: false });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(screenshotDir, `versions-${name}.png`) });

/** Interactive elements a screen reader could not name. */
function unlabelled(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('button, input, select, textarea, a[href], [role="tab"]')]
      .filter((element) => element.offsetParent !== null || element.getAttribute('type') === 'file')
      .filter((element) => {
        const labelled = element instanceof HTMLInputElement || element instanceof HTMLSelectElement || element instanceof HTMLTextAreaElement ? (element.labels?.length ?? 0) > 0 : false;
        return !labelled && !element.getAttribute('aria-label') && !element.getAttribute('aria-labelledby') && !element.textContent?.trim() && !element.title;
      })
      .map((element) => element.outerHTML.slice(0, 120)),
  );
}

describe('versions, server problems, diff and restore', () => {
  it('refuses a flow with problems, saves versions, compares two visually and restores one', async () => {
    const user = await stack.harness.newUser('user');
    const api = apiAs(stack.harness, user.token);
    const first = graphOf(
      [
        { id: 'question', type: 'io.input', params: { name: 'question' } },
        { id: 'shout', type: 'text.template', params: { template: 'Q: {{input}}' } },
        { id: 'result', type: 'io.output', params: { name: 'result' } },
      ],
      ['question.value>shout.input', 'shout.text>result.value'],
    );
    const created = await api<{ flow: { id: string } }>('POST', '/api/flows', { name: 'Versioned', graph: first, message: 'first' });
    expect(created.status).toBe(201);
    const flowId = created.body.flow.id;
    const v1 = (await api<{ version: { graph: FlowGraph } }>('GET', `/api/flows/${flowId}`)).body.version.graph;

    const { page } = await stack.newPage();
    await signIn(page, stack.baseUrl, user.username, user.password);

    // A template from examples/flows becomes a flow of one's own.
    await page.getByRole('button', { name: 'Use template RAG: ingest a folder, then answer' }).click();
    // The template stores into a collection: the dialog asks which (no hard-coded "docs") and suggests the name.
    const templateDialog = page.getByRole('dialog', { name: /Use “RAG: ingest a folder, then answer”/ });
    await templateDialog.getByLabel('Collection').fill('notes');
    await templateDialog.getByRole('button', { name: 'Create flow' }).click();
    await eventually(() => page.locator('.react-flow__node').count()).toBe(9);
    await eventually(() => page.locator('.flow-name').inputValue()).toBe('RAG: ingest a folder, then answer');
    await shot(page, '00-from-template');
    await page.getByRole('link', { name: '← Flows' }).click();

    await page.getByRole('link', { name: /Versioned/ }).click();
    await eventually(() => page.locator('.react-flow__node').count()).toBe(3);
    expect(await unlabelled(page)).toEqual([]);

    // From the keyboard: search the palette and press Enter to add an Output node (named "result" by default).
    await page.getByLabel('Search nodes').focus();
    await page.keyboard.type('output');
    await page.keyboard.press('Enter');
    await eventually(() => page.locator('.react-flow__node').count()).toBe(4);
    // The server's check: a second output named "result" is on the new node and on its Name field.
    const nameField = page.locator('#panel-inspector [data-param="name"]');
    await eventually(() => nameField.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#panel-inspector .field-error').first().textContent()).toContain('already uses the output name "result"');
    expect(await page.locator('.react-flow__node[data-id="output_1"] .node-problem').textContent()).toContain('already uses the output name "result"');
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(() => page.locator('[data-notice="error"]').textContent()).toContain('Not saved: 2 problems');
    expect(await page.locator('.save-state').textContent()).toBe('Unsaved changes');
    await shot(page, '01-problems-refused');

    // Fix both: rename it and feed it.
    await nameField.fill('second');
    await page.keyboard.press('Shift+L');
    await page.waitForTimeout(400);
    await dragConnection(page, { node: 'shout', port: 'text' }, { node: 'output_1', port: 'value' });
    await page.locator('.status-ok').waitFor();
    await page.getByLabel('Version message').fill('a second output');
    await page.keyboard.press('Control+s');
    await eventually(() => page.locator('.save-state').textContent()).toBe('Saved · v2');

    await page.locator('.react-flow__node[data-id="shout"]').click();
    await page.locator('#panel-inspector [data-param="template"]').fill('Changed: {{input}}');
    await page.getByRole('button', { name: 'Save' }).click();
    await eventually(() => page.locator('.save-state').textContent()).toBe('Saved · v3');

    await page.getByRole('tab', { name: 'Versions' }).click();
    await eventually(() => page.locator('.version-list > li').count()).toBe(3);
    expect(await page.locator('.version-list > li').first().textContent()).toContain('v3');
    expect(await page.locator('.version-list > li').nth(1).textContent()).toContain('a second output');
    await page.getByRole('button', { name: 'Compare version 1 with version 3' }).click();
    const dialog = page.getByRole('dialog', { name: 'Changes from version 1 to 3' });
    await dialog.waitFor();
    await eventually(() => dialog.locator('.diff-summary').textContent()).toContain('1 added · 0 removed · 1 changed');
    expect(await dialog.locator('.diff-node.diff-added').textContent()).toContain('output_1');
    expect(await dialog.locator('.diff-node.diff-changed').textContent()).toContain('params.template');
    expect(await dialog.locator('.diff-details').textContent()).toContain('"Changed: {{input}}"');
    await shot(page, '02-diff');
    await dialog.getByRole('button', { name: 'Close the comparison' }).click();

    await page.getByRole('button', { name: 'Restore version 1' }).click();
    await eventually(() => page.locator('.save-state').textContent()).toBe('Saved · v4');
    await eventually(() => page.locator('.react-flow__node').count()).toBe(3);
    const latest = (await api<{ version: { number: number; graph: FlowGraph } }>('GET', `/api/flows/${flowId}`)).body.version;
    expect(latest.number).toBe(4);
    expect(latest.graph).toEqual(v1);
    expect(await unlabelled(page)).toEqual([]);

    await page.getByRole('button', { name: 'Switch to dark mode' }).click();
    await eventually(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.getByRole('tab', { name: 'Inspector' }).click();
    await page.locator('.react-flow__node[data-id="shout"]').click();
    await shot(page, '03-dark');
  }, 120_000);
});
