// The identity and access pages in real Chromium: Sessions signs out another browser (refused on its
// next request), the admin's Audit log shows and filters what happened, Model access restricts a model
// so another user's node form no longer offers it.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { graphOf } from '../../server/src/flows/testing/graphs';
import { registerTestModel } from '../../server/src/testing/test-model';
import { apiAs, eventually, screenshotDir, signIn, startBrowserStack, type BrowserStack } from './browser-stack';

let stack: BrowserStack;
beforeAll(async () => {
  stack = await startBrowserStack({ worker: false });
}, 180_000);
afterAll(async () => {
  await stack?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(screenshotDir, `identity-${name}.png`), fullPage: true });

describe('identity and access pages', () => {
  it('lists your sessions and signs another one out; its next request is refused', async () => {
    const user = await stack.harness.newUser('user');
    const { page } = await stack.newPage();
    const other = await stack.newPage();
    await signIn(page, stack.baseUrl, user.username, user.password);
    await signIn(other.page, stack.baseUrl, user.username, user.password);
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.getByRole('heading', { name: 'Sessions' }).waitFor();
    const rows = page.getByRole('table', { name: 'Sessions' }).locator('tbody tr');
    await eventually(() => rows.count()).toBe(2);
    expect(await page.getByRole('table', { name: 'API tokens' }).textContent()).toContain('test');
    await shot(page, 'sessions');
    const otherRow = rows.filter({ hasNotText: '(this one)' });
    await otherRow.getByRole('button', { name: /Sign out session/ }).click();
    await eventually(() => rows.count()).toBe(1);
    const refused = await other.page.evaluate(async () => (await fetch('/api/auth/me')).status);
    expect(refused).toBe(401);
    expect(await page.evaluate(async () => (await fetch('/api/auth/me')).status)).toBe(200);
  });

  it("shows an admin the audit log, filtered, and keeps it from a user's menu", async () => {
    const admin = await stack.harness.newUser('admin');
    const user = await stack.harness.newUser('user');
    const api = apiAs(stack.harness, user.token);
    expect((await api('POST', '/api/flows', { name: `audited ${randomBytes(2).toString('hex')}`, graph: graphOf([{ id: 'in', type: 'io.input', params: { name: 'x' } }], []) })).status).toBe(201);
    const { page } = await stack.newPage();
    await signIn(page, stack.baseUrl, admin.username, admin.password);
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await page.getByLabel('Who').fill(user.username);
    await page.getByRole('button', { name: 'Filter' }).click();
    const table = page.getByRole('table', { name: 'Audit events' });
    await eventually(() => table.locator('tbody tr').count()).toBe(1);
    expect(await table.locator('tbody tr').first().textContent()).toContain('flow.create');
    await page.getByLabel('Who').fill(admin.username);
    await page.getByLabel('Action').fill('auth.');
    await page.getByRole('button', { name: 'Filter' }).click();
    await eventually(async () => (await table.locator('tbody tr').first().textContent()) ?? '').toContain('auth.sign-in');
    await shot(page, 'audit');

    const plain = await stack.newPage();
    await signIn(plain.page, stack.baseUrl, user.username, user.password);
    expect(await plain.page.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
  });

  it('restricts a model from the Model access page; another user no longer sees it offered', async () => {
    const model = await registerTestModel(stack.harness.pool);
    const admin = await stack.harness.newUser('admin');
    const user = await stack.harness.newUser('user');
    const { page } = await stack.newPage();
    await signIn(page, stack.baseUrl, admin.username, admin.password);
    await page.getByRole('link', { name: 'Model access' }).click();
    const row = page.locator(`tr[data-access="model:${model}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('every user');
    await row.getByLabel(`Users who may use ${model}`).fill(admin.username);
    await row.getByRole('button', { name: `Restrict ${model}` }).click();
    await eventually(async () => (await page.locator(`tr[data-access="model:${model}"]`).textContent()) ?? '').toContain(`only ${admin.username}`);
    await shot(page, 'model-access');

    const userApi = apiAs(stack.harness, user.token);
    const listed = await userApi<{ models: Array<{ name: string }> }>('GET', '/api/models');
    expect(listed.body.models.map((entry) => entry.name)).not.toContain(model);
    expect(listed.body.models.map((entry) => entry.name)).toContain('smollm2-135m-instruct');
    // The Generate node's model field offers what the user may use, and not the restricted one.
    const graph = graphOf(
      [{ id: 'chat', type: 'io.chat-input' }, { id: 'generate', type: 'models.generate' }, { id: 'reply', type: 'io.chat-output' }],
      ['chat.messages>generate.prompt', 'generate.text>reply.message'],
    );
    const flow = await userApi<{ flow: { id: string } }>('POST', '/api/flows', { name: 'picker', graph });
    expect(flow.status).toBe(201);
    const userPage = (await stack.newPage()).page;
    await signIn(userPage, stack.baseUrl, user.username, user.password);
    await userPage.goto(`${stack.baseUrl}/#/flows/${flow.body.flow.id}`);
    await userPage.locator('.react-flow__node[data-id="generate"]').click();
    const options = userPage.getByTestId('models-model').locator('option');
    await eventually(() => options.count()).toBeGreaterThan(0);
    const offered = await options.evaluateAll((list) => list.map((option) => (option as HTMLOptionElement).value));
    expect(offered).toContain('smollm2-135m-instruct');
    expect(offered).not.toContain(model);
  });
});
