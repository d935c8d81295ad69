// Ollama as a model backend (OLLAMA_HOST), through the official `ollama` client.
import { Ollama, type AbortableAsyncIterator } from 'ollama';
import { z } from 'zod';
import {
  UnknownModelError,
  type ChatRequest,
  type EmbedRequest,
  type EmbedResult,
  type GenerateRequest,
  type GenerateResult,
  type ModelInfo,
  type ModelKind,
  type ModelProvider,
  type StreamOptions,
} from './provider';

const DEFAULT_MAX_TOKENS = 256;
const DEFAULT_GENERATE_TEMPERATURE = 0;
const DEFAULT_CHAT_TEMPERATURE = 0.7;

/** Model families Ollama ships as embedding-only models. */
const EMBEDDING_FAMILIES = new Set(['bert', 'nomic-bert']);

/** One line of /api/generate or /api/chat NDJSON: generate carries `response`, chat carries `message`. */
const streamedPiece = z.object({
  response: z.string().optional(),
  message: z.object({ content: z.string() }).optional(),
  done: z.boolean(),
  done_reason: z.string().optional(),
  prompt_eval_count: z.number().optional(),
  eval_count: z.number().optional(),
});

const embedResponse = z.object({ embeddings: z.array(z.array(z.number())) });

const listResponse = z.object({
  models: z.array(
    z.object({
      name: z.string(),
      details: z
        .object({ family: z.string().nullish(), families: z.array(z.string()).nullish() })
        .nullish(),
    }),
  ),
});

const showResponse = z.object({ model_info: z.record(z.string(), z.unknown()).nullish() });

/** The client's ResponseError: the HTTP status and Ollama's own `error` text. */
const ollamaHttpError = z.object({ status_code: z.number(), error: z.string() });

export function createOllamaProvider({ host }: { host: string }): ModelProvider {
  const ollama = new Ollama({ host });
  // The client keeps each aborted stream in its instance until instance.abort(); a client per stream lets them go.
  const streamingClients = new Set<Ollama>();

  async function listModels(): Promise<ModelInfo[]> {
    const { models } = listResponse.parse(await ollama.list());
    return Promise.all(
      models.map(async ({ name, details }): Promise<ModelInfo> => {
        const families = [details?.family, ...(details?.families ?? [])].filter((family) => family != null);
        const shown = await describeModel(name);
        const kind = kindOf(name, families);
        return {
          name,
          kind,
          provider: 'ollama',
          contextLength: shown?.contextLength ?? null,
          dimension: kind === 'embedding' ? (shown?.embeddingLength ?? null) : null,
        };
      }),
    );
  }

  /** /api/show reads the model's GGUF header, so it is cheap; a model it cannot describe keeps null sizes. */
  async function describeModel(name: string) {
    try {
      const shown = showResponse.parse(await ollama.show({ model: name }));
      const info = shown.model_info ?? {};
      const architecture = info['general.architecture'];
      const sizeOf = (key: string) => {
        const value = typeof architecture === 'string' ? info[`${architecture}.${key}`] : undefined;
        return typeof value === 'number' ? value : null;
      };
      return {
        contextLength: sizeOf('context_length'),
        embeddingLength: sizeOf('embedding_length'),
      };
    } catch {
      return null;
    }
  }

  /** Turns a client error into one a person can act on; an unknown model lists what Ollama has. */
  async function explain(error: unknown, model: string): Promise<Error> {
    const http = ollamaHttpError.safeParse(error);
    if (http.success && http.data.status_code === 404 && /model .*not found/i.test(http.data.error)) {
      return new UnknownModelError(model, (await listModels()).map((info) => info.name));
    }
    const reason = http.success ? http.data.error : error instanceof Error ? error.message : String(error);
    return new Error(`Ollama at ${host} failed for model "${model}": ${reason}`, { cause: error });
  }

  async function streamed(
    model: string,
    start: (client: Ollama) => Promise<AbortableAsyncIterator<object>>,
    { onToken, signal }: StreamOptions = {},
  ): Promise<GenerateResult> {
    let text = '';
    let pieces = 0;
    // Without a final message there are no counts: each streamed piece is one token.
    const aborted = (): GenerateResult => ({ model, text, finishReason: 'abort', promptTokens: 0, completionTokens: pieces });
    if (signal?.aborted) return aborted();

    const client = new Ollama({ host });
    streamingClients.add(client);
    let stream: AbortableAsyncIterator<object>;
    try {
      stream = await start(client);
    } catch (error) {
      streamingClients.delete(client);
      throw await explain(error, model);
    }
    let final: z.infer<typeof streamedPiece> | null = null;
    const stopGenerating = () => stream.abort();
    signal?.addEventListener('abort', stopGenerating, { once: true });
    try {
      // The signal may have fired while Ollama was loading the model, before the stream existed.
      if (signal?.aborted) {
        stopGenerating();
        return aborted();
      }
      for await (const line of stream) {
        const piece = streamedPiece.parse(line);
        const token = piece.response ?? piece.message?.content ?? '';
        if (token) {
          text += token;
          pieces += 1;
          onToken?.(token);
        }
        // Lines already read from the socket would still arrive after abort(); stop at once instead.
        if (signal?.aborted) return aborted();
        // Not returning here: the client forgets a finished stream only once its iterator runs past the final line.
        if (piece.done) final = piece;
      }
    } catch (error) {
      // The client surfaces abort as the fetch's AbortError thrown from the iterator.
      if (signal?.aborted) return aborted();
      throw await explain(error, model);
    } finally {
      signal?.removeEventListener('abort', stopGenerating);
      streamingClients.delete(client);
    }
    if (!final) throw new Error(`Ollama at ${host} ended the stream for model "${model}" without a final message; retry`);
    return {
      model,
      text,
      finishReason: final.done_reason === 'length' ? 'length' : 'stop',
      promptTokens: final.prompt_eval_count ?? 0,
      completionTokens: final.eval_count ?? pieces,
    };
  }

  return {
    name: 'ollama',
    listModels,

    generate({ model, prompt, maxTokens, temperature, stop, seed }: GenerateRequest, options?: StreamOptions) {
      return streamed(
        model,
        (client) =>
          client.generate({
            model,
            prompt,
            raw: true,
            stream: true,
            options: {
              num_predict: maxTokens ?? DEFAULT_MAX_TOKENS,
              temperature: temperature ?? DEFAULT_GENERATE_TEMPERATURE,
              stop: stop?.length ? stop : undefined,
              seed,
            },
          }),
        options,
      );
    },

    chat({ model, messages, maxTokens, temperature, stop, seed }: ChatRequest, options?: StreamOptions) {
      return streamed(
        model,
        (client) =>
          client.chat({
            model,
            messages: messages.map(({ role, content }) => ({ role, content })),
            stream: true,
            options: {
              num_predict: maxTokens ?? DEFAULT_MAX_TOKENS,
              temperature: temperature ?? DEFAULT_CHAT_TEMPERATURE,
              stop: stop?.length ? stop : undefined,
              seed,
            },
          }),
        options,
      );
    },

    async embed({ model, texts }: EmbedRequest): Promise<EmbedResult> {
      if (texts.length === 0) return { model, vectors: [], dimension: 0 };
      let vectors: number[][];
      try {
        // truncate: false — a text longer than the model's window fails loudly instead of being cut (DESIGN.md).
        ({ embeddings: vectors } = embedResponse.parse(await ollama.embed({ model, input: texts, truncate: false })));
      } catch (error) {
        throw await explain(error, model);
      }
      if (vectors.length !== texts.length) {
        throw new Error(`Ollama at ${host} returned ${vectors.length} vectors for ${texts.length} texts from model "${model}"`);
      }
      return { model, vectors, dimension: vectors[0]?.length ?? 0 };
    },

    async close() {
      for (const client of streamingClients) client.abort();
      streamingClients.clear();
    },
  };
}

/** Ollama names no model kind: an embedding-only family (bert, nomic-bert) or "embed" in the name says so. */
function kindOf(name: string, families: string[]): ModelKind {
  return families.some((family) => EMBEDDING_FAMILIES.has(family)) || /embed/i.test(name) ? 'embedding' : 'generation';
}
