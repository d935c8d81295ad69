// A Temporal API key end to end. A fake Temporal Cloud front (a small HTTP/2 gRPC proxy; Temporal Cloud
// itself cannot be reached here) records the `authorization` metadata of every call and forwards it to
// the real dev server. Astra's server (the app, over the connection it builds from its own environment)
// and a worker process, each with its own key, run a flow through it; every call must carry a key, the
// server's calls the server's and the worker's the worker's.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { graphOf } from '../../server/src/flows/testing/graphs';
import { createAppHarness, type AppHarness } from '../../server/src/testing/app-harness';
import { startWorkerProcess } from './testing/worker-process';

const services = inject('services');
const taskQueue = `api-key-${randomBytes(4).toString('hex')}`;
const serverKey = `server-${randomBytes(6).toString('hex')}`;
const workerKey = `worker-${randomBytes(6).toString('hex')}`;

/** One gRPC call as the front saw it: the method and the `authorization` metadata it came with. */
interface Call { method: string; authorization: string | undefined }
const calls: Call[] = [];

// Connection-specific headers HTTP/2 forbids forwarding, and the pseudo-headers the request sets itself.
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host', 'http2-settings']);
const forwardable = (headers: http2.IncomingHttpHeaders) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith(':') && !hopByHop.has(name)));

let front: http2.Http2Server;
let upstream: http2.ClientHttp2Session;
let frontAddress: string;
let worker: ChildProcess | undefined;
let harness: AppHarness | undefined;

beforeAll(async () => {
  upstream = http2.connect(`http://${services.temporalAddress}`);
  upstream.on('error', () => undefined);
  front = http2.createServer();
  front.on('stream', (stream, headers) => {
    const authorization = headers.authorization;
    calls.push({ method: String(headers[':path']), authorization: Array.isArray(authorization) ? authorization.join(',') : authorization });
    const forwarded = upstream.request({ ':method': String(headers[':method']), ':path': String(headers[':path']), ...forwardable(headers) });
    let trailers: http2.IncomingHttpHeaders | undefined;
    forwarded.on('response', (response) => {
      if (stream.destroyed) return;
      const status = Number(response[':status']);
      // A trailers-only answer (a gRPC error) carries grpc-status in its headers and nothing after them.
      if ('grpc-status' in response) stream.respond({ ':status': status, ...forwardable(response) }, { endStream: false });
      else stream.respond({ ':status': status, ...forwardable(response) }, { waitForTrailers: true });
    });
    forwarded.on('trailers', (received) => (trailers = received));
    stream.on('wantTrailers', () => stream.sendTrailers(trailers ? forwardable(trailers) : {}));
    stream.pipe(forwarded);
    forwarded.pipe(stream);
    const cancel = () => { if (!forwarded.destroyed) forwarded.close(http2.constants.NGHTTP2_CANCEL); };
    stream.on('close', cancel);
    stream.on('error', cancel);
    forwarded.on('error', () => stream.destroy());
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  frontAddress = `127.0.0.1:${(front.address() as AddressInfo).port}`;
});

afterAll(async () => {
  worker?.kill('SIGKILL');
  await harness?.close();
  upstream.close();
  await new Promise((resolve) => front.close(resolve));
});

describe('Temporal API key', () => {
  it('reaches the Temporal front on every call from the server and from the worker, and a run completes', async () => {
    // Plaintext h2c to the fake front (TEMPORAL_TLS=false), so it can read the metadata without a certificate.
    worker = await startWorkerProcess(taskQueue, { env: { TEMPORAL_ADDRESS: frontAddress, TEMPORAL_API_KEY: workerKey, TEMPORAL_TLS: 'false' } });
    harness = await createAppHarness({ taskQueue, env: { TEMPORAL_ADDRESS: frontAddress, TEMPORAL_API_KEY: serverKey, TEMPORAL_TLS: 'false' } });
    const user = await harness.newUser('user');
    const graph = graphOf(
      [
        { id: 'in', type: 'io.input', params: { name: 'text' } },
        { id: 'wrap', type: 'text.template', version: 2, params: { template: 'with a key: {{input}}' } },
        { id: 'out', type: 'io.output', params: { name: 'text' } },
      ],
      ['in.value>wrap.input', 'wrap.text>out.value'],
    );
    const flowId = (await harness.call(user.token, 'POST', '/api/flows', { name: 'keyed', graph })).body.flow.id as string;
    const started = await harness.call(user.token, 'POST', '/api/runs', { flowId, inputs: { text: 'hello' } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const runId = started.body.run.id as string;
    const deadline = Date.now() + 60_000;
    let run = started.body.run;
    while (run.status === 'running' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      run = (await harness.call(user.token, 'GET', `/api/runs/${runId}`)).body.run;
    }
    expect(run.status).toBe('succeeded');
    expect(run.outputs).toEqual({ text: 'with a key: hello' });

    const byKey = (key: string) => calls.filter((call) => call.authorization === `Bearer ${key}`).map((call) => call.method.split('/').at(-1));
    // The server started the run; the worker polled for it and answered its tasks.
    expect(byKey(serverKey)).toContain('StartWorkflowExecution');
    expect(byKey(workerKey)).toEqual(expect.arrayContaining(['PollWorkflowTaskQueue', 'RespondWorkflowTaskCompleted']));
    expect(byKey(serverKey)).not.toContain('PollWorkflowTaskQueue');
    // No call reached the front without a key.
    expect(calls.filter((call) => call.authorization !== `Bearer ${serverKey}` && call.authorization !== `Bearer ${workerKey}`)).toEqual([]);
  }, 120_000);
});
