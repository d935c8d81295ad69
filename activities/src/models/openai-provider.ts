// Any OpenAI-compatible server as a model backend, through the official `openai` client.
import OpenAI, { APIError } from 'openai';
import { z } from 'zod';
import {
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

const DEFAULT_MAX_TOKENS = 256;
const DEFAULT_GENERATE_TEMPERATURE = 0;
const DEFAULT_CHAT_TEMPERATURE = 0.7;

/** One SSE chunk of /v1/completions (`text`) or /v1/chat/completions (`delta.content`); the usage chunk has no choices. */
const streamedChunk = z.object({
  choices: z
    .array(
      z.object({
        index: z.number(),
        text: z.string().nullish(),
        delta: z.object({ content: z.string().nullish() }).nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).nullish(),
});

const embeddingsResponse = z.object({
  data: z.array(z.object({ index: z.number(), embedding: z.array(z.number()) })),
});

const listedModel = z.object({ id: z.string() });

/** A stream of chunks as the client yields them; typed loosely because each chunk is parsed above. */
type ChunkStream = AsyncIterable<unknown>;

export function createOpenAIProvider({ baseURL, apiKey }: { baseURL: string; apiKey: string }): ModelProvider {
  const client = new OpenAI({ baseURL, apiKey });

  async function listModels(): Promise<ModelInfo[]> {
    const models: ModelInfo[] = [];
    for await (const listed of client.models.list()) {
      const { id } = listedModel.parse(listed);
      models.push({
        name: id,
        kind: /embed/i.test(id) ? 'embedding' : 'generation',
        provider: 'openai',
        contextLength: null,
        dimension: null,
      });
    }
    return models;
  }

  /** Turns a client error into one a person can act on; an unknown model lists what the server has. */
  async function explain(error: unknown, model: string): Promise<Error> {
    if (error instanceof APIError && error.status === 404 && (error.code === 'model_not_found' || error.message.includes(model))) {
      return new UnknownModelError(model, (await listModels()).map((info) => info.name));
    }
    const reason = error instanceof Error ? error.message : String(error);
    return new Error(`OpenAI-compatible server at ${baseURL} failed for model "${model}": ${reason}`, { cause: error });
  }

  async function streamed(model: string, start: () => Promise<ChunkStream>, { onToken, signal }: StreamOptions = {}): Promise<GenerateResult> {
    let text = '';
    let pieces = 0;
    // Without the usage chunk there are no counts: each streamed piece is one token.
    const aborted = (): GenerateResult => ({ model, text, finishReason: 'abort', promptTokens: 0, completionTokens: pieces });
    if (signal?.aborted) return aborted();

    let stream: ChunkStream;
    try {
      stream = await start();
    } catch (error) {
      // Aborting before the response arrives rejects with APIUserAbortError.
      if (signal?.aborted) return aborted();
      throw await explain(error, model);
    }
    let finishReason: string | null = null;
    let usage: { prompt_tokens: number; completion_tokens: number } | null = null;
    try {
      for await (const raw of stream) {
        const chunk = streamedChunk.parse(raw);
        const choice = chunk.choices?.find(({ index }) => index === 0);
        const token = choice?.text ?? choice?.delta?.content ?? '';
        if (token) {
          text += token;
          pieces += 1;
          onToken?.(token);
        }
        // Leaving the loop closes the response, which is what stops the server generating.
        if (signal?.aborted) return aborted();
        finishReason = choice?.finish_reason ?? finishReason;
        usage = chunk.usage ?? usage;
      }
    } catch (error) {
      if (signal?.aborted) return aborted();
      throw await explain(error, model);
    }
    // The client ends the iteration quietly, without an error, when the signal aborts mid-stream.
    if (signal?.aborted) return aborted();
    return {
      model,
      text,
      finishReason: finishReason === 'length' ? 'length' : 'stop',
      promptTokens: usage?.prompt_tokens ?? 0,
      completionTokens: usage?.completion_tokens ?? pieces,
    };
  }

  return {
    name: 'openai',
    listModels,

    generate({ model, prompt, maxTokens, temperature, stop, seed }: GenerateRequest, options?: StreamOptions) {
      return streamed(
        model,
        () =>
          client.completions.create(
            {
              model,
              prompt,
              stream: true,
              stream_options: { include_usage: true },
              max_tokens: maxTokens ?? DEFAULT_MAX_TOKENS,
              temperature: temperature ?? DEFAULT_GENERATE_TEMPERATURE,
              stop: stop?.length ? stop : undefined,
              seed,
            },
            { signal: options?.signal },
          ),
        options,
      );
    },

    chat({ model, messages, maxTokens, temperature, stop, seed }: ChatRequest, options?: StreamOptions) {
      return streamed(
        model,
        () =>
          client.chat.completions.create(
            {
              model,
              messages: messages.map(({ role, content }) => ({ role, content })),
              stream: true,
              stream_options: { include_usage: true },
              max_tokens: maxTokens ?? DEFAULT_MAX_TOKENS,
              temperature: temperature ?? DEFAULT_CHAT_TEMPERATURE,
              stop: stop?.length ? stop : undefined,
              seed,
            },
            { signal: options?.signal },
          ),
        options,
      );
    },

    async embed({ model, texts }: EmbedRequest): Promise<EmbedResult> {
      if (texts.length === 0) return { model, vectors: [], dimension: 0 };
      let data: { index: number; embedding: number[] }[];
      try {
        // encoding_format 'float': left out, the client asks for base64 and decodes it, which compatible servers that ignore the field break.
        ({ data } = embeddingsResponse.parse(await client.embeddings.create({ model, input: texts, encoding_format: 'float' })));
      } catch (error) {
        throw await explain(error, model);
      }
      if (data.length !== texts.length) {
        throw new Error(`OpenAI-compatible server at ${baseURL} returned ${data.length} vectors for ${texts.length} texts from model "${model}"`);
      }
      // The API does not promise data in input order; `index` says which text each vector belongs to.
      const vectors = [...data].sort((a, b) => a.index - b.index).map(({ embedding }) => embedding);
      return { model, vectors, dimension: vectors[0]?.length ?? 0 };
    },

    // Nothing to release: each request's connection ends with its response.
    async close() {},
  };
}
