// `npm run bench:finetune`: (1) training steps/s through the pipeline (a Fine-tune (LoRA) node in a
// runFlow run, on the training queue) against the same training script run directly with the same
// arguments, alternating rounds in the same run (target ≥ 0.95); (2) quantising the same F16 to Q8_0
// through the pipeline's quantizeGguf (what the Quantise node calls) against calling
// llama_model_quantize directly through koffi (target ≤ 1.02×). Both sides include the child's start
// and model load, so the ratio shows what the pipeline adds: the activity, heartbeats, log events.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import koffi from 'koffi';
import type { workflows } from '@astra/workflows';
import { fineTuneJobSchema, type FlowGraph, type RunFlowInput } from '@astra/workflows/flow';
import { createRunStore } from '@astra/activities';
import { quantizeGguf } from '../activities/src/finetune/gguf-tools';
import { finetuneScript, venvPython } from '../activities/src/finetune/trainer';
import { graphOf } from '../server/src/flows/testing/graphs';
import { startBenchStack } from './support/stack';
import { median } from './support/stats';

const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const steps = Number(process.env.BENCH_STEPS ?? 20);
const threads = Number(process.env.BENCH_THREADS ?? 1);
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'astra-bench-finetune-'));
process.env.ASTRA_TRAIN_THREADS = String(threads);
const stack = await startBenchStack({ dataDir });
const dataset = (await readFile(new URL('../examples/datasets/veltrana.jsonl', import.meta.url), 'utf8'));

const run = (graph: FlowGraph, inputs: Record<string, string>) => {
  const runId = randomUUID();
  const input: RunFlowInput = { runId, ownerId: randomUUID(), snapshot: { flowId: randomUUID(), flowVersion: 1, graph }, inputs };
  return { runId, done: stack.client.workflow.execute<typeof workflows.runFlow>('runFlow', { taskQueue: stack.taskQueue, workflowId: `run-${runId}`, args: [input] }) };
};
const nodeSeconds = async (runId: string, nodeId: string) => {
  const row = (await stack.pool.query<{ started_at: Date; finished_at: Date }>('select started_at, finished_at from run_nodes where run_id = $1 and node_id = $2', [runId, nodeId])).rows[0]!;
  return (row.finished_at.getTime() - row.started_at.getTime()) / 1000;
};
const tuneParams = { steps, checkpointEvery: 10, evalEvery: 10, learningRate: 2e-3, batchSize: 4, seed: 0 };

try {
  // One prepared job (dataset, fp32 base copy, F16 export) that both sides start from.
  const first = run(graphOf(
    [
      { id: 'data', type: 'io.input', params: { name: 'data' } },
      { id: 'prepare', type: 'training.prepare-dataset', params: {} },
      { id: 'tune', type: 'training.finetune', params: { ...tuneParams, steps: 2 } },
      { id: 'export', type: 'training.export-gguf', params: { merge: true } },
      { id: 'job', type: 'io.output', params: { name: 'job' } },
    ],
    ['data.value>prepare.data', 'prepare.job>tune.job', 'tune.job>export.job', 'export.job>job.value'],
  ), { data: dataset });
  const job = fineTuneJobSchema.parse(await createRunStore(stack.pool).resolve((await first.done).outputs.job!));
  const prepared = { ...job, training: undefined, files: [], merged: undefined };

  const direct = async (out: string) => {
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      const child = spawn(venvPython(), [finetuneScript, 'train', '--base', job.base.hf!, '--train', job.dataset.train, '--val', job.dataset.val, '--out', out,
        '--steps', String(steps), '--batch-size', '4', '--lr', '0.002', '--lora-r', '8', '--lora-alpha', '16', '--checkpoint-every', '10', '--eval-every', '10', '--seed', '0', '--threads', String(threads)],
      { stdio: 'ignore', env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', PYTHONDONTWRITEBYTECODE: '1', HF_HUB_OFFLINE: '1', TOKENIZERS_PARALLELISM: 'false' } });
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`finetune.py exited with ${code}`))));
    });
    return (Date.now() - started) / 1000;
  };
  const pipeline = async (round: number) => {
    const dir = path.join(dataDir, `pipeline-${round}`);
    await mkdir(dir, { recursive: true });
    const tuned = run(graphOf(
      [{ id: 'job', type: 'io.input', params: { name: 'job' } }, { id: 'tune', type: 'training.finetune', params: tuneParams }, { id: 'out', type: 'io.output', params: { name: 'job' } }],
      ['job.value>tune.job', 'tune.job>out.value'],
    ), { job: JSON.stringify({ ...prepared, dir }) });
    await tuned.done;
    return nodeSeconds(tuned.runId, 'tune');
  };

  const viaPipeline: number[] = [];
  const viaDirect: number[] = [];
  for (let round = 0; round < rounds; round++) {
    viaDirect.push(await direct(path.join(dataDir, `direct-${round}`)));
    viaPipeline.push(await pipeline(round));
  }
  const pipelineRate = steps / median(viaPipeline);
  const directRate = steps / median(viaDirect);
  console.log(`training, ${steps} steps, ${threads} thread(s), ${rounds} rounds alternating`);
  console.log(`  direct finetune.py   ${viaDirect.map((s) => s.toFixed(1)).join(' / ')} s  -> ${directRate.toFixed(3)} steps/s (median)`);
  console.log(`  Fine-tune node       ${viaPipeline.map((s) => s.toFixed(1)).join(' / ')} s  -> ${pipelineRate.toFixed(3)} steps/s (median)`);
  console.log(`  ratio pipeline/direct ${(pipelineRate / directRate).toFixed(3)} (target >= 0.95)`);

  // Quantise: the same F16 to Q8_0, the pipeline's call against a bare koffi call of llama_model_quantize.
  const f16 = job.files.find((file) => file.format === 'f16')!.path;
  const binsDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@node-llama-cpp/linux-x64')), '..', 'bins', 'linux-x64');
  const library = koffi.load(path.join(binsDir, 'libllama.v0.4.0.so'));
  // Registered by name for the declarations below.
  koffi.struct('bench_quantize_params', {
    nthread: 'int32_t', ftype: 'int32_t', output_tensor_type: 'int32_t', token_embedding_type: 'int32_t',
    allow_requantize: 'bool', quantize_output_tensor: 'bool', only_copy: 'bool', pure: 'bool', keep_split: 'bool', dry_run: 'bool',
    imatrix: 'void *', kv_overrides: 'void *', tensor_types: 'void *', prune_layers: 'void *', max_buf_size: 'size_t',
  });
  library.func('void llama_backend_init()')();
  const defaults = library.func('bench_quantize_params llama_model_quantize_default_params()');
  const quantize = library.func('uint32_t llama_model_quantize(const char *input, const char *output, const bench_quantize_params *params)');
  const rawQuantize = (output: string) => new Promise<void>((resolve, reject) => {
    quantize.async(f16, output, { ...(defaults() as object), ftype: 7, nthread: threads }, (error: unknown, code: unknown) => (error || code !== 0 ? reject(new Error(`llama_model_quantize: ${String(error ?? code)}`)) : resolve()));
  });
  const viaRaw: number[] = [];
  const viaAstra: number[] = [];
  for (let round = 0; round < Math.max(3, rounds); round++) {
    let started = Date.now();
    await rawQuantize(path.join(dataDir, `raw-${round}.gguf`));
    viaRaw.push((Date.now() - started) / 1000);
    started = Date.now();
    await quantizeGguf(f16, path.join(dataDir, `astra-${round}.gguf`), 'Q8_0', threads);
    viaAstra.push((Date.now() - started) / 1000);
  }
  console.log(`quantise F16 -> Q8_0, ${threads} thread(s)`);
  console.log(`  llama_model_quantize direct  ${viaRaw.map((s) => s.toFixed(2)).join(' / ')} s (median ${median(viaRaw).toFixed(2)})`);
  console.log(`  pipeline quantizeGguf        ${viaAstra.map((s) => s.toFixed(2)).join(' / ')} s (median ${median(viaAstra).toFixed(2)})`);
  console.log(`  ratio pipeline/direct ${(median(viaAstra) / median(viaRaw)).toFixed(3)} (target <= 1.02)`);
} finally {
  await stack.stop();
  await rm(dataDir, { recursive: true, force: true });
}
