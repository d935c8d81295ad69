// Temporal over TLS as configuration: a node `tls` server with a test CA terminates mutual TLS in front of
// the real dev server (a byte pipe), and the worker process and a client built from the server's own env
// (TEMPORAL_TLS_CA, _CERT, _KEY, _SERVER_NAME, TEMPORAL_API_KEY) run a flow through it.
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { workflows } from '@astra/workflows';
import { graphOf } from '../../server/src/flows/testing/graphs';
import { parseServerEnv } from '../../server/src/env';
import { startWorkerProcess } from './testing/worker-process';
import { runFlowInput } from './testing/test-worker';

const services = inject('services');
const taskQueue = `tls-${randomBytes(4).toString('hex')}`;
let dir: string;
let proxy: tls.Server;
let proxyPort: number;
/** Handshakes the proxy accepted with a client certificate its CA signed, and those it refused. */
let authorizedHandshakes = 0;
let refusedHandshakes = 0;
let caPem: Buffer;
let worker: ChildProcess | undefined;
const files = (name: string) => path.join(dir, name);

async function waitFor(condition: () => boolean) {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A test CA, a server certificate for localhost signed by it, and a client certificate for mTLS. */
function makeCertificates() {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=Astra test CA');
  for (const [name, ext] of [['server', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth'], ['client', 'extendedKeyUsage=clientAuth']] as const) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=astra-${name}`);
    execFileSync('sh', ['-c', `printf '${ext}\\n' > ${name}.ext`], { cwd: dir });
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`);
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'astra-tls-'));
  makeCertificates();
  const [host, port] = services.temporalAddress.split(':') as [string, string];
  proxy = tls.createServer({
    key: await readFile(files('server.key')),
    cert: await readFile(files('server.pem')),
    ca: await readFile(files('ca.pem')),
    requestCert: true,
    rejectUnauthorized: true,
    ALPNProtocols: ['h2'],
  }, (socket) => {
    if (socket.authorized) authorizedHandshakes += 1;
    const upstream = net.connect(Number(port), host);
    socket.pipe(upstream).pipe(socket);
    const close = () => { socket.destroy(); upstream.destroy(); };
    socket.on('error', close);
    upstream.on('error', close);
  });
  proxy.on('tlsClientError', () => (refusedHandshakes += 1));
  caPem = await readFile(files('ca.pem'));
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyPort = (proxy.address() as net.AddressInfo).port;
});

afterAll(async () => {
  worker?.kill('SIGKILL');
  await new Promise((resolve) => proxy.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const secured = () => ({
  TEMPORAL_ADDRESS: `127.0.0.1:${proxyPort}`,
  TEMPORAL_TLS_CA: files('ca.pem'),
  TEMPORAL_TLS_CERT: files('client.pem'),
  TEMPORAL_TLS_KEY: files('client.key'),
  TEMPORAL_TLS_SERVER_NAME: 'localhost',
  TEMPORAL_API_KEY: 'astra-test-api-key',
});

describe('Temporal over mutual TLS', () => {
  it('runs a flow with the worker and the server client both connected through the TLS terminator', async () => {
    worker = await startWorkerProcess(taskQueue, { env: secured() });
    const workerHandshakes = authorizedHandshakes;
    expect(workerHandshakes).toBeGreaterThan(0);

    // The connection options the server itself builds from its environment.
    const env = parseServerEnv({ DATABASE_URL: services.databaseUrl, CHROMA_URL: services.chromaUrl, ...secured() });
    expect(env.temporal.tls ? env.temporal.tls.clientCertPair : undefined).toBeDefined();
    const connection = await Connection.connect(env.temporal);
    try {
      expect(authorizedHandshakes).toBeGreaterThan(workerHandshakes);
      const client = new Client({ connection, namespace: services.namespace });
      const input = runFlowInput(graphOf(
        [
          { id: 'in', type: 'io.input', params: { name: 'text' } },
          { id: 'wrap', type: 'text.template', version: 2, params: { template: 'over TLS: {{input}}' } },
          { id: 'same', type: 'util.pass-through' },
          { id: 'out', type: 'io.output', params: { name: 'text' } },
        ],
        ['in.value>wrap.input', 'wrap.text>same.value', 'same.value>out.value'],
      ), { inputs: { text: 'hello' } });
      const result = await client.workflow.execute<typeof workflows.runFlow>('runFlow', { taskQueue, workflowId: `run-${input.runId}`, args: [input] });
      expect(result).toEqual({ status: 'succeeded', outputs: { text: { value: 'over TLS: hello' } } });
    } finally {
      await connection.close();
    }
  }, 120_000);

  it('refuses a connection without a client certificate, and a worker whose CA does not match says so and exits', async () => {
    const before = { refused: refusedHandshakes, authorized: authorizedHandshakes };
    await new Promise<void>((resolve) => {
      const socket = tls.connect({ port: proxyPort, host: '127.0.0.1', servername: 'localhost', ca: caPem, ALPNProtocols: ['h2'] });
      socket.once('secureConnect', () => socket.write('x'));
      socket.once('error', () => resolve());
      socket.once('close', () => resolve());
    });
    await waitFor(() => refusedHandshakes > before.refused);
    expect(authorizedHandshakes).toBe(before.authorized);

    const otherCa = files('other');
    await writeFile(`${otherCa}.pem`, await readFile(files('client.pem')));
    await expect(startWorkerProcess(`${taskQueue}-bad`, { env: { ...secured(), TEMPORAL_TLS_CA: `${otherCa}.pem` } })).rejects.toThrow(/worker did not start[\s\S]*(certificate|tls|TLS|transport)/);
    await expect(startWorkerProcess(`${taskQueue}-half`, { env: { ...secured(), TEMPORAL_TLS_KEY: '' } })).rejects.toThrow(/TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together/);
    await expect(startWorkerProcess(`${taskQueue}-missing`, { env: { ...secured(), TEMPORAL_TLS_CA: files('absent.pem') } })).rejects.toThrow(/TEMPORAL_TLS_CA: cannot read .*absent\.pem \(ENOENT\)/);
  }, 120_000);
});
