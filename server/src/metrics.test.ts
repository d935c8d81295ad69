// GET /metrics on the real app: request latency by route pattern after real requests, flow runs after a
// real run, and the scrape token (or, without one, loopback only).
/* eslint-disable @typescript-eslint/no-explicit-any -- the test reads the API's JSON answers as a client would, loosely */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestWorker, type TestWorker } from '../../activities/src/testing/test-worker';
import { parseMetrics, sampleValue } from '../../infra/src/testing/metrics-text';
import { graphOf } from './flows/testing/graphs';
import { parseServerEnv } from './env';
import { createAppHarness, type AppHarness } from './testing/app-harness';

let worker: TestWorker;
let harness: AppHarness;

const request = (path: string, headers: Record<string, string> = {}, target = harness) => target.app.request(`http://astra.test${path}`, { headers });

async function scrape(target = harness) {
  const response = await request('/metrics', {}, target);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return parseMetrics(await response.text());
}

beforeAll(async () => {
  worker = await startTestWorker();
  harness = await createAppHarness({ taskQueue: worker.taskQueue });
});

afterAll(async () => {
  await harness?.close();
  await worker?.stop();
});

describe('server metrics', () => {
  it('times every request by method, route pattern and status', async () => {
    const user = await harness.newUser('user');
    const auth = { authorization: `Bearer ${user.token}` };
    expect((await request('/api/flows', auth)).status).toBe(200);
    expect((await request('/api/flows', auth)).status).toBe(200);
    expect((await request('/api/flows')).status).toBe(401);
    const missingRun = '3f1d2c4b-0000-4000-8000-000000000000';
    expect((await request(`/api/runs/${missingRun}`, auth)).status).toBe(404);
    expect((await request('/no/such/route', auth)).status).toBe(404);

    const samples = await scrape();
    const count = (labels: Record<string, string>) => sampleValue(samples, 'astra_http_request_duration_seconds_count', labels);
    expect(count({ method: 'GET', route: '/api/flows', status: '200' })).toBe(2);
    expect(count({ method: 'GET', route: '/api/flows', status: '401' })).toBe(1);
    expect(count({ method: 'GET', route: '/api/runs/:id', status: '404' })).toBe(1);
    expect(count({ method: 'GET', route: '(unmatched)', status: '404' })).toBe(1);
    const sum = sampleValue(samples, 'astra_http_request_duration_seconds_sum', { method: 'GET', route: '/api/flows', status: '200' })!;
    expect(sum).toBeGreaterThan(0);
    // The 2 s bucket of the p95 alert holds both requests; +Inf always equals the count.
    expect(sampleValue(samples, 'astra_http_request_duration_seconds_bucket', { route: '/api/flows', status: '200', le: '+Inf' })).toBe(2);
    // Raw paths never become label values (one series per pattern, not per id).
    expect(samples.some((sample) => Object.values(sample.labels).some((value) => value.includes(missingRun) || value.includes('/no/such')))).toBe(false);
    // The standard process metrics that the CPU alert reads.
    expect(sampleValue(samples, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  });

  it('counts flow runs by status after a real run', async () => {
    const user = await harness.newUser('user');
    const auth = { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' };
    const before = sampleValue(await scrape(), 'astra_flow_runs', { status: 'succeeded' })!;
    const graph = graphOf(
      [{ id: 'name', type: 'io.input', params: { name: 'name' } }, { id: 'greet', type: 'text.template', params: { template: 'Hello, {{input}}!' } }, { id: 'out', type: 'io.output', params: { name: 'greeting' } }],
      ['name.value>greet.input', 'greet.text>out.value'],
    );
    const flow = (await (await harness.app.request('http://astra.test/api/flows', { method: 'POST', headers: auth, body: JSON.stringify({ name: 'metrics greeter', graph }) })).json()) as any;
    const started = (await (await harness.app.request('http://astra.test/api/runs', { method: 'POST', headers: auth, body: JSON.stringify({ flowId: flow.flow.id, inputs: { name: 'Ada' } }) })).json()) as any;
    let status = 'running';
    for (let i = 0; i < 300 && status === 'running'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = ((await (await request(`/api/runs/${started.run.id}`, auth)).json()) as any).run.status;
    }
    expect(status).toBe('succeeded');
    // Other test files share the database and may finish runs too, so the figure grows by at least this one.
    const after = sampleValue(await scrape(), 'astra_flow_runs', { status: 'succeeded' })!;
    expect(after).toBeGreaterThanOrEqual(before + 1);
    const inDatabase = Number((await harness.pool.query("select count(*) from runs where status = 'succeeded'")).rows[0].count);
    expect(inDatabase).toBeGreaterThanOrEqual(after);
  });
});

describe('a database that does not answer', () => {
  it('leaves the run series out and counts it, and the rest of the scrape is still served', async () => {
    const { createServerMetrics } = await import('./metrics');
    const failing = { query: async () => { throw new Error('connection refused'); } } as unknown as AppHarness['pool'];
    const metrics = createServerMetrics({ pool: failing, host: '127.0.0.1' });
    await metrics.registry.metrics();
    // Series are gathered concurrently, so the failure counted in one scrape shows from the next.
    const samples = parseMetrics(await metrics.registry.metrics());
    expect(sampleValue(samples, 'astra_flow_runs', { status: 'succeeded' })).toBeUndefined();
    expect(sampleValue(samples, 'astra_metrics_collect_failures_total', { metric: 'astra_flow_runs' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  });
});

describe('the scrape token', () => {
  let guarded: AppHarness;
  let exposed: AppHarness;
  const token = 'scrape-token-0123456789abcdef';
  beforeAll(async () => {
    guarded = await createAppHarness({ env: { ASTRA_METRICS_TOKEN: token } });
    exposed = await createAppHarness({ env: { ASTRA_HOST: '0.0.0.0' } });
  });
  afterAll(async () => {
    await guarded?.close();
    await exposed?.close();
  });

  it('is required when configured, and only the exact token is accepted', async () => {
    expect((await request('/metrics', {}, guarded)).status).toBe(401);
    expect((await request('/metrics', { authorization: `Bearer ${token}x` }, guarded)).status).toBe(401);
    const user = await guarded.newUser('admin');
    // A user's API token is not a scrape token.
    expect((await request('/metrics', { authorization: `Bearer ${user.token}` }, guarded)).status).toBe(401);
    const ok = await request('/metrics', { authorization: `Bearer ${token}` }, guarded);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('# TYPE astra_http_request_duration_seconds histogram');
  });

  it('without a token, metrics are refused on a non-loopback bind, with the fix in the message', async () => {
    const response = await request('/metrics', {}, exposed);
    expect(response.status).toBe(403);
    expect(((await response.json()) as any).error).toContain('ASTRA_METRICS_TOKEN');
  });

  it('a short token stops start-up with a clear message', () => {
    expect(() => parseServerEnv({ DATABASE_URL: 'postgres://x', TEMPORAL_ADDRESS: 'x:1', CHROMA_URL: 'http://x', ASTRA_METRICS_TOKEN: 'short' })).toThrow(/ASTRA_METRICS_TOKEN must be at least 16 characters/);
  });
});
