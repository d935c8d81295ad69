// The activities behind the training nodes: Prepare Dataset, Fine-tune (LoRA), Evaluate, Export GGUF,
// Quantise and Register Model. They pass one FineTuneJob along (artifact folders and figures, never
// weights); each step is idempotent on its job folder, so a retry redoes only what is missing.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { fineTuneJobSchema, modelLineageSchema, modelNamePattern, nodeSpecs, type ExportedFile, type FineTuneJob, type PortValue, type QuantType } from '@astra/workflows/flow';
import { resolveModelsDir } from '../models/config';
import { readModelManifest } from '../models/manifest';
import { createModelsRepo } from '../models/models-repo';
import type { ModelProvider } from '../models/provider';
import { NodeParamError, nodeActivity, type NodeContext } from '../nodes/node-activity';
import { asText, collectionName } from '@astra/workflows/nodes/coerce';
import type { RunStore } from '../nodes/run-store';
import type pg from 'pg';
import { z } from 'zod';
import { pushToOllama } from './ollama-push';
import { collectionChunks, exampleFromChunk } from './dataset-from-collection';
import { createCollectionsRepo } from '../rag/collections-repo';
import { resolveAnswerStyle } from '@astra/workflows/answer';
import { DatasetError, prepareDataset, toJsonl } from './dataset';
import { fileSize, ggufFileType, ggufValidationLoss, quantizeGguf, renderedExampleSchema, sha256File } from './gguf-tools';
import { llamaCppDir, runConverter, runTrainer, trainingThreads, type TrainerEvent } from './trainer';
import { pullFolder, pushFolder, type ArtifactStore } from '../artifacts/artifact-store';

export interface FineTuneDeps {
  pool: pg.Pool;
  models: ModelProvider;
  /** Astra's data folder: jobs live under `finetune/`. */
  dataDir?: string;
  /** Torch and llama.cpp threads; chosen from the machine's load when absent. */
  threads?: number;
  /** The Ollama that serves this Astra's models (OLLAMA_HOST): registered fine-tunes are pushed to it. */
  ollamaHost?: string;
  /** The S3 artifact store, when configured: each job folder is kept there and copied to the machine that works on it. */
  artifacts?: ArtifactStore;
}

/** A file whose validation loss kept less than half of the tuned model's improvement over the base has lost the fine-tune. */
export function keepsFineTune(fileLoss: number, before: number, after: number): boolean {
  return before - fileLoss >= 0.5 * (before - after);
}

const parseJob = (value: unknown, node: NodeContext): FineTuneJob => {
  // A job given as text (a flow input, as `astra quantize` passes it) is read as JSON.
  let raw = value;
  if (typeof value === 'string') {
    try {
      raw = JSON.parse(value);
    } catch {
      raw = undefined;
    }
  }
  const parsed = fineTuneJobSchema.safeParse(raw);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`node "${node.nodeId}": the job input is not a fine-tune job (${parsed.error.issues[0]?.message}); connect it to Prepare Dataset or another training node`, 'InvalidJob');
  return parsed.data;
};

const lossesOf = (job: FineTuneJob) => {
  const vals = (job.training?.history ?? []).filter((point) => point.valLoss !== undefined);
  return {
    before: job.evaluation?.before.valLoss ?? vals[0]?.valLoss ?? Number.NaN,
    after: job.evaluation?.after.valLoss ?? vals.at(-1)?.valLoss ?? Number.NaN,
  };
};

/** A part of a node's output saved during the attempt (inline or a checkpoint row), as its heartbeat names it. */
const savedPart = z.custom<PortValue>((part) => typeof part === 'object' && part !== null && ('value' in part || z.object({ ref: z.string(), bytes: z.number(), preview: z.string() }).safeParse(part).success));

export function createFineTuneNodeActivities(deps: FineTuneDeps, store: RunStore) {
  const dataDir = path.resolve(deps.dataDir ?? '.astra');
  const modelsDir = resolveModelsDir();
  const repo = createModelsRepo(deps.pool);
  const collections = createCollectionsRepo(deps.pool);
  // The fp32 copies of base models (about 0.5 GB each for SmolLM2), made once and shared by every job.
  const basesDir = path.resolve(process.env.ASTRA_FINETUNE_BASES_DIR || path.join(dataDir, 'finetune', 'bases'));
  const configuredThreads = deps.threads ?? z.coerce.number().int().positive().optional().parse(process.env.ASTRA_TRAIN_THREADS || undefined);
  const threads = () => trainingThreads(configuredThreads);

  const logEvent = (node: NodeContext) => {
    // The curve is a view: a point that cannot be written (the database away for a moment) costs that point, never the training.
    const curve = (point: Parameters<RunStore['trainingPoint']>[2]) => void store.trainingPoint(node.runId, node.nodeId, point).catch(() => undefined);
    let steps = 0;
    return (event: TrainerEvent) => {
      if (event.event === 'step') {
        steps = event.steps;
        curve({ step: event.step, steps: event.steps, loss: event.loss, tokensPerSecond: event.tokensPerSecond, etaSeconds: event.etaSeconds });
        node.progress(event.step, event.steps, 'steps', { step: event.step, steps: event.steps });
        if (event.step % 10 === 0 || event.step === event.steps) {
          void node.log(`step ${event.step}/${event.steps} loss ${event.loss.toFixed(4)} ${Math.round(event.tokensPerSecond)} tok/s eta ${Math.round(event.etaSeconds)} s`);
        }
      } else if (event.event === 'eval') {
        curve({ step: event.step, steps, valLoss: event.valLoss });
        void node.log(`step ${event.step} validation loss ${event.valLoss.toFixed(4)}`);
      } else if (event.event === 'checkpoint') void node.log(`checkpoint at step ${event.step}`);
      else if (event.event === 'start') {
        steps = event.steps;
        void node.log(event.resumedFrom ? `resuming from the checkpoint at step ${event.resumedFrom} of ${event.steps}` : `training from step 0 of ${event.steps} on ${event.device} with ${event.threads} thread(s), ${event.trainExamples} train / ${event.valExamples} validation examples`);
      }
    };
  };

  /** The fp32 transformers copy of a GGUF base, saved once per base file and shared by every job. */
  const baseCopy = async (job: FineTuneJob, node: NodeContext) => {
    const out = path.join(basesDir, job.base.sha256.slice(0, 16));
    if (!existsSync(path.join(out, 'config.json'))) {
      await mkdir(path.dirname(out), { recursive: true });
      await node.log(`dequantising ${job.base.model} once into an fp32 copy`);
      await runTrainer(['prepare-base', '--gguf', job.base.gguf, '--out', out], { signal: node.signal });
    }
    return out;
  };

  /** The validation examples through the chat template, for llama.cpp to score the same text PyTorch did. */
  const renderedVal = async (job: FineTuneJob, hf: string) => {
    const file = path.join(job.dir, 'val.rendered.jsonl');
    if (!existsSync(file)) await runTrainer(['render', '--base', hf, '--val', job.dataset.val, '--out', file]);
    return (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((line) => renderedExampleSchema.parse(JSON.parse(line)));
  };

  const measured = async (job: FineTuneJob, file: { format: ExportedFile['format']; path: string; model: string; lora?: string }): Promise<ExportedFile> => {
    const examples = await renderedVal(job, job.base.hf ?? '');
    const valLoss = await ggufValidationLoss({ model: file.model, ...(file.lora ? { lora: file.lora } : {}), examples, threads: threads() });
    const { before, after } = lossesOf(job);
    return { format: file.format, path: file.path, sha256: await sha256File(file.path), sizeBytes: await fileSize(file.path), fileType: await ggufFileType(file.path), valLoss, keepsFineTune: keepsFineTune(valLoss, before, after) };
  };

  const withFile = (job: FineTuneJob, file: ExportedFile): FineTuneJob => ({ ...job, files: [...job.files.filter((f) => f.format !== file.format), file] });

  /**
   * The job as this machine works on it. With an S3 store the job folder is pulled from the bucket into this
   * machine's data folder and every path of the job pointed there (the machine before may have been another);
   * the fp32 base copy, a cache of the provisioned model every machine has, is made here if it is missing.
   */
  const localJob = async (given: FineTuneJob, node: NodeContext): Promise<FineTuneJob> => {
    if (!deps.artifacts || !given.artifacts) return given;
    const dir = path.join(dataDir, ...given.artifacts.split('/'));
    const pulled = await pullFolder(deps.artifacts, given.artifacts, dir);
    if (pulled > 0) await node.log(`copied ${pulled} file(s) of the job from ${deps.artifacts.uriOf(given.artifacts)}`);
    const moved = (file: string) => (file === given.dir || file.startsWith(`${given.dir}${path.sep}`) ? path.join(dir, path.relative(given.dir, file)) : file);
    const job: FineTuneJob = {
      ...given,
      dir,
      dataset: { ...given.dataset, train: moved(given.dataset.train), val: moved(given.dataset.val) },
      ...(given.training ? { training: { ...given.training, adapter: moved(given.training.adapter) } } : {}),
      ...(given.merged ? { merged: moved(given.merged) } : {}),
      files: given.files.map((file) => ({ ...file, path: moved(file.path) })),
    };
    if (job.base.hf && !existsSync(path.join(job.base.hf, 'config.json'))) return { ...job, base: { ...job.base, hf: await baseCopy(job, node) } };
    return job;
  };
  /** With an S3 store, what this step added to the job folder goes to the bucket before the next step runs anywhere. */
  const savedJob = async (job: FineTuneJob): Promise<FineTuneJob> => {
    if (deps.artifacts && job.artifacts) await pushFolder(deps.artifacts, job.dir, job.artifacts);
    return job;
  };

  return {
    ...nodeActivity(nodeSpecs.datasetFromCollectionNode, store, async ({ params, inputs, node }) => {
      const name = collectionName(inputs.collection, params.collection);
      if (!name) throw new NodeParamError('collection', 'name a collection, or connect one to the collection input');
      const collection = await collections.find(node.ownerId, name);
      if (!collection) throw new NodeParamError('collection', `you have no collection named "${name}"`);
      const model = (await deps.models.listModels()).find((candidate) => candidate.name === params.model);
      if (!model || model.kind !== 'generation') throw new NodeParamError('model', `no generation model "${params.model}"`);
      // The model's size from the provisioned manifest (the models table may not list it yet), else its registered row.
      const style = resolveAnswerStyle(params.answers, (await readModelManifest(modelsDir)).find((entry) => entry.name === params.model)?.sizeBytes ?? (await repo.get(params.model))?.sizeBytes);
      const chunks = await collectionChunks(deps.pool, collection.id, params.maxChunks);
      if (chunks.length === 0) throw new NodeParamError('collection', `"${name}" has no chunks yet; ingest documents into it first`);
      // Lines are saved now and then and the saved parts named in the heartbeat, so a retry goes on after them.
      const resumed = z.object({ saved: z.array(savedPart), next: z.number().int() }).safeParse(node.resumeFrom);
      const saved = resumed.success ? resumed.data.saved : [];
      const lines: string[] = [];
      for (const part of saved) lines.push(...z.array(z.string()).parse(await store.resolve(part)));
      let unsaved = lines.length;
      let skipped = 0;
      for (let index = resumed.success ? resumed.data.next : 0; index < chunks.length; index += 1) {
        const line = await exampleFromChunk(deps.models, { model: params.model, chunk: chunks[index]!, style, system: params.system, signal: node.signal });
        if (line) lines.push(line);
        else skipped += 1;
        if (lines.length - unsaved >= 20) {
          saved.push(await store.storeValue(node.runId, node.nodeId, 'checkpoint', lines.slice(unsaved)));
          unsaved = lines.length;
        }
        node.progress(index + 1, chunks.length, 'chunks', { saved, next: index + 1 });
      }
      if (lines.length === 0) throw ApplicationFailure.nonRetryable(`Dataset from Collection "${node.nodeId}": ${params.model} wrote no usable question for any of the ${chunks.length} chunks of "${name}"`, 'EmptyDataset');
      await node.log(`${lines.length} examples from ${chunks.length} chunks of "${name}" (${style} answers${skipped ? `; ${skipped} chunks gave no usable question` : ''})`);
      return { data: lines.join('\n') };
    }),

    ...nodeActivity(nodeSpecs.prepareDatasetNode, store, async ({ params, inputs, node }) => {
      let text = inputs.data === undefined ? '' : asText(inputs.data);
      if (text === '') {
        if (!params.path) throw new NodeParamError('path', 'connect the JSONL input or give the path of a JSONL file');
        const role = (await deps.pool.query<{ role: string }>('select role from users where id = $1', [node.ownerId])).rows[0]?.role;
        if (role !== 'admin') throw ApplicationFailure.nonRetryable(`Prepare Dataset "${node.nodeId}" reads a file on the server, which only admins may do; connect the JSONL input instead`, 'Forbidden');
        text = await readFile(path.resolve(params.path), 'utf8').catch((error: NodeJS.ErrnoException) => {
          throw new NodeParamError('path', `cannot read ${params.path}: ${error.code ?? error.message}`);
        });
      }
      const base = (await readModelManifest(modelsDir)).find((model) => model.name === params.baseModel);
      if (!base || base.kind !== 'generation') {
        const tuned = await repo.get(params.baseModel);
        throw new NodeParamError('baseModel', tuned?.baseModel
          ? `"${params.baseModel}" is itself a fine-tune; fine-tune its base, ${tuned.baseModel}, instead`
          : `no provisioned generation model "${params.baseModel}"; available: ${(await readModelManifest(modelsDir)).filter((m) => m.kind === 'generation').map((m) => m.name).join(', ')}`);
      }
      const countTokens = await deps.models.tokenCounter?.(params.baseModel);
      let prepared;
      try {
        prepared = prepareDataset(text, { skipInvalid: params.skipInvalid, validationFraction: params.validationFraction, maxTokens: Math.min(params.maxTokens, base.contextLength), countTokens: countTokens ?? ((t) => Math.ceil(t.length / 3)) });
      } catch (error) {
        if (error instanceof DatasetError) throw ApplicationFailure.nonRetryable(`Prepare Dataset "${node.nodeId}": ${error.message}`, 'InvalidDataset', error.errors);
        throw error;
      }
      const dir = path.join(dataDir, 'finetune', 'jobs', node.runId, node.nodeId);
      await mkdir(dir, { recursive: true });
      const train = path.join(dir, 'train.jsonl');
      const val = path.join(dir, 'val.jsonl');
      await writeFile(train, toJsonl(prepared.train));
      await writeFile(val, toJsonl(prepared.val));
      await writeFile(path.join(dir, 'dataset.json'), JSON.stringify({ sha256: prepared.sha256, stats: prepared.stats }, null, 2));
      const s = prepared.stats;
      await node.log(`dataset ${prepared.sha256.slice(0, 12)} (${s.format}): ${s.lines} lines, ${s.train} train / ${s.val} validation; ${s.duplicates} duplicates and ${s.tooLong} too long dropped${s.skippedInvalid ? `, ${s.skippedInvalid} invalid lines skipped` : ''}`);
      const job: FineTuneJob = {
        dir,
        ...(deps.artifacts ? { artifacts: `finetune/jobs/${node.runId}/${node.nodeId}` } : {}),
        dataset: { sha256: prepared.sha256, train, val, stats: prepared.stats },
        base: { model: base.name, gguf: base.path, sha256: base.sha256 },
        files: [],
      };
      return { job: await savedJob(job) };
    }),

    ...nodeActivity(nodeSpecs.fineTuneNode, store, async ({ params, inputs, node }) => {
      const job = await localJob(parseJob(inputs.job, node), node);
      const hf = await baseCopy(job, node);
      const out = path.join(job.dir, 'train');
      const started = Date.now();
      const run = await runTrainer([
        'train', '--base', hf, '--train', job.dataset.train, '--val', job.dataset.val, '--out', out,
        '--steps', String(params.steps), '--batch-size', String(params.batchSize), '--lr', String(params.learningRate),
        '--lora-r', String(params.loraR), '--lora-alpha', String(params.loraAlpha), '--checkpoint-every', String(params.checkpointEvery),
        '--eval-every', String(params.evalEvery), '--seed', String(params.seed), '--threads', String(threads()),
      ], { onEvent: logEvent(node), signal: node.signal });
      const start = run.events.find((event) => event.event === 'start');
      const done = run.events.find((event) => event.event === 'done');
      if (!done || done.event !== 'done' || !start || start.event !== 'start') throw new Error('the trainer ended without reporting its adapter');
      return {
        job: await savedJob({
          ...job,
          base: { ...job.base, hf },
          training: {
            adapter: done.adapter,
            hyperparameters: { steps: params.steps, loraR: params.loraR, loraAlpha: params.loraAlpha, learningRate: params.learningRate, batchSize: params.batchSize },
            history: done.history,
            resumedFrom: start.resumedFrom,
            seconds: (Date.now() - started) / 1000,
            device: start.device,
          },
        }),
      };
    }),

    ...nodeActivity(nodeSpecs.evaluateNode, store, async ({ params, inputs, node }) => {
      const job = await localJob(parseJob(inputs.job, node), node);
      if (!job.training || !job.base.hf) throw ApplicationFailure.nonRetryable(`Evaluate "${node.nodeId}": the job has no trained adapter; put Fine-tune (LoRA) before it`, 'InvalidJob');
      const prompts = path.join(job.dir, 'prompts.json');
      await writeFile(prompts, JSON.stringify(params.prompts));
      const evaluate = async (adapter?: string) => {
        const run = await runTrainer(['evaluate', '--base', job.base.hf!, '--val', job.dataset.val, '--prompts', prompts, '--max-new-tokens', String(params.maxNewTokens), '--threads', String(threads()), ...(adapter ? ['--adapter', adapter] : [])], { signal: node.signal });
        const result = run.events.find((event) => event.event === 'evaluation');
        if (!result || result.event !== 'evaluation') throw new Error('the evaluation reported nothing');
        return result;
      };
      const before = await evaluate();
      node.progress(1, 2, 'models');
      const after = await evaluate(job.training.adapter);
      node.progress(2, 2, 'models');
      await node.log(`validation loss ${before.valLoss.toFixed(4)} -> ${after.valLoss.toFixed(4)}, perplexity ${before.perplexity.toFixed(2)} -> ${after.perplexity.toFixed(2)}`);
      const evaluation = {
        before: { valLoss: before.valLoss, perplexity: before.perplexity },
        after: { valLoss: after.valLoss, perplexity: after.perplexity },
        samples: params.prompts.map((prompt, i) => ({ prompt, before: before.samples[i]?.reply ?? '', after: after.samples[i]?.reply ?? '' })),
      };
      await writeFile(path.join(job.dir, 'evaluation.json'), JSON.stringify(evaluation, null, 2));
      return { job: await savedJob({ ...job, evaluation }) };
    }),

    ...nodeActivity(nodeSpecs.exportGgufNode, store, async ({ params, inputs, node }) => {
      let job = await localJob(parseJob(inputs.job, node), node);
      const hf = job.base.hf;
      const adapter = job.training?.adapter;
      if (!adapter || !hf) throw ApplicationFailure.nonRetryable(`Export GGUF "${node.nodeId}": the job has no trained adapter; put Fine-tune (LoRA) before it`, 'InvalidJob');
      const llama = llamaCppDir(modelsDir);
      const lora = path.join(job.dir, 'adapter.lora.gguf');
      if (!existsSync(lora)) {
        await runConverter(path.join(llama, 'convert_lora_to_gguf.py'), ['--base', hf, '--outtype', 'f16', '--outfile', `${lora}.tmp`, adapter]);
        await rename(`${lora}.tmp`, lora);
      }
      job = withFile(job, await measured(job, { format: 'lora', path: lora, model: job.base.gguf, lora }));
      await node.log(`LoRA GGUF: validation loss ${job.files.at(-1)!.valLoss.toFixed(4)} on ${job.base.model} in llama.cpp`);
      if (params.merge) {
        const merged = path.join(job.dir, 'merged');
        if (!existsSync(path.join(merged, 'config.json'))) await runTrainer(['merge', '--base', hf, '--adapter', adapter, '--out', merged, '--threads', String(threads())], { signal: node.signal });
        const f16 = path.join(job.dir, 'merged.f16.gguf');
        if (!existsSync(f16)) {
          const converted = path.join(job.dir, 'merged.f16.converted.gguf');
          await runConverter(path.join(llama, 'convert_hf_to_gguf.py'), [merged, '--outtype', 'f16', '--outfile', converted]);
          // The converter writes the tokenizer transformers rebuilt from the GGUF; the base file's own one is what llama.cpp loads.
          await runTrainer(['graft-vocab', '--into', converted, '--vocab-from', job.base.gguf, '--out', f16], { signal: node.signal });
          await rm(converted, { force: true });
        }
        job = withFile({ ...job, merged }, await measured(job, { format: 'f16', path: f16, model: f16 }));
        await node.log(`merged F16 GGUF: validation loss ${job.files.at(-1)!.valLoss.toFixed(4)}`);
      }
      return { job: await savedJob(job) };
    }),

    ...nodeActivity(nodeSpecs.quantizeNode, store, async ({ params, inputs, node }) => {
      let job = await localJob(parseJob(inputs.job, node), node);
      const f16 = job.files.find((file) => file.format === 'f16');
      if (!f16) throw ApplicationFailure.nonRetryable(`Quantise "${node.nodeId}": the job has no merged F16 GGUF; set Export GGUF's merge on (Astra quantises only from F16, never a quantised file)`, 'InvalidJob');
      for (const [i, type] of params.types.entries()) {
        const out = path.join(job.dir, `merged.${type}.gguf`);
        if (!existsSync(out)) {
          await rm(`${out}.tmp`, { force: true });
          await quantizeGguf(f16.path, `${out}.tmp`, type, threads());
          await rename(`${out}.tmp`, out);
        }
        const file = await measured(job, { format: type, path: out, model: out });
        job = withFile(job, file);
        await node.log(`${type}: ${(file.sizeBytes / 1e6).toFixed(1)} MB (F16 ${(f16.sizeBytes / 1e6).toFixed(1)} MB), file type ${file.fileType}, validation loss ${file.valLoss.toFixed(4)} (F16 ${f16.valLoss.toFixed(4)})${file.keepsFineTune ? '' : ' — this format loses the fine-tune'}`, file.keepsFineTune ? 'info' : 'warn');
        node.progress(i + 1, params.types.length, 'files');
      }
      return { job: await savedJob(job) };
    }),

    ...nodeActivity(nodeSpecs.registerModelNode, store, async ({ params: given, inputs, node }) => {
      const job = await localJob(parseJob(inputs.job, node), node);
      const name = (inputs.name === undefined ? '' : asText(inputs.name).trim()) || given.name;
      if (!name) throw new NodeParamError('name', 'give the new model a name, as the parameter or on the Name input');
      if (!modelNamePattern.test(name)) throw new NodeParamError('name', `"${name.slice(0, 80)}": use lower-case letters, digits, ".", "_" and "-", at most 63`);
      const params = { ...given, name };
      const file = job.files.find((candidate) => candidate.format === params.format);
      if (!file) throw new NodeParamError('format', `the job made no ${params.format} file (it has ${job.files.map((f) => f.format).join(', ') || 'none'}); add the node that makes it`);
      if (!file.keepsFineTune && !params.allowLossyFormat) {
        throw new NodeParamError('format', `${params.format} lost the fine-tune (validation loss ${file.valLoss.toFixed(4)} against ${lossesOf(job).after.toFixed(4)} tuned); register "lora" or "Q8_0", or set allowLossyFormat`);
      }
      const existing = await repo.get(params.name);
      if (existing && !existing.baseModel) throw new NodeParamError('name', `"${params.name}" is a provisioned model; choose another name`);
      const base = (await readModelManifest(modelsDir)).find((model) => model.name === job.base.model);
      if (!base || base.sha256 !== job.base.sha256) throw ApplicationFailure.nonRetryable(`Register Model "${node.nodeId}": the base model ${job.base.model} is no longer the file this job was tuned on (sha256 ${job.base.sha256.slice(0, 12)}…)`, 'InvalidJob');
      // The base's own row first (the server records it at start; a worker may get here before): the fine-tune's lineage points at it.
      await repo.register([base]);
      const lineage = {
        base: { model: job.base.model, sha256: job.base.sha256 },
        dataset: { sha256: job.dataset.sha256, stats: job.dataset.stats },
        hyperparameters: job.training?.hyperparameters,
        metrics: { ...lossesOf(job), files: job.files.map(({ format, valLoss, sizeBytes, keepsFineTune: keeps, sha256, fileType }) => ({ format, valLoss, sizeBytes, keepsFineTune: keeps, sha256, fileType })), trainingSeconds: job.training?.seconds, device: job.training?.device, resumedFrom: job.training?.resumedFrom },
        file: { format: file.format, path: file.path, sha256: file.sha256 },
        run: { runId: node.runId, nodeId: node.nodeId },
        job,
      } satisfies z.input<typeof modelLineageSchema>;
      const lora = file.format === 'lora';
      await repo.registerFineTuned({
        name: params.name,
        path: lora ? base.path : file.path,
        sha256: lora ? base.sha256 : file.sha256,
        sizeBytes: lora ? base.sizeBytes : file.sizeBytes,
        contextLength: base.contextLength,
        architecture: base.architecture,
        sourcePackage: `fine-tune of ${base.name} (run ${node.runId})`,
        baseModel: base.name,
        loraPath: lora ? file.path : null,
        lineage,
      });
      await writeFile(path.join(job.dir, 'lineage.json'), JSON.stringify({ name: params.name, ...lineage }, null, 2));
      await savedJob(job);
      await node.log(`registered ${params.name} (${lora ? `${base.name} + LoRA ${path.basename(file.path)}` : path.basename(file.path)})`);
      const ollamaHost = deps.ollamaHost ?? process.env.OLLAMA_HOST;
      if (ollamaHost && params.pushToOllama) {
        // Where Ollama serves the models, a fine-tune is usable once Ollama has it: the same files, under the same name.
        const pushed = await pushToOllama({ host: ollamaHost, name: params.name, model: lora ? { path: base.path, sha256: base.sha256 } : file, ...(lora ? { adapter: file } : {}) });
        await node.log(`pushed ${params.name} to Ollama at ${new URL(ollamaHost).host} (${pushed.uploaded.length ? `uploaded ${pushed.uploaded.join(', ')}` : 'its files were there already'})`);
      }
      return { model: params.name, job };
    }),
  };
}

export type { QuantType };
