// The web app around the editor, in real Chromium against the real stack (Temporal, PostgreSQL,
// Chroma, the small llama.cpp models): a template opened readable, with params on its cards and docs
// one click away; the collection and name asked when a template is used; the runs page across flows;
// the collections page (documents, search with scores, upload with progress, delete with the
// schedule that fed it); settings for an admin; the share dialog. Screenshots: webapp-*.png.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ScheduleNotFoundError } from '@temporalio/client';
import { temporalScheduleId } from '../../server/src/routes/schedules.handlers';
import { apiAs, eventually, screenshotDir, signIn, startBrowserStack, type BrowserStack } from './browser-stack';

const corpus = fileURLToPath(new URL('../../examples/corpora/sqlite-docs/', import.meta.url));
let stack: BrowserStack;

beforeAll(async () => {
  stack = await startBrowserStack({ worker: true });
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(screenshotDir, `webapp-${name}.png`) });

/** Uploads a file of the shipped corpus into a collection through the API and waits for its ingest. */
async function ingestCorpusFile(token: string, collection: string, file: string): Promise<void> {
  const response = await stack.harness.app.request(`http://astra.test/api/uploads?collection=${collection}&filename=${file}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: await readFile(path.join(corpus, file)),
  });
  expect(response.status).toBe(202);
  const { workflowId } = (await response.json()) as { workflowId: string };
  const api = apiAs(stack.harness, token);
  await eventually(async () => (await api<{ status: string }>('GET', `/api/ingest/${workflowId}`)).body.status, 120_000).toBe('completed');
}

/** The canvas zoom, from React Flow's viewport transform. */
const zoomOf = (page: Page) => page.locator('.react-flow__viewport').evaluate((element) => new DOMMatrixReadOnly(getComputedStyle(element).transform).a);

describe('the web app pages', () => {
  let user: Awaited<ReturnType<BrowserStack['harness']['newUser']>>;
  let page: Page;

  it('uses a template with the collection and a free name asked, opens it readable, with params, ports and docs on hand', async () => {
    user = await stack.harness.newUser('user');
    await ingestCorpusFile(user.token, 'sqlite', 'autoinc.html');
    ({ page } = await stack.newPage());
    await signIn(page, stack.baseUrl, user.username, user.password);

    await page.getByRole('button', { name: 'Use template RAG: answer a question' }).click();
    const dialog = page.getByRole('dialog', { name: /Use “RAG: answer a question”/ });
    // The template reads a collection: a picker of the user's own, not the hard-coded "docs".
    await eventually(() => dialog.getByLabel('Collection').inputValue()).toBe('sqlite');
    expect(await dialog.getByLabel('Flow name').inputValue()).toBe('RAG: answer a question');
    await shot(page, '00-use-template');
    await dialog.getByRole('button', { name: 'Create flow' }).click();
    await eventually(() => page.locator('.react-flow__node').count()).toBe(4);

    // Fit never goes below the readable zoom, and the cards show their key params and port names.
    await page.waitForTimeout(500);
    expect(await zoomOf(page)).toBeGreaterThanOrEqual(0.75);
    const retrieve = page.locator('.react-flow__node[data-id="retrieve"]');
    expect(await retrieve.locator('.node-params').textContent()).toContain('sqlite');
    expect(await retrieve.locator('.node-title').textContent()).toBe('Retrieve from sqlite');
    expect(await retrieve.locator('.port-label').allTextContents()).toEqual(expect.arrayContaining(['Query', 'Collection (optional)', 'Passages']));
    await shot(page, '01-canvas-readable');

    // Node docs from the palette: what it does, each param, an example from a shipped template; Escape closes.
    await page.getByRole('button', { name: 'Docs for Retrieve' }).click();
    const docs = page.getByRole('dialog', { name: 'Retrieve' });
    await docs.locator('[data-doc-param="k"]').waitFor();
    await eventually(() => docs.textContent()).toContain('As node retrieve of the template');
    await shot(page, '02-node-docs');
    await page.keyboard.press('Escape');
    await eventually(() => docs.count()).toBe(0);

    // And from the inspector; the collection is a picker of the server's collections.
    await retrieve.click();
    await page.locator('#panel-inspector').getByRole('button', { name: 'Docs for Retrieve' }).waitFor();
    const collectionField = page.locator('#panel-inspector [data-param="collection"]');
    await eventually(() => collectionField.evaluate((element) => element.tagName)).toBe('SELECT');
    expect(await collectionField.locator('option').allTextContents()).toContain('sqlite');
    await page.locator('#panel-inspector').screenshot({ path: path.join(screenshotDir, 'webapp-03-inspector-pickers.png') });

    // Run it: the side panel lists the running node, the history then shows the run's inputs.
    await page.getByRole('tab', { name: 'Run' }).click();
    await page.locator('[data-run-input="question"]').fill('What does AUTOINCREMENT do?');
    // The run can take well under a second: the panel's running-node entries are caught as they appear, however briefly.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { runningNodesSeen: string[] }).runningNodesSeen = seen;
      new MutationObserver(() => {
        for (const element of document.querySelectorAll('[data-running-node]')) {
          const id = element.getAttribute('data-running-node')!;
          if (!seen.includes(id)) seen.push(id);
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await eventually(() => page.locator('.run-current [data-run-status]').textContent(), 180_000).toBe('succeeded');
    expect(await page.evaluate(() => (window as unknown as { runningNodesSeen: string[] }).runningNodesSeen)).not.toEqual([]);
    await eventually(() => page.locator('.history-inputs').first().textContent()).toBe('question: What does AUTOINCREMENT do?');
    // A citation opens to the passage it cites, under the document's name rather than a server path (the server
    // shows a normal user an upload by its file name alone).
    const citation = page.locator('.run-outputs [data-citation="1"]');
    const summary = (await citation.locator('summary').textContent()) ?? '';
    expect(summary).toContain('autoinc.html');
    expect(summary).not.toContain('/');
    await citation.locator('summary').click();
    await eventually(async () => ((await citation.locator('.citation-passage').textContent()) ?? '').length).toBeGreaterThan(40);
    expect(await page.locator('.status-ok').textContent()).toBe('No problems');
    await shot(page, '04-ran');
  }, 300_000);

  it('counts a required field left empty in the header, whose popover Escape closes', async () => {
    await page.getByLabel('Search nodes').fill('store');
    await page.getByLabel('Search nodes').press('Enter');
    await page.getByRole('button', { name: /problems?$/ }).click();
    const list = page.getByRole('list', { name: 'Problems' });
    await eventually(() => list.textContent()).toContain('Collection is required');
    await shot(page, '05-problems');
    await page.keyboard.press('Escape');
    await eventually(() => list.count()).toBe(0);
    await page.locator('.react-flow__node[data-id^="store"]').click();
    await page.keyboard.press('Delete');
    await eventually(() => page.locator('.status-ok').textContent()).toBe('No problems');
  });

  it('shares the flow with another user through the share dialog', async () => {
    const other = await stack.harness.newUser('user');
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: /Share/ });
    await dialog.getByLabel('Shared').check();
    // A picker of the server's usernames, searched as you type, not free text.
    await dialog.getByLabel('With these users').fill(other.username.slice(0, -1).toUpperCase());
    await dialog.getByRole('list', { name: 'Matching users' }).getByRole('button', { name: other.username, exact: true }).click();
    await eventually(() => dialog.locator(`[data-shared-user="${other.username}"]`).count()).toBe(1);
    expect(await dialog.getByLabel('With these users').inputValue()).toBe('');
    await dialog.getByLabel('With these users').fill('no-such-user-anywhere');
    await eventually(() => dialog.getByText('No user matches “no-such-user-anywhere”.').count()).toBe(1);
    await dialog.getByLabel('With these users').fill('');
    await shot(page, '06-share');
    await dialog.getByRole('button', { name: 'Save sharing' }).click();
    await eventually(() => page.getByRole('button', { name: 'Shared', exact: true }).count()).toBe(1);
    const seen = await apiAs(stack.harness, other.token)<{ flows: Array<{ name: string }> }>('GET', '/api/flows');
    expect(seen.body.flows.map((flow) => flow.name)).toContain('RAG: answer a question');
  });

  it('lists runs across flows with inputs, duration and who ran them, filtered by flow, status and time', async () => {
    await page.getByRole('link', { name: '← Flows' }).click();
    // Asking to delete puts the question under the card's text, which keeps its width.
    const card = page.locator('.flow-card', { hasText: 'RAG: answer a question' }).first();
    const before = (await card.locator('.flow-card-link').boundingBox())!.width;
    await card.getByRole('button', { name: 'Delete RAG: answer a question' }).click();
    await card.getByText('Delete “RAG: answer a question” with its versions and runs?').waitFor();
    expect((await card.locator('.flow-card-link').boundingBox())!.width).toBeGreaterThanOrEqual(before);
    await card.screenshot({ path: path.join(screenshotDir, 'webapp-06b-delete-confirm.png') });
    await card.getByRole('button', { name: 'Keep' }).click();
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    const row = page.locator('tr[data-run]').first();
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    expect(cells[1]).toContain('RAG: answer a question');
    expect(cells[2]).toBe('succeeded');
    expect(cells[3]).toBe('question: What does AUTOINCREMENT do?');
    expect(cells[4]).toMatch(/\d+(\.\d)? s|min/);
    expect(cells[5]).toBe(user.username);
    await row.getByRole('button').click();
    await page.locator('.run-detail').getByText('retrieve').first().waitFor();
    await shot(page, '07-runs');
    await page.getByLabel('Status').selectOption('failed');
    await eventually(() => page.getByText('No runs match.').count()).toBe(1);
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Started').selectOption({ label: 'Last hour' });
    await eventually(() => page.locator('tr[data-run]').count()).toBe(1);
  });

  it('shows a collection: documents with chunks, search with scores, upload with progress, delete with its schedule', async () => {
    const api = apiAs(stack.harness, user.token);
    const scheduled = await api('POST', '/api/schedules', { name: 'sqlite-nightly', collection: 'sqlite', url: 'https://www.sqlite.org/autoinc.html', every: '24h', paused: true });
    expect(scheduled.status).toBe(201);

    await page.getByRole('link', { name: 'Collections' }).click();
    await page.locator('tr[data-collection="sqlite"]').getByRole('link', { name: 'sqlite' }).click();
    await page.getByRole('heading', { name: 'sqlite', level: 1 }).waitFor();
    const doc = page.locator('tr[data-document]').first();
    await doc.waitFor();
    expect(Number(await doc.locator('td').nth(1).textContent())).toBeGreaterThan(0);
    expect(await page.locator('[data-schedule="sqlite-nightly"]').textContent()).toContain('every 24h');

    await page.getByLabel('Question').fill('AUTOINCREMENT keyword');
    await page.getByRole('button', { name: 'Search' }).click();
    const first = page.locator('.search-results li').first();
    await first.waitFor();
    expect(Number(await first.locator('.score').textContent())).toBeGreaterThan(0);
    expect((await first.locator('.passage').textContent())!.length).toBeGreaterThan(20);

    await page.getByLabel('Files to upload').setInputFiles(path.join(corpus, 'backup.html'));
    await eventually(() => page.locator('[data-upload="backup.html"]').getAttribute('data-phase'), 120_000).toBe('done');
    await eventually(() => page.locator('tr[data-document]').count()).toBe(2);
    await shot(page, '08-collection');

    page.once('dialog', (alert) => void alert.accept());
    await page.getByRole('button', { name: 'Delete collection' }).click();
    expect(await page.locator('.confirm').textContent()).toContain('sqlite-nightly');
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('heading', { name: 'Collections' }).waitFor();
    // The schedule went with it, from Astra and from Temporal.
    expect((await api<{ schedules: unknown[] }>('GET', '/api/schedules')).body.schedules).toEqual([]);
    expect((await api<{ collections: unknown[] }>('GET', '/api/collections')).body.collections).toEqual([]);
    await expect(stack.harness.temporal.schedule.getHandle(temporalScheduleId(user.id, 'sqlite-nightly')).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  }, 240_000);

  it('lets an admin approve a pending user with a role and see the models', async () => {
    const admin = await stack.harness.newUser('admin');
    const pending = `pending-${Date.now().toString(36)}`;
    expect((await apiAs(stack.harness, admin.token)('POST', '/api/users', { username: pending, password: 'a long password', role: 'pending' })).status).toBe(201);
    const { page: adminPage } = await stack.newPage();
    await signIn(adminPage, stack.baseUrl, admin.username, admin.password);
    await adminPage.getByRole('link', { name: 'Settings' }).click();
    await adminPage.locator(`[data-pending="${pending}"]`).waitFor();
    await adminPage.getByLabel(`Role for ${pending}`).selectOption('admin');
    await adminPage.locator(`[data-pending="${pending}"]`).getByRole('button', { name: 'Approve' }).click();
    await eventually(() => adminPage.locator(`tr[data-user="${pending}"] td`).nth(1).textContent()).toBe('admin');
    // An approved user's role changes from the users table; the admin's own row offers no change.
    await adminPage.getByLabel(`Change role of ${pending}`).selectOption('user');
    await eventually(() => adminPage.locator(`tr[data-user="${pending}"] td`).nth(1).textContent()).toBe('user');
    expect((await apiAs(stack.harness, admin.token)<{ users: Array<{ username: string; role: string }> }>('GET', '/api/users')).body.users.find((row) => row.username === pending)?.role).toBe('user');
    expect(await adminPage.getByLabel(`Change role of ${admin.username}`).count()).toBe(0);
    const model = adminPage.locator('tr[data-model="smollm2-135m-instruct"] td');
    expect(await model.nth(3).textContent()).toBe('8192');
    await adminPage.screenshot({ path: path.join(screenshotDir, 'webapp-09-settings.png'), fullPage: true });
  });

  it('changes your own password in settings: the current one asked, your other session signed out', async () => {
    const someone = await stack.harness.newUser('user');
    const { page: elsewhere } = await stack.newPage();
    await signIn(elsewhere, stack.baseUrl, someone.username, someone.password);
    const { page: here } = await stack.newPage();
    await signIn(here, stack.baseUrl, someone.username, someone.password);
    await here.getByRole('link', { name: 'Settings' }).click();
    const section = here.locator('section[aria-labelledby="password-title"]');
    const form = section.getByRole('form', { name: 'Change your password' });
    await form.getByLabel('Current password').fill('not the password');
    await form.getByLabel('New password', { exact: true }).fill('a much better password');
    await form.getByLabel('New password again').fill('a much better password');
    await form.getByRole('button', { name: 'Change password' }).click();
    await eventually(() => section.getByRole('alert').textContent()).toBe('the current password is wrong');
    await form.getByLabel('Current password').fill(someone.password);
    await form.getByRole('button', { name: 'Change password' }).click();
    await eventually(() => section.getByRole('status').textContent()).toBe('Password changed. 1 other session signed out.');
    await here.screenshot({ path: path.join(screenshotDir, 'webapp-10-password.png'), fullPage: true });
    // This page stays signed in; the other browser is signed out on its next request; the new password signs in.
    await here.getByRole('link', { name: 'Runs', exact: true }).click();
    await here.locator('.page').first().waitFor();
    expect(await here.getByLabel('Username').count()).toBe(0);
    await elsewhere.reload();
    await elsewhere.getByLabel('Username').waitFor();
    const { page: again } = await stack.newPage();
    await signIn(again, stack.baseUrl, someone.username, 'a much better password');
  });
});
