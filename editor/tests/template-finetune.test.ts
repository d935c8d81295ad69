// The "Fine-tune and serve" template used as a person would in real Chromium on the real stack, as
// shipped (150 LoRA steps, export, quantise, register) on the shipped dataset examples/datasets/veltrana.jsonl:
// "Use template" on the flow list, then the Run tab until the run says succeeded. Apart from
// templates.test.ts because it trains for minutes (about 5 on an idle 2-core machine, far longer under load).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { apiAs, eventually, screenshotDir, signIn, startBrowserStack, type BrowserStack } from './browser-stack';

let stack: BrowserStack;
let page: Page;
let user: Awaited<ReturnType<BrowserStack['harness']['newUser']>>;

beforeAll(async () => {
  stack = await startBrowserStack({ worker: true });
  user = await stack.harness.newUser('admin');
  ({ page } = await stack.newPage());
  await signIn(page, stack.baseUrl, user.username, user.password);
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

describe('the fine-tune template, as shipped', () => {
  it('trains, exports, quantises and registers a model from the shipped dataset', async () => {
    await page.getByRole('button', { name: 'Use template Fine-tune and serve', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Use “Fine-tune and serve”' });
    await eventually(() => dialog.getByLabel('Flow name').inputValue()).toBe('Fine-tune and serve');
    await dialog.getByRole('button', { name: 'Create flow' }).click();
    await page.locator('.react-flow__node').first().waitFor();

    const name = `veltrana-${Date.now().toString(36)}`;
    await page.getByRole('tab', { name: 'Run' }).click();
    await page.locator('[data-run-input="data"]').fill(await readFile(fileURLToPath(new URL('../../examples/datasets/veltrana.jsonl', import.meta.url)), 'utf8'));
    await page.locator('[data-run-input="name"]').fill(name);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const status = page.locator('.run-current [data-run-status]');
    await status.waitFor();
    await eventually(() => status.textContent(), 3_000_000).not.toBe('running');
    await page.screenshot({ path: path.join(screenshotDir, 'templates-07-finetune.png') });
    expect(await status.textContent()).toBe('succeeded');
    const models = await apiAs(stack.harness, user.token)<{ models: Array<{ name: string }> }>('GET', '/api/models');
    expect(models.body.models.map((model) => model.name)).toContain(name);
  }, 3_600_000);
});
