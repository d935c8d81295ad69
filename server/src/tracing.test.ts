// One trace covers a request that starts a run, the run's workflow, each node activity and the model
// call, across the server and a real worker process, exported over OTLP. The receiver is a fake at the
// boundary Astra does not own (a collector): a small HTTP server that keeps what OTLP/HTTP JSON sends it.
/* eslint-disable @typescript-eslint/no-explicit-any -- OTLP JSON and the API's answers are read loosely, as a collector would */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../../activities/src/tracing';
import { startWorkerProcess } from '../../activities/src/testing/worker-process';
import { graphOf } from './flows/testing/graphs';
import { createAppHarness, type AppHarness } from './testing/app-harness';

interface ReceivedSpan { service: string; traceId: string; spanId: string; parentSpanId: string; name: string; attributes: Record<string, unknown> }

let receiver: Server;
const received: ReceivedSpan[] = [];
let tracing: Tracing;
let harness: AppHarness;
let worker: ChildProcess;
let workerLog = '';
const taskQueue = `test-${randomBytes(4).toString('hex')}`;

function keep(body: any) {
  for (const resourceSpans of body.resourceSpans ?? []) {
    const service = resourceSpans.resource?.attributes?.find((a: any) => a.key === 'service.name')?.value?.stringValue ?? '';
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        const attributes = Object.fromEntries((span.attributes ?? []).map((a: any) => [a.key, Object.values(a.value ?? {})[0]]));
        received.push({ service, traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId ?? '', name: span.name, attributes });
      }
    }
  }
}

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      if (request.url === '/v1/traces') keep(JSON.parse(text));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint;
  tracing = startTracing('astra-server', process.env);
  worker = await startWorkerProcess(taskQueue, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'astra-worker', OTEL_BSP_SCHEDULE_DELAY: '200', ASTRA_WORKER_LOG_LEVEL: 'DEBUG' } });
  worker.stdout!.on('data', (chunk: Buffer) => (workerLog += chunk.toString()));
  harness = await createAppHarness({ taskQueue });
});

afterAll(async () => {
  worker?.kill('SIGTERM');
  await harness?.close();
  await tracing?.shutdown();
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
});

describe('traces', () => {
  it('follow a run from the HTTP request through its workflow and node activities to the model call', async () => {
    expect(tracing.exporting).toBe(true);
    const user = await harness.newUser('user');
    const call = async (method: string, route: string, body?: unknown) => {
      const response = await harness.app.request(`http://astra.test${route}`, {
        method,
        headers: { authorization: `Bearer ${user.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return (await response.json()) as any;
    };
    const graph = graphOf(
      [{ id: 'q', type: 'io.input', params: { name: 'q' } }, { id: 'gen', type: 'models.generate', params: { maxTokens: 8 } }, { id: 'out', type: 'io.output', params: { name: 'text' } }],
      ['q.value>gen.prompt', 'gen.text>out.value'],
    );
    const flow = await call('POST', '/api/flows', { name: 'traced generate', graph });
    const run = (await call('POST', '/api/runs', { flowId: flow.flow.id, inputs: { q: 'Say hi.' } })).run;
    let status = 'running';
    for (let i = 0; i < 600 && status === 'running'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await call('GET', `/api/runs/${run.id}`)).run.status;
    }
    expect(status).toBe('succeeded');
    await tracing.forceFlush();

    const request = received.find((span) => span.name === 'POST /api/runs' && span.service === 'astra-server');
    expect(request, received.map((span) => `${span.service} ${span.name}`).join('\n')).toBeDefined();
    const inTrace = () => received.filter((span) => span.traceId === request!.traceId);
    const expected = [
      'astra-server POST /api/runs',
      'astra-server StartWorkflow:runFlow',
      'astra-worker RunWorkflow:runFlow',
      'astra-worker RunActivity:nodeGenerate',
      'astra-worker model.chat',
    ];
    const names = () => inTrace().map((span) => `${span.service} ${span.name}`);
    // The worker's batch exporter sends on its own schedule, and the workflow's span only once the run has
    // ended (after the model call's batch): wait, bounded, for every span of this trace.
    for (let i = 0; i < 150 && !expected.every((name) => names().includes(name)); i += 1) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(names()).toEqual(expect.arrayContaining(expected));
    // The model call is a child of the Generate node's activity span.
    const activity = inTrace().find((span) => span.name === 'RunActivity:nodeGenerate')!;
    const model = inTrace().find((span) => span.name === 'model.chat')!;
    expect(model.parentSpanId).toBe(activity.spanId);
    expect(model.attributes['gen_ai.request.model']).toBe('smollm2-135m-instruct');
    expect(request!.attributes['http.route']).toBe('/api/runs');
    // The worker logs JSON lines, and those written inside the activity carry its trace.
    const lines = workerLog.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    const traced = lines.filter((line) => line.trace_id === request!.traceId);
    expect(traced.length, workerLog.slice(-3000)).toBeGreaterThan(0);
    expect(traced.some((line) => line.msg === 'activity finished' && line.activityType === 'nodeGenerate' && line.nodeType === 'models.generate' && line.span_id === activity.spanId)).toBe(true);
  });
});
