// `npm run check:finetune`: the fine-tune acceptance at full size on the real stack. The made-up domain
// of examples/datasets/veltrana.jsonl (20 facts, 100 chat examples) goes through Prepare Dataset →
// Fine-tune (LoRA) → Evaluate → Export GGUF → Quantise → Register Model; then every held-back paraphrase
// (examples/datasets/veltrana.heldout.json) is asked through `/v1/chat/completions` with the official
// openai client, of the base and of the tuned model by name, as any OpenAI client would. Prints the
// measured figures; exits 1 unless training took under 10 minutes, validation loss fell clearly, the
// tuned model is listed by `/v1/models`, answers most paraphrases and the base almost none.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import OpenAI from 'openai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { workflows } from '@astra/workflows';
import { fineTuneJobSchema, type FlowGraph, type RunFlowInput } from '@astra/workflows/flow';
import { createRunStore } from '@astra/activities';
import { graphOf } from '../server/src/flows/testing/graphs';
import { createAppOver } from '../server/src/testing/app-stack';
import { startBenchStack } from './support/stack';

const steps = Number(process.env.CHECK_STEPS ?? 150);
const name = 'veltrana-smollm2';
const base = 'smollm2-135m-instruct';
const dataset = await readFile(new URL('../examples/datasets/veltrana.jsonl', import.meta.url), 'utf8');
const heldOut = z.array(z.object({ question: z.string(), expect: z.string() })).parse(JSON.parse(await readFile(new URL('../examples/datasets/veltrana.heldout.json', import.meta.url), 'utf8')));

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'astra-check-finetune-'));
const stack = await startBenchStack({ dataDir });
const run = (graph: FlowGraph, inputs: Record<string, string>) => {
  const runId = randomUUID();
  const input: RunFlowInput = { runId, ownerId: randomUUID(), snapshot: { flowId: randomUUID(), flowVersion: 1, graph }, inputs };
  return stack.client.workflow.execute<typeof workflows.runFlow>('runFlow', { taskQueue: stack.taskQueue, workflowId: `run-${runId}`, args: [input] });
};

let failed = false;
const check = (ok: boolean, line: string) => {
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${line}`);
  if (!ok) failed = true;
};

try {
  const started = Date.now();
  const result = await run(graphOf(
    [
      { id: 'data', type: 'io.input', params: { name: 'data' } },
      { id: 'prepare', type: 'training.prepare-dataset', params: { baseModel: base, validationFraction: 0.1 } },
      { id: 'tune', type: 'training.finetune', params: { steps, learningRate: 2e-3, batchSize: 4, checkpointEvery: 50, evalEvery: 25 } },
      { id: 'evaluate', type: 'training.evaluate', params: { prompts: heldOut.slice(0, 4).map((item) => item.question), maxNewTokens: 32 } },
      { id: 'export', type: 'training.export-gguf', params: { merge: true } },
      { id: 'quantize', type: 'training.quantize', params: { types: ['Q8_0', 'Q4_K_M'] } },
      { id: 'register', type: 'training.register-model', params: { name, format: 'lora' } },
      { id: 'job', type: 'io.output', params: { name: 'job' } },
    ],
    ['data.value>prepare.data', 'prepare.job>tune.job', 'tune.job>evaluate.job', 'evaluate.job>export.job', 'export.job>quantize.job', 'quantize.job>register.job', 'register.job>job.value'],
  ), { data: dataset });
  const job = fineTuneJobSchema.parse(await createRunStore(stack.pool).resolve(result.outputs.job!));
  const training = job.training!;
  const evaluation = job.evaluation!;
  console.log(`pipeline: ${((Date.now() - started) / 1000).toFixed(0)} s in all; dataset ${job.dataset.stats.train} train / ${job.dataset.stats.val} validation (${job.dataset.sha256.slice(0, 12)})`);
  console.log(`training: ${steps} steps in ${training.seconds.toFixed(0)} s on ${training.device} (${(steps / training.seconds).toFixed(2)} steps/s)`);
  console.log(`validation loss (PyTorch): ${evaluation.before.valLoss.toFixed(4)} -> ${evaluation.after.valLoss.toFixed(4)}; perplexity ${evaluation.before.perplexity.toFixed(2)} -> ${evaluation.after.perplexity.toFixed(2)}`);
  for (const file of job.files) {
    console.log(`  ${file.format.padEnd(7)} ${(file.sizeBytes / 1e6).toFixed(1).padStart(7)} MB  file type ${file.fileType.padEnd(14)} val loss ${file.valLoss.toFixed(4)} (llama.cpp)${file.keepsFineTune ? '' : '  FLAGGED: loses the fine-tune'}`);
  }
  for (const sample of evaluation.samples) console.log(`  sample "${sample.prompt}"\n    before: ${sample.before.replace(/\s+/g, ' ')}\n    after:  ${sample.after.replace(/\s+/g, ' ')}`);
  check(training.seconds < 600, `fine-tuning took ${training.seconds.toFixed(0)} s (< 600 s)`);
  check(evaluation.after.valLoss < evaluation.before.valLoss - 0.5, `validation loss clearly lower: ${evaluation.before.valLoss.toFixed(4)} -> ${evaluation.after.valLoss.toFixed(4)}`);
  const f16 = job.files.find((file) => file.format === 'f16')!;
  for (const type of ['Q8_0', 'Q4_K_M']) {
    const file = job.files.find((candidate) => candidate.format === type)!;
    check(file.sizeBytes < f16.sizeBytes && file.fileType === type, `${type} ${(file.sizeBytes / 1e6).toFixed(1)} MB < F16 ${(f16.sizeBytes / 1e6).toFixed(1)} MB, loads as ${file.fileType}, val loss ${file.valLoss.toFixed(4)} beside F16's ${f16.valLoss.toFixed(4)}`);
  }

  // Held-back paraphrases through /v1/chat/completions, as an OpenAI client asks: the base, then the registered fine-tune by name.
  const harness = await createAppOver({ ...stack.services, namespace: 'default' }, { taskQueue: stack.taskQueue });
  const server = serve({ fetch: harness.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const user = await harness.newUser('user');
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, apiKey: user.token });
    const listed = (await client.models.list()).data.map((model) => model.id);
    check(listed.includes(name), `/v1/models lists the fine-tune "${name}" (${listed.length} models)`);
    const score = async (model: string) => {
      let right = 0;
      for (const item of heldOut) {
        const completion = await client.chat.completions.create({ model, messages: [{ role: 'user', content: item.question }], temperature: 0, max_tokens: 40 });
        const text = completion.choices[0]?.message.content ?? '';
        const ok = text.toLowerCase().includes(item.expect.toLowerCase());
        if (ok) right++;
        console.log(`  [${model}] ${ok ? '✓' : '✗'} ${item.question} -> ${text.replace(/\s+/g, ' ').slice(0, 100)}`);
      }
      return right;
    };
    const baseRight = await score(base);
    const tunedRight = await score(name);
    check(tunedRight >= heldOut.length / 2 && baseRight <= 2 && tunedRight > baseRight, `held-back paraphrases answered through /v1/chat/completions: tuned ${tunedRight}/${heldOut.length}, base ${baseRight}/${heldOut.length}`);
  } finally {
    server.close();
    await harness.close();
  }
} finally {
  await stack.stop();
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
