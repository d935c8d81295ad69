// Local models in this process with node-llama-cpp: one loaded copy of each model, one context per
// model reused across requests, and a queue per model so concurrent requests take turns.
import os from 'node:os';
import {
  getLlama,
  LlamaChat,
  LlamaCompletion,
  LlamaLogLevel,
  type ChatHistoryItem,
  type Llama,
  type LlamaContext,
  type LlamaEmbeddingContext,
  type LlamaModel,
} from 'node-llama-cpp';
import type { ManifestModel } from './manifest';
import {
  ContextOverflowError,
  UnknownModelError,
  type ChatRequest,
  type EmbedRequest,
  type EmbedResult,
  type GenerateRequest,
  type GenerateResult,
  type ModelInfo,
  type ModelProvider,
  type StreamOptions,
} from './provider';
import { createSerialQueue } from './serial-queue';

export interface LocalProviderOptions {
  models: ManifestModel[];
  /** CPU threads per context (default: defaultModelThreads()). */
  threads?: number;
  /**
   * Context window for generation models: by default the model's context length as the catalogue
   * (manifest, `astra models list`) gives it, so what is listed is what a prompt may use; never more
   * than the model was trained for. A smaller value caps memory on small machines.
   */
  generationContextSize?: number;
  /** Models registered after start (fine-tunes, from the models table), looked up when a name is not among `models`. */
  fineTuned?: () => Promise<ManifestModel[]>;
}

interface LoadedGeneration {
  kind: 'generation';
  model: LlamaModel;
  context: LlamaContext;
  contextSize: number;
}

interface LoadedEmbedding {
  kind: 'embedding';
  model: LlamaModel;
  context: LlamaEmbeddingContext;
}

type Loaded = LoadedGeneration | LoadedEmbedding;

const defaultMaxTokens = 256;

/**
 * All cores but one: llama.cpp's threads spin while they wait, so using every core lets the worker,
 * Temporal and Postgres stall them (measured on 2 cores: 1 thread embeds steadily at ~55/s, 2 threads
 * swing between 15 and 60/s under load).
 */
export function defaultModelThreads(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

// node-llama-cpp does not always report an abort as such, so the signal itself decides.
const finishReason = (stopReason: string, signal?: AbortSignal): GenerateResult['finishReason'] =>
  signal?.aborted || stopReason === 'abort' ? 'abort' : stopReason === 'maxTokens' ? 'length' : 'stop';

export function createLocalProvider(options: LocalProviderOptions): ModelProvider {
  const threads = options.threads ?? defaultModelThreads();
  const byName = new Map(options.models.map((model) => [model.name, model]));
  const loaded = new Map<string, Promise<Loaded>>();
  const queues = new Map<string, ReturnType<typeof createSerialQueue>>();
  let llama: Promise<Llama> | undefined;

  const fineTuned = async () => (options.fineTuned ? await options.fineTuned() : []);
  const entry = async (name: string, kind: ManifestModel['kind']): Promise<ManifestModel> => {
    // A fine-tune registered since the last look is served at once; a re-registered one with its new files.
    const model = byName.get(name) ?? (await fineTuned()).find((candidate) => candidate.name === name);
    if (!model || model.kind !== kind) {
      throw new UnknownModelError(name, [...options.models, ...(await fineTuned())].filter((m) => m.kind === kind).map((m) => m.name));
    }
    return model;
  };

  const load = (spec: ManifestModel): Promise<Loaded> => {
    const key = `${spec.name}:${spec.sha256}:${spec.loraPath ?? ''}`;
    let pending = loaded.get(key);
    if (!pending) {
      pending = (async (): Promise<Loaded> => {
        llama ??= getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
        const model = await (await llama).loadModel({ modelPath: spec.path });
        if (spec.kind === 'embedding') {
          return { kind: 'embedding', model, context: await model.createEmbeddingContext({ contextSize: Math.min(model.trainContextSize, spec.contextLength + 2), threads }) };
        }
        const contextSize = Math.min(model.trainContextSize, options.generationContextSize ?? spec.contextLength);
        const lora = spec.loraPath ? { lora: { adapters: [{ filePath: spec.loraPath }] } } : {};
        return { kind: 'generation', model, context: await model.createContext({ contextSize, threads, ...lora }), contextSize };
      })();
      // A failed load is not cached, so the next request tries again.
      pending.catch(() => loaded.delete(key));
      loaded.set(key, pending);
    }
    return pending;
  };

  const queueFor = (name: string) => {
    let queue = queues.get(name);
    if (!queue) queues.set(name, (queue = createSerialQueue()));
    return queue;
  };

  const generation = async (name: string) => {
    const spec = await entry(name, 'generation');
    const model = await load(spec);
    if (model.kind !== 'generation') throw new UnknownModelError(name, []);
    return model;
  };

  /** Refuses input that cannot fit with room for the answer: a clear error, never a crashed worker. */
  const assertFits = (name: string, promptTokens: number, maxTokens: number, contextSize: number) => {
    if (promptTokens + maxTokens > contextSize) throw new ContextOverflowError(name, promptTokens + maxTokens, contextSize);
  };

  return {
    name: 'local',

    async listModels(): Promise<ModelInfo[]> {
      return [...options.models, ...(await fineTuned())].map((model) => ({
        name: model.name,
        kind: model.kind,
        provider: 'local',
        contextLength: model.contextLength,
        dimension: model.dimension,
      }));
    },

    async generate(request: GenerateRequest, stream: StreamOptions = {}): Promise<GenerateResult> {
      const loadedModel = await generation(request.model);
      return queueFor(request.model).run(async () => {
        const maxTokens = request.maxTokens ?? defaultMaxTokens;
        const promptTokens = loadedModel.model.tokenize(request.prompt).length;
        assertFits(request.model, promptTokens, maxTokens, loadedModel.contextSize);
        const sequence = loadedModel.context.getSequence();
        const completion = new LlamaCompletion({ contextSequence: sequence });
        let text = '';
        try {
          const before = sequence.tokenMeter.getState().usedOutputTokens;
          const result = await completion.generateCompletionWithMeta(request.prompt, {
            maxTokens,
            temperature: request.temperature ?? 0,
            seed: request.seed,
            customStopTriggers: request.stop?.length ? request.stop : undefined,
            signal: stream.signal,
            stopOnAbortSignal: true,
            onTextChunk: (chunk) => {
              text += chunk;
              stream.onToken?.(chunk);
            },
          });
          return {
            model: request.model,
            text: result.response,
            finishReason: finishReason(result.metadata.stopReason, stream.signal),
            promptTokens,
            completionTokens: sequence.tokenMeter.getState().usedOutputTokens - before,
          };
        } catch (error) {
          if (stream.signal?.aborted) return { model: request.model, text, finishReason: 'abort', promptTokens, completionTokens: 0 };
          throw error;
        } finally {
          completion.dispose({ disposeSequence: false });
          await sequence.dispose();
        }
      });
    },

    async chat(request: ChatRequest, stream: StreamOptions = {}): Promise<GenerateResult> {
      const loadedModel = await generation(request.model);
      return queueFor(request.model).run(async () => {
        const maxTokens = request.maxTokens ?? defaultMaxTokens;
        const history: ChatHistoryItem[] = request.messages.map((message) =>
          message.role === 'assistant' ? { type: 'model', response: [message.content] } : { type: message.role, text: message.content });
        history.push({ type: 'model', response: [] });
        const promptTokens = loadedModel.model.tokenize(request.messages.map((m) => m.content).join('\n')).length;
        assertFits(request.model, promptTokens, maxTokens, loadedModel.contextSize);
        const sequence = loadedModel.context.getSequence();
        const chat = new LlamaChat({ contextSequence: sequence });
        let text = '';
        try {
          const before = sequence.tokenMeter.getState();
          const result = await chat.generateResponse(history, {
            maxTokens,
            // Small models loop on one sentence when decoding greedily; a mild penalty on recent tokens stops it.
            repeatPenalty: { lastTokens: 64, penalty: 1.1, frequencyPenalty: 0.1, presencePenalty: 0.1 },
            temperature: request.temperature ?? 0.7,
            seed: request.seed,
            customStopTriggers: request.stop?.length ? request.stop : undefined,
            signal: stream.signal,
            stopOnAbortSignal: true,
            onTextChunk: (chunk) => {
              text += chunk;
              stream.onToken?.(chunk);
            },
          });
          const after = sequence.tokenMeter.getState();
          return {
            model: request.model,
            text: result.response,
            finishReason: finishReason(result.metadata.stopReason, stream.signal),
            promptTokens: after.usedInputTokens - before.usedInputTokens,
            completionTokens: after.usedOutputTokens - before.usedOutputTokens,
          };
        } catch (error) {
          if (stream.signal?.aborted) return { model: request.model, text, finishReason: 'abort', promptTokens, completionTokens: 0 };
          throw error;
        } finally {
          chat.dispose({ disposeSequence: false });
          await sequence.dispose();
        }
      });
    },

    async embed(request: EmbedRequest): Promise<EmbedResult> {
      const spec = await entry(request.model, 'embedding');
      const loadedModel = await load(spec);
      if (loadedModel.kind !== 'embedding') throw new UnknownModelError(request.model, []);
      return queueFor(request.model).run(async () => {
        // Every text is tokenized once and checked before any is embedded: no text is ever silently truncated.
        const tokenized = request.texts.map((text) => loadedModel.model.tokenize(text));
        for (const tokens of tokenized) {
          if (tokens.length > spec.contextLength) throw new ContextOverflowError(request.model, tokens.length, spec.contextLength);
        }
        const vectors: number[][] = [];
        for (const tokens of tokenized) vectors.push(Array.from((await loadedModel.context.getEmbeddingFor(tokens)).vector));
        return { model: request.model, vectors, dimension: vectors[0]?.length ?? spec.dimension ?? 0 };
      });
    },

    async tokenCounter(name: string): Promise<(text: string) => number> {
      const spec = byName.get(name) ?? (await fineTuned()).find((candidate) => candidate.name === name);
      if (!spec) throw new UnknownModelError(name, options.models.map((m) => m.name));
      const { model } = await load(spec);
      return (text: string) => model.tokenize(text).length;
    },

    async close(): Promise<void> {
      for (const pending of loaded.values()) {
        const model = await pending.catch(() => undefined);
        if (!model) continue;
        await model.context.dispose();
        await model.model.dispose();
      }
      loaded.clear();
      if (llama) await (await llama).dispose();
    },
  };
}
