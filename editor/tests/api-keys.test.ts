// The API keys page in real Chromium: a key made for one published app is shown once with a curl line
// that works as shown, its last use appears in the list, and revoking it stops the same curl at once.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { graphOf } from '../../server/src/flows/testing/graphs';
import { apiAs, screenshotDir, signIn, startBrowserStack, type BrowserStack } from './browser-stack';

const run = promisify(execFile);
let stack: BrowserStack;

beforeAll(async () => {
  stack = await startBrowserStack({ worker: true });
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(screenshotDir, `keys-${name}.png`), fullPage: true });

describe('the API keys page', () => {
  it('creates a key for one app, whose curl line works as shown, lists its last use, and revokes it', async () => {
    const user = await stack.harness.newUser('user');
    const api = apiAs(stack.harness, user.token);
    const graph = graphOf(
      [{ id: 'chat', type: 'io.chat-input' }, { id: 'generate', type: 'models.generate', params: { maxTokens: 12 } }, { id: 'reply', type: 'io.chat-output' }],
      ['chat.messages>generate.prompt', 'generate.text>reply.message'],
    );
    const flow = await api<{ flow: { id: string } }>('POST', '/api/flows', { name: 'Greeter', graph });
    expect((await api('POST', '/api/apps', { flowId: flow.body.flow.id, slug: 'greeter', visibility: 'keys' })).status).toBe(201);

    const { page } = await stack.newPage();
    await signIn(page, stack.baseUrl, user.username, user.password);
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await page.getByLabel('Name').fill('front desk');
    await page.getByRole('checkbox', { name: /Greeter/ }).check();
    await page.getByLabel('Expires').selectOption({ label: '7 days' });
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('new-key').textContent())!;
    expect(secret).toMatch(/^astra_k_/);
    const snippet = (await page.getByTestId('curl-snippet').textContent())!;
    expect(snippet).toContain(`${stack.baseUrl}/v1/chat/completions`);
    expect(snippet).toContain('"model": "greeter"');
    await shot(page, 'created');

    // The curl line exactly as the page shows it.
    const answer = JSON.parse((await run('bash', ['-c', snippet], { timeout: 180_000 })).stdout) as { choices: Array<{ message: { content: string } }> };
    expect(answer.choices[0]!.message.content.trim().length).toBeGreaterThan(0);

    await page.reload();
    const row = page.locator('tr[data-key-name="front desk"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('greeter');
    expect(await row.locator('td').nth(4).textContent()).not.toBe('never');
    await shot(page, 'listed');
    await row.getByRole('button', { name: 'Revoke front desk' }).click();
    await row.locator('td[data-state="revoked"]').waitFor();
    await shot(page, 'revoked');
    const refused = await run('bash', ['-c', `${snippet} -s -o /dev/null -w '%{http_code}'`], { timeout: 60_000 });
    expect(refused.stdout).toBe('401');
  }, 300_000);
});
