// A fine-tune run watched in the editor on the real stack (worker, PyTorch trainer, Postgres, Temporal):
// the run view draws the live loss curve from the trainer's reports as it trains (points appear and the
// curve grows), shows Evaluate's before/after samples when it is done, after a reload draws the whole
// curve from the record, and the registered model's page shows its lineage and metrics. Kept tiny: 12 examples, 8 steps of batch 2, one torch thread.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { fineTuneJobSchema, runTrainingSchema } from '@astra/workflows/flow';
import { graphOf } from '../../server/src/flows/testing/graphs';
import { apiAs, eventually, screenshotDir, signIn, startBrowserStack, type BrowserStack } from './browser-stack';

let stack: BrowserStack;
let dataDir: string;
const steps = 8;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'astra-editor-finetune-'));
  // The fp32 base copy is the same file every run: kept between test runs, shared with finetune.test.ts.
  process.env.ASTRA_FINETUNE_BASES_DIR ??= path.join(os.tmpdir(), 'astra-finetune-bases');
  process.env.ASTRA_TRAIN_THREADS ??= '1';
  stack = await startBrowserStack({ worker: true, dataDir });
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(screenshotDir, `finetune-${name}.png`) });
const chart = (page: Page) => page.locator('[data-loss-chart="tune"]');
const trainPoints = async (page: Page) => Number((await chart(page).getAttribute('data-train-points').catch(() => null)) ?? 0);

describe('a fine-tune run in the run view', () => {
  it('draws the live loss curve as it trains, then the before/after samples, and the whole curve again after a reload', async () => {
    const user = await stack.harness.newUser('user');
    const modelName = `tiny-tune-${Date.now().toString(36)}`;
    const api = apiAs(stack.harness, user.token);
    const graph = graphOf(
      [
        { id: 'data', type: 'io.input', params: { name: 'data', label: 'Dataset (JSONL)' } },
        { id: 'prepare', type: 'training.prepare-dataset', params: { validationFraction: 0.25 } },
        { id: 'tune', type: 'training.finetune', params: { steps, batchSize: 2, checkpointEvery: 4, evalEvery: 2, learningRate: 2e-3 } },
        { id: 'evaluate', type: 'training.evaluate', params: { prompts: ['What is the capital of Veltrana?'], maxNewTokens: 16 } },
        { id: 'export', type: 'training.export-gguf', params: { merge: false } },
        { id: 'register', type: 'training.register-model', params: { name: modelName } },
        { id: 'job', type: 'io.output', params: { name: 'job' } },
      ],
      ['data.value>prepare.data', 'prepare.job>tune.job', 'tune.job>evaluate.job', 'evaluate.job>export.job', 'export.job>register.job', 'register.job>job.value'],
    );
    const created = await api<{ flow: { id: string } }>('POST', '/api/flows', { name: 'Tiny fine-tune', graph });
    expect(created.status).toBe(201);
    const flowId = created.body.flow.id;
    const data = (await readFile(new URL('../../examples/datasets/veltrana.jsonl', import.meta.url), 'utf8')).split('\n').slice(0, 12).join('\n');

    const { page } = await stack.newPage();
    await signIn(page, stack.baseUrl, user.username, user.password);
    await page.goto(`${stack.baseUrl}/#/flows/${flowId}`);
    await page.locator('.react-flow__pane').waitFor();
    await page.getByRole('tab', { name: 'Run' }).click();
    await page.locator('[data-run-input="data"]').fill(data);
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('.training-view').waitFor();

    // The first points (the dequantised base is made once, so the first run waits for it), then more of them.
    await eventually(() => trainPoints(page), 420_000).toBeGreaterThan(0);
    const first = await trainPoints(page);
    await shot(page, '01-training-live');
    await eventually(() => trainPoints(page), 300_000).toBeGreaterThan(first);
    const later = await trainPoints(page);
    expect(later).toBeLessThanOrEqual(steps);
    // The train line has a segment per point after the first; validation at step 0 and every 2 steps so far.
    const trainPath = await chart(page).locator('path[data-series="train"]').getAttribute('d');
    expect(trainPath?.split('L').length).toBeGreaterThanOrEqual(later);
    expect(Number(await chart(page).getAttribute('data-val-points'))).toBeGreaterThanOrEqual(1);
    await expect.poll(() => chart(page).locator('[data-loss-step]').textContent()).toMatch(new RegExp(`^step [1-${steps}]/${steps}$`));
    await shot(page, '02-training-more-points');

    await eventually(() => page.locator('[data-run-status]').getAttribute('data-run-status'), 420_000).toBe('succeeded');
    await eventually(() => trainPoints(page)).toBe(steps);
    // Validation at steps 0, 2, 4, 6 and 8.
    await eventually(() => chart(page).getAttribute('data-val-points')).toBe('5');
    const evaluation = page.locator('[data-evaluation="evaluate"]');
    await evaluation.waitFor({ timeout: 30_000 });
    expect(await evaluation.locator('tr[data-sample]').count()).toBe(1);
    expect((await evaluation.locator('.sample-before').textContent())?.trim()).not.toBe('');
    expect((await evaluation.locator('.sample-after').textContent())?.trim()).not.toBe('');
    expect(await evaluation.textContent()).toMatch(/Validation loss \d+\.\d{4} → \d+\.\d{4}/);
    await chart(page).scrollIntoViewIfNeeded();
    await shot(page, '03-done-with-samples');

    // The record holds the same curve the events drew: a reload draws it whole, with no live event.
    const runs = await api<{ runs: Array<{ id: string }> }>('GET', `/api/runs?flowId=${flowId}`);
    const recorded = runTrainingSchema.parse((await api('GET', `/api/runs/${runs.body.runs[0]!.id}/training`)).body);
    const curve = recorded.curves.find((found) => found.nodeId === 'tune')!;
    expect(curve.points.map((point) => point.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(curve.points.filter((point) => point.valLoss !== null).map((point) => point.step)).toEqual([0, 2, 4, 6, 8]);
    expect(recorded.evaluations[0]?.samples[0]?.prompt).toBe('What is the capital of Veltrana?');
    await page.reload();
    await page.locator('.react-flow__pane').waitFor();
    await page.getByRole('tab', { name: 'Run' }).click();
    await eventually(() => trainPoints(page)).toBe(steps);
    await eventually(() => chart(page).getAttribute('data-val-points')).toBe('5');
    await page.locator('[data-evaluation="evaluate"]').waitFor();

    // The model page shows the registered fine-tune's lineage and metrics, as Register Model recorded them.
    const job = fineTuneJobSchema.parse((await api<{ run: { outputs: { job: unknown } } }>('GET', `/api/runs/${runs.body.runs[0]!.id}`)).body.run.outputs.job);
    const lora = job.files.find((file) => file.format === 'lora')!;
    await page.goto(`${stack.baseUrl}/#/models/${modelName}`);
    const fact = (name: string) => page.locator(`[data-fact="${name}"]`).textContent();
    await eventually(() => fact('base')).toBe('smollm2-135m-instruct');
    expect(await fact('base-sha256')).toBe(job.base.sha256);
    expect(await fact('dataset-sha256')).toBe(job.dataset.sha256);
    expect(await fact('hyperparameters')).toBe(`${steps} steps, LoRA r 8 alpha 16, learning rate 0.002, batch 2`);
    expect(await fact('val-loss')).toBe(`${job.evaluation!.before.valLoss.toFixed(4)} before → ${job.evaluation!.after.valLoss.toFixed(4)} after (PyTorch)`);
    expect(await fact('file-sha256')).toBe(lora.sha256);
    const row = page.locator('tr[data-file="lora"]');
    expect(await row.locator('td').nth(1).textContent()).toBe(lora.valLoss.toFixed(4));
    expect(await row.locator('td code').getAttribute('title')).toBe(lora.sha256);
    expect(await row.locator('td').last().textContent()).toBe('kept');
    expect(await page.locator('[data-loss-chart="training"]').getAttribute('data-train-points')).toBe(String(steps));
    expect(await page.locator('tr[data-sample]').count()).toBe(1);
    await shot(page, '04-model-page');

    // Another user cannot read this run's curve.
    const stranger = await stack.harness.newUser('user');
    expect((await apiAs(stack.harness, stranger.token)('GET', `/api/runs/${runs.body.runs[0]!.id}/training`)).status).toBe(404);
  }, 900_000);
});
