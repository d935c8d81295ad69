// Output is text, never markup: an HTML payload that flows through a run shows as text in the run's
// outputs and in a node's output, opens no dialog and adds no element; the page forbids inline script.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { graphOf } from '../../server/src/flows/testing/graphs';
import { apiAs, eventually, screenshotDir, signIn, startBrowserStack, type BrowserStack } from './browser-stack';

let stack: BrowserStack;

beforeAll(async () => {
  stack = await startBrowserStack({ worker: true });
}, 150_000);

afterAll(async () => {
  await stack?.close();
});

const payload = '<img src=x onerror=alert(1)> **bold** [link](javascript:alert(2)) <script>alert(3)</script>';

/** Elements the payload would create if it were rendered as HTML. */
const injected = (page: Page, scope: string) => page.locator(`${scope} img, ${scope} script, ${scope} a[href^="javascript"], ${scope} [onerror]`).count();

describe('untrusted text in outputs', () => {
  it('shows <img src=x onerror=alert(1)> as text and opens no dialog', async () => {
    const user = await stack.harness.newUser('user');
    const api = apiAs(stack.harness, user.token);
    const graph = graphOf(
      [
        { id: 'text', type: 'io.input', params: { name: 'text', label: 'Text' } },
        { id: 'shout', type: 'text.template', params: { template: 'Model said: {{input}}' } },
        { id: 'result', type: 'io.output', params: { name: 'result' } },
      ],
      ['text.value>shout.input', 'shout.text>result.value'],
    );
    const created = await api<{ flow: { id: string } }>('POST', '/api/flows', { name: 'Echo <b>untrusted</b>', graph });
    expect(created.status).toBe(201);

    const shell = await fetch(`${stack.baseUrl}/`);
    expect(shell.headers.get('content-security-policy')).toContain("script-src 'self'");

    const { page } = await stack.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await signIn(page, stack.baseUrl, user.username, user.password);
    // The flow name is text too.
    await page.getByRole('link', { name: /Echo <b>untrusted<\/b>/ }).click();
    await eventually(() => page.locator('.react-flow__node').count()).toBe(3);

    await page.getByRole('tab', { name: 'Run' }).click();
    await page.locator('[data-run-input="text"]').fill(payload);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await eventually(() => page.locator('[data-run-status]').first().textContent(), 90_000).toBe('succeeded');

    const output = page.locator('.run-outputs [data-output="result"]');
    await output.waitFor();
    const shown = (await output.locator('.markdown').textContent()) ?? '';
    expect(shown).toContain('<img src=x onerror=alert(1)>');
    expect(shown).toContain('<script>alert(3)</script>');
    expect(await output.locator('strong').textContent()).toBe('bold');
    expect(await injected(page, '.run-outputs')).toBe(0);

    await page.locator('.react-flow__node[data-id="shout"]').click();
    const nodeOutput = page.locator('[data-node-output="shout"]');
    await eventually(() => nodeOutput.locator('.markdown').textContent()).toContain('Model said: <img src=x onerror=alert(1)>');
    expect(await injected(page, '[data-node-output="shout"]')).toBe(0);
    await page.screenshot({ path: path.join(screenshotDir, 'untrusted-01-output-as-text.png') });

    // Give a late handler every chance to fire before concluding none did.
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => document.querySelectorAll('img:not(.react-flow__minimap img)').length)).toBe(0);
    expect(dialogs).toEqual([]);
  }, 150_000);

  it('cancels a running flow from the run panel', async () => {
    const user = await stack.harness.newUser('user');
    const api = apiAs(stack.harness, user.token);
    const graph = graphOf([{ id: 'wait', type: 'util.wait', params: { milliseconds: 60_000 } }, { id: 'after', type: 'util.pass-through' }], ['wait.value>after.value']);
    expect((await api('POST', '/api/flows', { name: 'Slow', graph })).status).toBe(201);
    const { page } = await stack.newPage();
    await signIn(page, stack.baseUrl, user.username, user.password);
    await page.getByRole('link', { name: /Slow/ }).click();
    await page.getByRole('tab', { name: 'Run' }).click();
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('.astra-node[data-node-id="wait"][data-state="running"]').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await eventually(() => page.locator('[data-run-status]').first().textContent(), 30_000).toBe('cancelled');
    await eventually(() => page.locator('.astra-node[data-state="cancelled"]').count()).toBe(2);
    await page.screenshot({ path: path.join(screenshotDir, 'untrusted-02-cancelled.png') });
  }, 90_000);
});
