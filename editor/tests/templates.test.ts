// Every template the editor offers, used as a person would in real Chromium on the real stack: "Use
// template" on the flow list (its name and collection asked), then run from the Run tab, or from the
// Playground for a chat flow, on the shipped corpus until the run says succeeded. One ingest (a few
// pages of examples/corpora/sqlite-docs) feeds the templates that read a collection. "Fine-tune and
// serve" (150 LoRA steps as shipped) has its own file, template-finetune.test.ts. Screenshots: templates-*.png.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { apiAs, eventually, screenshotDir, signIn, startBrowserStack, type BrowserStack } from './browser-stack';

const corpus = fileURLToPath(new URL('../../examples/corpora/sqlite-docs/', import.meta.url));
const pages = ['autoinc.html', 'lang_detach.html', 'lang_replace.html'];
const collection = 'sqlite-pages';
let stack: BrowserStack;
let folder: string;
let page: Page;
let user: Awaited<ReturnType<BrowserStack['harness']['newUser']>>;
/** The templates the test used, to check at the end that none the editor offers was left out. */
const used = new Set<string>();

beforeAll(async () => {
  stack = await startBrowserStack({ worker: true });
  folder = await mkdtemp(path.join(os.tmpdir(), 'astra-template-pages-'));
  for (const name of pages) await copyFile(path.join(corpus, name), path.join(folder, name));
  // Load Files reads the server's disk, so the templates that use it run for admins.
  user = await stack.harness.newUser('admin');
  ({ page } = await stack.newPage());
  await signIn(page, stack.baseUrl, user.username, user.password);
}, 180_000);

afterAll(async () => {
  await stack?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

const shot = (name: string) => page.screenshot({ path: path.join(screenshotDir, `templates-${name}.png`) });

/** From the flow list: "Use template", the name (a free one is offered) and the collection if it asks, then the editor. */
async function useTemplate(name: string, chosenCollection?: string): Promise<void> {
  await page.goto(`${stack.baseUrl}/#/`);
  await page.getByRole('button', { name: `Use template ${name}`, exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Use “${name}”` });
  await eventually(() => dialog.getByLabel('Flow name').inputValue()).toBe(name);
  const asked = dialog.getByLabel('Collection');
  expect(await asked.count(), `${name} asks for a collection`).toBe(chosenCollection === undefined ? 0 : 1);
  if (chosenCollection !== undefined) {
    if ((await asked.evaluate((element) => element.tagName)) === 'SELECT') await asked.selectOption(chosenCollection);
    else await asked.fill(chosenCollection);
  }
  await dialog.getByRole('button', { name: 'Create flow' }).click();
  await page.locator('.react-flow__node').first().waitFor();
  used.add(name);
}

/** From the Run tab: fills the inputs, runs the saved version, and waits for the run's end. */
async function runWith(inputs: Record<string, string>, timeout = 240_000): Promise<string | null> {
  await page.getByRole('tab', { name: 'Run' }).click();
  for (const [name, value] of Object.entries(inputs)) await page.locator(`[data-run-input="${name}"]`).fill(value);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const status = page.locator('.run-current [data-run-status]');
  await status.waitFor();
  await eventually(() => status.textContent(), timeout).not.toBe('running');
  return status.textContent();
}

/** From the Playground: sends one message and waits for the reply. */
async function chat(message: string): Promise<{ state: string | null; text: string }> {
  await page.getByRole('tab', { name: 'Playground' }).click();
  await page.getByLabel('Playground message', { exact: true }).fill(message);
  await page.getByLabel('Playground message', { exact: true }).press('Enter');
  const reply = page.locator('.playground-turns li.from-assistant').last();
  await eventually(() => reply.getAttribute('data-state'), 180_000).not.toBe('streaming');
  return { state: await reply.getAttribute('data-state'), text: (await reply.textContent()) ?? '' };
}

const outputs = () => page.locator('.run-outputs').textContent();

describe('every template, as shipped, on the shipped corpus', () => {
  it('RAG: ingest a folder stores a few pages into a new collection', async () => {
    await useTemplate('RAG: ingest a folder', collection);
    expect(await runWith({ folder })).toBe('succeeded');
    await shot('01-ingest');
    const stored = await apiAs(stack.harness, user.token)<{ collections: Array<{ name: string; documents: number; chunks: number }> }>('GET', '/api/collections');
    const made = stored.body.collections.find((candidate) => candidate.name === collection);
    expect(made?.documents).toBe(pages.length);
    expect(made?.chunks).toBeGreaterThan(pages.length);
  }, 300_000);

  it('RAG: answer a question answers from that collection, with citations', async () => {
    await useTemplate('RAG: answer a question', collection);
    expect(await runWith({ question: 'What does the AUTOINCREMENT keyword do?' })).toBe('succeeded');
    await eventually(() => page.locator('.run-outputs [data-citation]').count()).toBeGreaterThan(0);
    expect(await outputs()).toMatch(/autoinc\.html/);
    await shot('02-answer');
  }, 300_000);

  it('RAG: ingest a folder, then answer reuses the ingest (nothing stored twice) and answers', async () => {
    await useTemplate('RAG: ingest a folder, then answer', collection);
    expect(await runWith({ folder, question: 'How do I detach a database?' })).toBe('succeeded');
    expect(await outputs()).toMatch(/lang_detach\.html/);
    const stored = await apiAs(stack.harness, user.token)<{ collections: Array<{ name: string; documents: number }> }>('GET', '/api/collections');
    expect(stored.body.collections.find((candidate) => candidate.name === collection)?.documents).toBe(pages.length);
    await shot('03-ingest-and-answer');
  }, 300_000);

  it('Summarize a document summarizes a page of the corpus', async () => {
    await useTemplate('Summarize a document');
    expect(await runWith({ path: path.join(folder, 'autoinc.html') })).toBe('succeeded');
    expect(((await outputs()) ?? '').length).toBeGreaterThan(40);
    await shot('04-summary');
  }, 300_000);

  it('Chat with a model answers in the playground', async () => {
    await useTemplate('Chat with a model');
    const reply = await chat('Say hello in one short sentence.');
    expect(reply.state).toBe('done');
    expect(reply.text.trim().length).toBeGreaterThan(0);
    await shot('05-chat');
  }, 300_000);

  it('RAG: chat with the docs answers from the collection in the playground', async () => {
    await useTemplate('RAG: chat with the docs', collection);
    const reply = await chat('What does the AUTOINCREMENT keyword do?');
    expect(reply.state).toBe('done');
    expect(reply.text).toMatch(/AUTOINCREMENT|ROWID/i);
    await shot('06-rag-chat');
  }, 300_000);

  it('left none of the offered templates out', async () => {
    const offered = await apiAs(stack.harness, user.token)<{ templates: Array<{ name: string }> }>('GET', '/api/flow-templates');
    // "Fine-tune and serve" trains for minutes: template-finetune.test.ts uses it the same way, on its own.
    expect(offered.body.templates.map((template) => template.name).sort()).toEqual([...used, 'Fine-tune and serve'].sort());
  });
});
