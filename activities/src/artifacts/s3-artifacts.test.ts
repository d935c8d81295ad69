// Uploads and job artifacts in an S3-compatible store, so workers on different machines share them with no
// shared folder. The bucket is a fake of the hosted S3 API (moto's server, testing/fake-s3.ts). Two worker
// processes with data folders of their own run a flow: Prepare Dataset on one writes the dataset, Fine-tune
// on the other reads it from the bucket and writes its adapter back. An upload the app stores in the bucket
// is ingested by a worker that never sees the app's data folder.
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fineTuneJobSchema } from '@astra/workflows/flow';
import { requestIdInterceptorPath, runMetricsInterceptorPath, workflowsPath, type RunFlowInput, type workflows } from '@astra/workflows';
import { graphOf } from '../../../server/src/flows/testing/graphs';
import { createAppHarness, type AppHarness } from '../../../server/src/testing/app-harness';
import { createRunStore } from '../nodes/run-store';
import { startWorkerProcess } from '../testing/worker-process';
import { otelWorkflowInterceptorPath } from '../tracing';
import { artifactStoreFromEnv, pullFolder, pushFolder, type ArtifactStore } from './artifact-store';
import { startFakeS3, type FakeS3 } from './testing/fake-s3';

const services = inject('services');
const datasetFile = new URL('../../../examples/datasets/veltrana.jsonl', import.meta.url);
let s3: FakeS3;
let store: ArtifactStore;
let scratch: string;
/** The workflow bundle built once, as an image does: on a loaded machine bundling at each worker start can miss its deadline. */
let bundle: { ASTRA_WORKFLOW_BUNDLE: string };
let pool: pg.Pool;
let connection: Connection;
let client: Client;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  s3 = await startFakeS3();
  store = artifactStoreFromEnv(s3.env)!;
  scratch = await mkdtemp(path.join(os.tmpdir(), 'astra-s3-'));
  pool = new pg.Pool({ connectionString: services.databaseUrl });
  connection = await Connection.connect({ address: services.temporalAddress });
  client = new Client({ connection, namespace: services.namespace });
  bundle = { ASTRA_WORKFLOW_BUNDLE: path.join(scratch, 'workflows.js') };
  await writeFile(bundle.ASTRA_WORKFLOW_BUNDLE, (await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: [runMetricsInterceptorPath, requestIdInterceptorPath, otelWorkflowInterceptorPath] })).code);
}, 600_000);

afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await connection?.close();
  await pool?.end();
  await s3?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const machine = async (name: string) => {
  const dir = path.join(scratch, name);
  await mkdir(dir, { recursive: true });
  return dir;
};

describe('the S3 artifact store', () => {
  it('keeps objects, lists them by prefix, copies folders both ways and removes a prefix', async () => {
    await store.put('t/a.txt', Buffer.from('one'));
    expect((await store.get('t/a.txt'))?.toString()).toBe('one');
    expect(await store.get('t/missing.txt')).toBeUndefined();
    const here = await machine('folder-here');
    await mkdir(path.join(here, 'sub'), { recursive: true });
    await writeFile(path.join(here, 'sub', 'b.bin'), randomBytes(70_000));
    await writeFile(path.join(here, 'c.json'), '{"c":1}');
    expect(await pushFolder(store, here, 'job/x')).toBe(2);
    // Unchanged files are not sent again.
    expect(await pushFolder(store, here, 'job/x')).toBe(0);
    expect((await store.list('job/x/')).map((object) => object.key).sort()).toEqual(['job/x/c.json', 'job/x/sub/b.bin']);
    const there = await machine('folder-there');
    expect(await pullFolder(store, 'job/x', there)).toBe(2);
    expect(await readFile(path.join(there, 'sub', 'b.bin'))).toEqual(await readFile(path.join(here, 'sub', 'b.bin')));
    expect(await store.removeAll('job/')).toBe(2);
    expect(await store.list('job/')).toEqual([]);
  });

  it('refuses half a configuration with the variable named', () => {
    expect(() => artifactStoreFromEnv({ ASTRA_ARTIFACTS_S3_URL: s3.url })).toThrow(/ASTRA_ARTIFACTS_S3_BUCKET/);
    expect(() => artifactStoreFromEnv({ ASTRA_ARTIFACTS_S3_BUCKET: 'b', ASTRA_ARTIFACTS_S3_ACCESS_KEY_ID: 'k' })).toThrow(/ASTRA_ARTIFACTS_S3_SECRET_ACCESS_KEY/);
    expect(artifactStoreFromEnv({})).toBeUndefined();
  });
});

describe('workers on different machines', () => {
  it('runs a flow whose dataset one worker writes and another reads, through the bucket alone', async () => {
    const taskQueue = `s3-flow-${randomBytes(4).toString('hex')}`;
    const [first, second] = [await machine('worker-a'), await machine('worker-b')];
    // Worker A serves the workflows and the default queue (Prepare Dataset); worker B only training (Fine-tune).
    // The fp32 base copy is a per-machine cache of the provisioned model, here one of this test's own (a
    // folder other test files fill at the same time would race with it).
    const bases = { ASTRA_FINETUNE_BASES_DIR: path.join(scratch, 'bases') };
    workers.push(await startWorkerProcess(taskQueue, { env: { ...s3.env, ...bases, ...bundle, ASTRA_DATA_DIR: first, ASTRA_WORKER_QUEUES: 'default' } }));
    workers.push(await startWorkerProcess(taskQueue, { env: { ...s3.env, ...bases, ASTRA_DATA_DIR: second, ASTRA_WORKER_QUEUES: 'training' } }));
    const graph = graphOf(
      [
        { id: 'data', type: 'io.input', params: { name: 'data' } },
        { id: 'prepare', type: 'training.prepare-dataset', params: { validationFraction: 0.25 } },
        { id: 'tune', type: 'training.finetune', params: { steps: 2, checkpointEvery: 2, evalEvery: 2, learningRate: 2e-3 } },
        { id: 'job', type: 'io.output', params: { name: 'job' } },
      ],
      ['data.value>prepare.data', 'prepare.job>tune.job', 'tune.job>job.value'],
    );
    const data = (await readFile(datasetFile, 'utf8')).split('\n').filter(Boolean).slice(0, 12).join('\n');
    const runId = randomUUID();
    const input: RunFlowInput = { runId, ownerId: randomUUID(), snapshot: { flowId: randomUUID(), flowVersion: 1, graph }, inputs: { data } };
    const result = await client.workflow.execute<typeof workflows.runFlow>('runFlow', { taskQueue, workflowId: `run-${runId}`, args: [input] });
    expect(result.status, JSON.stringify(result)).toBe('succeeded');

    const prefix = `finetune/jobs/${runId}/prepare`;
    const job = fineTuneJobSchema.parse(await createRunStore(pool).resolve(result.outputs.job!));
    expect(job.artifacts).toBe(prefix);
    // Fine-tune worked on worker B's own copy of the folder, pulled from the bucket.
    expect(job.dir).toBe(path.join(second, 'finetune', 'jobs', runId, 'prepare'));
    expect(job.training!.adapter.startsWith(`${job.dir}${path.sep}`)).toBe(true);
    const stored = (await store.list(`${prefix}/`)).map((object) => object.key.slice(prefix.length + 1));
    expect(stored).toEqual(expect.arrayContaining(['train.jsonl', 'val.jsonl', 'dataset.json']));
    // The adapter B made is in the bucket for the next machine, and A's folder never had it.
    const adapterFiles = stored.filter((key) => key.startsWith(`${path.relative(job.dir, job.training!.adapter)}/`));
    expect(adapterFiles.length).toBeGreaterThan(0);
    expect(existsSync(path.join(first, 'finetune', 'jobs', runId, 'prepare', 'train.jsonl'))).toBe(true);
    expect(existsSync(path.join(first, 'finetune', 'jobs', runId, 'prepare', 'train'))).toBe(false);
    expect(await readFile(path.join(job.dir, 'train.jsonl'))).toEqual(await store.get(`${prefix}/train.jsonl`));
  }, 600_000);

  it('ingests an upload the app stored in the bucket on a worker that has no access to the app\'s data folder', async () => {
    const taskQueue = `s3-upload-${randomBytes(4).toString('hex')}`;
    workers.push(await startWorkerProcess(taskQueue, { env: { ...s3.env, ...bundle, ASTRA_DATA_DIR: await machine('ingest-worker') } }));
    let harness: AppHarness | undefined;
    try {
      harness = await createAppHarness({ taskQueue, env: s3.env });
      const user = await harness.newUser('user');
      const response = await harness.app.request('http://astra.test/api/uploads?collection=tides&filename=tide-table.md', {
        method: 'POST',
        headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/octet-stream' },
        body: '# Tide table\n\nHigh water at the north jetty comes forty minutes after the harbour mouth.\n',
      });
      expect(response.status).toBe(202);
      const { workflowId } = (await response.json()) as { workflowId: string };
      let status: Record<string, unknown>;
      do {
        await new Promise((resolve) => setTimeout(resolve, 250));
        status = (await harness.call(user.token, 'GET', `/api/ingest/${workflowId}`)).body;
      } while (status.status === 'running' || status.status === 'unknown');
      expect(status).toMatchObject({ status: 'completed', planned: 1, new: 1, failed: 0 });
      // Nothing went to the app's data folder; the bucket holds the upload.
      expect(existsSync(path.join(harness.dataDir, 'uploads'))).toBe(false);
      const uploads = await store.list('uploads/');
      expect(uploads.filter((object) => object.key.endsWith('-tide-table.md'))).toHaveLength(1);
      const { body } = await harness.call(user.token, 'POST', '/api/query', { collection: 'tides', query: 'north jetty high water', k: 1 });
      expect(body.results[0].text).toContain('forty minutes');
      expect(body.results[0].source).toBe('tide-table.md');
      // Deleting the collection deletes its uploads from the bucket.
      expect((await harness.call(user.token, 'DELETE', '/api/collections/tides')).status).toBe(200);
      expect((await store.list('uploads/')).filter((object) => object.key.endsWith('-tide-table.md'))).toEqual([]);
    } finally {
      await harness?.close();
    }
  }, 300_000);
});

