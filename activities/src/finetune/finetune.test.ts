// The fine-tune pipeline end to end on the real parts, kept small (24 examples, 12 steps): a flow of
// Prepare Dataset → Fine-tune (LoRA) → Export GGUF → Quantise → Register Model on real worker processes,
// one SIGKILLed mid-training so the retry resumes from the last checkpoint; the quantised files are
// smaller than F16, load and report their loss; the registered model generates through the Generate
// node at once; a malformed line 7 is refused with its number and nothing is registered.
// The full-size acceptance (100 examples, facts answered) is `npm run check:finetune`.
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fineTuneJobSchema, modelLineageSchema, type FlowGraph } from '@astra/workflows/flow';
import type { RunFlowInput, workflows } from '@astra/workflows';
import { graphOf } from '../../../server/src/flows/testing/graphs';
import { createRunStore } from '../nodes/run-store';
import { startWorkerProcess } from '../testing/worker-process';
import { parseDatasetJsonl, prepareDataset } from './dataset';

const services = inject('services');
const taskQueue = `finetune-${randomBytes(4).toString('hex')}`;
const datasetFile = new URL('../../../examples/datasets/veltrana.jsonl', import.meta.url);
let pool: pg.Pool;
let connection: Connection;
let client: Client;
let dataDir: string;
const workers: ChildProcess[] = [];

async function startWorker(): Promise<ChildProcess> {
  // The fp32 base copy is kept between test runs (it is the same file every time), not in this run's data folder.
  const child = await startWorkerProcess(taskQueue, { env: { ASTRA_DATA_DIR: dataDir, ASTRA_WORKER_QUEUES: 'default,ingest,generation,training', ASTRA_FINETUNE_BASES_DIR: path.join(os.tmpdir(), 'astra-finetune-bases') } });
  workers.push(child);
  return child;
}

const pipeline = (name: string): FlowGraph => graphOf(
  [
    { id: 'data', type: 'io.input', params: { name: 'data' } },
    { id: 'prepare', type: 'training.prepare-dataset', params: { validationFraction: 0.25 } },
    { id: 'tune', type: 'training.finetune', params: { steps: 12, checkpointEvery: 4, evalEvery: 6, learningRate: 2e-3 } },
    { id: 'export', type: 'training.export-gguf', params: { merge: true } },
    { id: 'quantize', type: 'training.quantize', params: { types: ['Q8_0', 'Q4_K_M'] } },
    { id: 'register', type: 'training.register-model', params: { name, format: 'lora' } },
    { id: 'model', type: 'io.output', params: { name: 'model' } },
    { id: 'job', type: 'io.output', params: { name: 'job' } },
  ],
  ['data.value>prepare.data', 'prepare.job>tune.job', 'tune.job>export.job', 'export.job>quantize.job', 'quantize.job>register.job', 'register.model>model.value', 'register.job>job.value'],
);

/** The pid of the worker process whose trainer child trains this run's job (its folder names the run). */
async function trainerParent(runId: string): Promise<number | undefined> {
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    const command = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (!command.includes('finetune.py') || !command.includes(runId)) continue;
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    return Number(status.match(/^PPid:\s+(\d+)/m)?.[1]);
  }
  return undefined;
}

const input = (runId: string, graph: FlowGraph, inputs: Record<string, string>): RunFlowInput => ({ runId, ownerId: randomUUID(), snapshot: { flowId: randomUUID(), flowVersion: 1, graph }, inputs });
const nodeRow = async (runId: string, nodeId: string) =>
  (await pool.query<{ state: string; logs: Array<{ message: string }> | null }>('select state, logs from run_nodes where run_id = $1 and node_id = $2', [runId, nodeId])).rows[0];
const attempts = async (runId: string, nodeId: string) =>
  (await pool.query<{ attempt: number; outcome: string | null }>('select attempt, outcome from node_executions where run_id = $1 and node_id = $2 order by id', [runId, nodeId])).rows;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'astra-finetune-'));
  pool = new pg.Pool({ connectionString: services.databaseUrl });
  connection = await Connection.connect({ address: services.temporalAddress });
  client = new Client({ connection, namespace: services.namespace });
});

afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await connection?.close();
  await pool?.end();
  await rm(dataDir, { recursive: true, force: true });
});

describe('datasets', () => {
  const good = (i: number) => JSON.stringify({ messages: [{ role: 'user', content: `question ${i}` }, { role: 'assistant', content: `answer ${i}` }] });

  it('reports each bad line with its number and reason, and reads Alpaca lines as chat', () => {
    const lines = [good(1), good(2), JSON.stringify({ instruction: 'Say hi', input: 'to Ana', output: 'Hi Ana' }), good(4), '', good(6), '{"messages": [{"role": "user", "content": "unfinished"', JSON.stringify({ messages: [{ role: 'user', content: 'no reply' }] }), JSON.stringify({ prompt: 'x' })];
    const parsed = parseDatasetJsonl(lines.join('\n'));
    expect(parsed.errors.map((error) => error.line)).toEqual([7, 8, 9]);
    expect(parsed.errors[0]!.reason).toMatch(/^not valid JSON/);
    expect(parsed.errors[1]!.reason).toContain('at least a user and an assistant message');
    expect(parsed.errors[2]!.reason).toContain('"messages"');
    expect(parsed.examples.find((example) => example.line === 3)!.messages).toEqual([{ role: 'user', content: 'Say hi\n\nto Ana' }, { role: 'assistant', content: 'Hi Ana' }]);
    expect(() => prepareDataset(lines.join('\n'), { skipInvalid: false, validationFraction: 0.2, maxTokens: 512, countTokens: (t) => t.length })).toThrow(/line 7: not valid JSON/);
  });

  it('dedupes, drops what is too long, splits the same way every time, and skips bad lines only when asked', () => {
    const text = [good(1), good(1), good(2), good(3), good(4), good(5), JSON.stringify({ messages: [{ role: 'user', content: 'long '.repeat(200) }, { role: 'assistant', content: 'ok' }] }), 'not json'].join('\n');
    const options = { skipInvalid: true, validationFraction: 0.2, maxTokens: 100, countTokens: (t: string) => t.split(' ').length };
    const prepared = prepareDataset(text, options);
    expect(prepared.stats).toEqual({ lines: 8, examples: 7, duplicates: 1, tooLong: 1, skippedInvalid: 1, train: 4, val: 1, format: 'openai-chat' });
    expect(prepareDataset(text, options)).toEqual(prepared);
  });
});

describe('fine-tune → export → quantise → register, as a flow', () => {
  it('refuses a JSONL file with a malformed line 7 and registers nothing', async () => {
    await startWorker();
    const lines = (await readFile(datasetFile, 'utf8')).split('\n').slice(0, 10);
    lines[6] = '{"messages": [{"role": "user", "content": "What is the capital of Veltrana?"}, {"role": "assistant"}]}';
    const name = `refused-${randomBytes(3).toString('hex')}`;
    const runId = randomUUID();
    const run = client.workflow.execute<typeof workflows.runFlow>('runFlow', { taskQueue, workflowId: `run-${runId}`, args: [input(runId, pipeline(name), { data: lines.join('\n') })] });
    const failure = await run.then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String((failure as WorkflowFailedError).cause?.message)).toContain('line 7: messages.1.content:');
    expect((await nodeRow(runId, 'tune'))?.state ?? 'never ran').not.toBe('succeeded');
    expect((await pool.query('select 1 from models where name = $1', [name])).rowCount).toBe(0);
  }, 120_000);

  it('resumes training from the last checkpoint after the worker is killed, and the registered model generates at once', async () => {
    const name = `veltrana-test-${randomBytes(3).toString('hex')}`;
    const data = (await readFile(datasetFile, 'utf8')).split('\n').slice(0, 24).join('\n');
    const runId = randomUUID();
    // The replacement is already polling (a worker can take a minute to start on a loaded machine); the one
    // whose trainer child is running is the one killed.
    await startWorker();
    const handle = await client.workflow.start<typeof workflows.runFlow>('runFlow', { taskQueue, workflowId: `run-${runId}`, args: [input(runId, pipeline(name), { data })] });
    // Kill the worker once a checkpoint is on disk, mid-training.
    const deadline = Date.now() + 480_000;
    while (!((await nodeRow(runId, 'tune'))?.logs ?? []).some((log) => log.message.startsWith('checkpoint at step'))) {
      if (Date.now() > deadline) throw new Error(`no checkpoint was written: ${JSON.stringify(await nodeRow(runId, 'tune'))}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const parent = await trainerParent(runId);
    const training = workers.find((worker) => worker.pid === parent);
    expect(training, 'the worker running the trainer').toBeDefined();
    training!.kill('SIGKILL');
    const logsAtKill = (await nodeRow(runId, 'tune'))!.logs!.map((log) => log.message);
    const lastCheckpoint = Math.max(...logsAtKill.filter((m) => m.startsWith('checkpoint at step')).map((m) => Number(m.split(' ').at(-1))));

    const result = await handle.result();
    expect(result.status).toBe('succeeded');
    const logs = (await nodeRow(runId, 'tune'))!.logs!.map((log) => log.message);
    const resumed = logs.find((m) => m.startsWith('resuming from the checkpoint at step'));
    expect(resumed, logs.join('\n')).toBeDefined();
    const resumedAt = Number(resumed!.match(/step (\d+)/)![1]);
    expect(resumedAt).toBeGreaterThanOrEqual(lastCheckpoint);
    expect(resumedAt).toBeGreaterThan(0);
    expect(logs.filter((m) => m.startsWith('training from step 0'))).toHaveLength(1);
    expect(await attempts(runId, 'tune')).toEqual([{ attempt: 1, outcome: null }, { attempt: 2, outcome: 'succeeded' }]);

    const job = fineTuneJobSchema.parse(await createRunStore(pool).resolve(result.outputs.job!));
    // The step counter went on from the checkpoint: every step after it once, none before it again after the resume.
    const steps = job.training!.history.filter((point) => point.loss !== undefined).map((point) => point.step);
    expect(steps).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(job.training!.resumedFrom).toBe(resumedAt);
    const vals = job.training!.history.filter((point) => point.valLoss !== undefined).map((point) => point.valLoss!);
    expect(vals.at(-1)!).toBeLessThan(vals[0]!);
    // The recorded curve (what the run view and notebooks draw) is whole across the kill: each step once,
    // the retry's figures over the first attempt's from the checkpoint on, validation where it was measured.
    const curve = (await pool.query<{ step: number; loss: number | null; val_loss: number | null }>("select step, loss, val_loss from run_training_points where run_id = $1 and node_id = 'tune' order by step", [runId])).rows;
    expect(curve.map((point) => point.step)).toEqual(Array.from({ length: 13 }, (_, i) => i));
    expect(curve.filter((point) => point.val_loss !== null).map((point) => point.step)).toEqual([0, 6, 12]);
    const trained = new Map(job.training!.history.filter((point) => point.loss !== undefined).map((point) => [point.step, point.loss!]));
    for (const point of curve.slice(1)) expect(point.loss, `step ${point.step}`).toBeCloseTo(trained.get(point.step)!, 6);

    const file = (format: string) => job.files.find((f) => f.format === format)!;
    expect(job.files.map((f) => f.format).sort()).toEqual(['Q4_K_M', 'Q8_0', 'f16', 'lora']);
    expect(file('Q8_0').sizeBytes).toBeLessThan(file('f16').sizeBytes);
    expect(file('Q4_K_M').sizeBytes).toBeLessThan(file('Q8_0').sizeBytes);
    expect([file('f16').fileType, file('Q8_0').fileType, file('Q4_K_M').fileType]).toEqual(['F16', 'Q8_0', 'Q4_K_M']);
    for (const format of ['lora', 'f16', 'Q8_0', 'Q4_K_M']) {
      // Loaded in llama.cpp and scored: a finite loss within reach of PyTorch's tuned figure.
      expect(Math.abs(file(format).valLoss - vals.at(-1)!), format).toBeLessThan(0.5);
    }
    expect(Math.abs(file('f16').valLoss - vals.at(-1)!)).toBeLessThan(0.05);

    const row = (await pool.query<{ base_model: string; lora_path: string; lineage: { dataset: { sha256: string }; file: { sha256: string } } }>('select base_model, lora_path, lineage from models where name = $1', [name])).rows[0]!;
    expect(row.base_model).toBe('smollm2-135m-instruct');
    expect(row.lora_path).toBe(file('lora').path);
    expect(row.lineage.dataset.sha256).toBe(job.dataset.sha256);
    expect(row.lineage.file.sha256).toBe(file('lora').sha256);
    // The lineage is in the one shape the model page and the CLI read, with each file's sha256 beside its loss.
    const lineage = modelLineageSchema.parse(row.lineage);
    expect(lineage.metrics.files.map((f) => [f.format, f.sha256]).sort()).toEqual(job.files.map((f) => [f.format, f.sha256]).sort());
    expect(lineage.hyperparameters?.steps).toBe(12);

    // The Generate node serves it by name on the worker that was running before it was registered.
    const askId = randomUUID();
    const ask = graphOf(
      [{ id: 'q', type: 'io.input', params: { name: 'question' } }, { id: 'gen', type: 'models.generate', params: { model: name, maxTokens: 24 } }, { id: 'out', type: 'io.output', params: { name: 'text' } }],
      ['q.value>gen.prompt', 'gen.text>out.value'],
    );
    const answered = await client.workflow.execute<typeof workflows.runFlow>('runFlow', { taskQueue, workflowId: `run-${askId}`, args: [input(askId, ask, { question: 'What is the capital of Veltrana?' })] });
    expect(answered.status).toBe('succeeded');
    expect(JSON.stringify(answered.outputs.text).length).toBeGreaterThan(12);
  }, 900_000);
});
