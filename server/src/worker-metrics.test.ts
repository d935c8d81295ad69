// The worker process's /metrics after real work sent through the API: flow runs and node executions by
// type and outcome, generation tokens and time to first token, embedded chunks and ingested documents.
// The worker is its own process on its own task queue, so every count below is exactly this file's work.
/* eslint-disable @typescript-eslint/no-explicit-any -- the test reads the API's JSON answers as a client would, loosely */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerMetrics } from '../../activities/src/metrics/worker-metrics';
import { startWorkerProcess } from '../../activities/src/testing/worker-process';
import { freePort } from '../../infra/src/ports';
import { parseMetrics, sampleValue } from '../../infra/src/testing/metrics-text';
import { graphOf } from './flows/testing/graphs';
import { taskQueueFor } from '@astra/workflows/flow';
import { createAppHarness, type AppHarness } from './testing/app-harness';

let harness: AppHarness;
let worker: ChildProcess;
let metricsPort: number;
const taskQueue = `test-${randomBytes(4).toString('hex')}`;
let admin: Awaited<ReturnType<AppHarness['newUser']>>;

async function call(method: string, route: string, body?: unknown) {
  const response = await harness.app.request(`http://astra.test${route}`, {
    method,
    headers: { authorization: `Bearer ${admin.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function runFlow(name: string, graph: ReturnType<typeof graphOf>, inputs: Record<string, string>) {
  const flow = await call('POST', '/api/flows', { name, graph });
  expect(flow.status, JSON.stringify(flow.body)).toBe(201);
  const started = await call('POST', '/api/runs', { flowId: flow.body.flow.id, inputs });
  for (let i = 0; i < 600; i += 1) {
    const { body } = await call('GET', `/api/runs/${started.body.run.id}`);
    if (body.run.status !== 'running') return body.run;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`run of ${name} did not finish`);
}

async function scrape() {
  const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  expect(response.status).toBe(200);
  return parseMetrics(await response.text());
}

async function scrapeUntil(ready: (samples: Awaited<ReturnType<typeof scrape>>) => boolean) {
  for (let i = 0; i < 100; i += 1) {
    const samples = await scrape();
    if (ready(samples)) return samples;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return scrape();
}

beforeAll(async () => {
  // The worker loads a bundle built ahead, as the image's does; the run-outcome metrics below prove the
  // interceptor module is inside it.
  const bundle = path.join(await mkdtemp(path.join(os.tmpdir(), 'astra-bundle-')), 'workflow-bundle.js');
  const built = spawnSync(process.execPath, ['--import', 'tsx', 'workflows/scripts/check-bundle.ts', bundle], { cwd: path.resolve(import.meta.dirname, '../..'), encoding: 'utf8' });
  expect(built.status, built.stderr).toBe(0);
  metricsPort = await freePort();
  worker = await startWorkerProcess(taskQueue, { env: { ASTRA_WORKER_METRICS_PORT: String(metricsPort), ASTRA_WORKFLOW_BUNDLE: bundle } });
  harness = await createAppHarness({ taskQueue });
  admin = await harness.newUser('admin');
});

afterAll(async () => {
  worker?.kill('SIGTERM');
  await harness?.close();
});

describe('worker metrics', () => {
  it('count runs, node executions and generation after real flow runs', async () => {
    const generate = graphOf(
      [{ id: 'q', type: 'io.input', params: { name: 'q' } }, { id: 'gen', type: 'models.generate', params: { maxTokens: 12 } }, { id: 'out', type: 'io.output', params: { name: 'text' } }],
      ['q.value>gen.prompt', 'gen.text>out.value'],
    );
    expect((await runFlow('metrics generate', generate, { q: 'Name a colour.' })).status).toBe('succeeded');
    // Loopback is refused by the egress policy: a non-retryable node failure, so the run fails at once.
    const refused = graphOf(
      [{ id: 'u', type: 'io.input', params: { name: 'u' } }, { id: 'fetch', type: 'sources.load-url' }, { id: 'out', type: 'io.output', params: { name: 'docs' } }],
      ['u.value>fetch.url', 'fetch.documents>out.value'],
    );
    expect((await runFlow('metrics refused', refused, { u: 'http://127.0.0.1:9/' })).status).toBe('failed');

    // The run's row is final before its workflow task completes, so wait (bounded) for the workflow to report.
    const samples = await scrapeUntil((now) => (sampleValue(now, 'astra_workflow_run_duration_seconds_count', { workflow: 'runFlow', outcome: 'failed' }) ?? 0) >= 1);
    expect(sampleValue(samples, 'astra_flow_runs_finished_total', { status: 'succeeded' })).toBe(1);
    expect(sampleValue(samples, 'astra_flow_runs_finished_total', { status: 'failed' })).toBe(1);
    // A flow run that fails fails its workflow too.
    expect(sampleValue(samples, 'astra_workflow_run_duration_seconds_count', { workflow: 'runFlow', outcome: 'completed' })).toBe(1);
    expect(sampleValue(samples, 'astra_workflow_run_duration_seconds_count', { workflow: 'runFlow', outcome: 'failed' })).toBe(1);
    expect(sampleValue(samples, 'astra_workflow_run_duration_seconds_sum', { workflow: 'runFlow', outcome: 'completed' })).toBeGreaterThan(0);
    expect(sampleValue(samples, 'astra_node_execution_duration_seconds_count', { type: 'models.generate', outcome: 'succeeded' })).toBe(1);
    expect(sampleValue(samples, 'astra_node_execution_duration_seconds_count', { type: 'sources.load-url', outcome: 'failed' })).toBe(1);
    expect(sampleValue(samples, 'astra_activity_duration_seconds_count', { activity: 'nodeGenerate', outcome: 'succeeded' })).toBe(1);
    // Every task-queue activity attempt records how long it waited, by queue: the backlog-age alert reads this.
    // Generate and Load URL wait on the node queues their specs name (generation, ingest).
    expect(sampleValue(samples, 'astra_activity_schedule_to_start_seconds_count', { task_queue: taskQueueFor(taskQueue, 'generation') })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'astra_activity_schedule_to_start_seconds_count', { task_queue: taskQueueFor(taskQueue, 'ingest') })).toBeGreaterThanOrEqual(1);

    // The Temporal SDK's own runtime metrics are served within the same scrape.
    expect(sampleValue(samples, 'temporal_workflow_completed_total', { workflow_type: 'runFlow', task_queue: taskQueue })).toBe(1);
    expect(sampleValue(samples, 'temporal_workflow_failed_total', { workflow_type: 'runFlow', task_queue: taskQueue })).toBe(1);
    expect(samples.some((sample) => sample.name === 'temporal_worker_task_slots_available')).toBe(true);
    const model = 'smollm2-135m-instruct';
    const tokens = sampleValue(samples, 'astra_generation_tokens_total', { model })!;
    expect(tokens).toBeGreaterThan(0);
    expect(tokens).toBeLessThanOrEqual(12);
    expect(sampleValue(samples, 'astra_generation_prompt_tokens_total', { model })).toBeGreaterThan(0);
    expect(sampleValue(samples, 'astra_generation_time_to_first_token_seconds_count', { model })).toBe(1);
    if (tokens > 1) expect(sampleValue(samples, 'astra_generation_tokens_per_second_count', { model })).toBe(1);
  });

  it('count ingested documents and embedded chunks after a real ingest', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'astra-metrics-ingest-'));
    await writeFile(path.join(folder, 'wal.md'), '# WAL\n\nWrite-ahead logging lets readers and a writer work at the same time.\n');
    await writeFile(path.join(folder, 'vacuum.md'), '# VACUUM\n\nVACUUM rebuilds the database file, reclaiming free pages.\n');
    const collection = `metrics-${randomBytes(3).toString('hex')}`;
    const started = await call('POST', '/api/ingest', { collection, path: folder });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    let status = 'running';
    for (let i = 0; i < 600 && status === 'running'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await call('GET', `/api/ingest/${encodeURIComponent(started.body.workflowId)}`)).body.status;
    }
    expect(status).toBe('completed');

    const samples = await scrapeUntil((now) => sampleValue(now, 'astra_workflow_run_duration_seconds_count', { workflow: 'ingestCorpus', outcome: 'completed' }) === 1);
    expect(sampleValue(samples, 'astra_ingest_documents_total', { outcome: 'new' })).toBe(2);
    expect(sampleValue(samples, 'astra_ingest_documents_total', { outcome: 'failed' })).toBe(0);
    expect(sampleValue(samples, 'astra_embedding_chunks_total', { model: 'all-minilm-l6-v2' })).toBeGreaterThanOrEqual(2);
    expect(sampleValue(samples, 'astra_workflow_run_duration_seconds_count', { workflow: 'ingestCorpus', outcome: 'completed' })).toBe(1);
  });
});

describe('a prebuilt workflow bundle', () => {
  it('that does not exist stops the worker with a message naming the variable', async () => {
    await expect(startWorkerProcess(`test-${randomBytes(4).toString('hex')}`, { env: { ASTRA_WORKFLOW_BUNDLE: '/nonexistent/workflow-bundle.js' } })).rejects.toThrow(/ASTRA_WORKFLOW_BUNDLE names \/nonexistent\/workflow-bundle\.js, which does not exist/);
  });
});

describe('worker metrics listener', () => {
  it('needs the scrape token when one is set, and refuses a non-loopback bind without one', async () => {
    const metrics = createWorkerMetrics();
    const token = 'worker-scrape-token-0123456789';
    const listener = await metrics.listen({ port: 0, host: '127.0.0.1', token });
    try {
      const url = `http://127.0.0.1:${listener.port}/metrics`;
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('# TYPE astra_node_execution_duration_seconds histogram');
      expect((await fetch(`http://127.0.0.1:${listener.port}/other`)).status).toBe(404);
    } finally {
      await listener.close();
    }
    await expect(metrics.listen({ port: 0, host: '0.0.0.0' })).rejects.toThrow(/ASTRA_METRICS_TOKEN/);
  });
});
