// A FAKE OpenAI-compatible server for tests: the real API cannot be reached here, and it is a boundary Astra does not own.
// It answers with bodies recorded from OpenAI's API reference (platform.openai.com/docs/api-reference: completions,
// chat streaming, embeddings, models, error codes) and records every request it receives, so tests can check what a
// provider sent as well as what it made of the answer.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

export interface ReceivedRequest {
  method: string;
  path: string;
  authorization: string | null;
  body: unknown;
}

/** How one streamed answer ended: the fake sent it all, or the client hung up part way. */
export interface StreamOutcome {
  path: string;
  tokensSent: number;
  tokensPlanned: number;
  endedBy: 'server' | 'client';
}

export interface FakeOpenAIServer {
  /** Base URL including /v1, as the client's baseURL, e.g. http://127.0.0.1:41234/v1. */
  url: string;
  requests: ReceivedRequest[];
  streams: StreamOutcome[];
  close(): Promise<void>;
}

/** /v1/models entries, shaped as the API reference's "List models" response. */
const fakeModels = [
  { id: 'gpt-3.5-turbo-instruct', object: 'model', created: 1692901427, owned_by: 'system' },
  { id: 'gpt-4o-mini', object: 'model', created: 1721172741, owned_by: 'system' },
  { id: 'text-embedding-3-small', object: 'model', created: 1705948997, owned_by: 'system' },
];

/** The reference's completions example answer ("Say this is a test" → "This is indeed a test"), as streamed pieces. */
export const FAKE_COMPLETION_ANSWER = ['This', ' is', ' indeed', ' a', ' test'];
/** The reference's usage for that example prompt. */
export const FAKE_COMPLETION_PROMPT_TOKENS = 5;

/** The reference's chat example answer ("Hello there, how may I assist you today?"), as streamed deltas. */
export const FAKE_CHAT_ANSWER = ['Hello', ' there', ',', ' how', ' may', ' I', ' assist', ' you', ' today', '?'];
/** The reference's usage for that example conversation. */
export const FAKE_CHAT_PROMPT_TOKENS = 9;

/**
 * Vector values are the fake's own (the reference's example is one 1536-float vector): three numbers derived from the
 * text, so each text has its own vector and a test can tell them apart.
 */
export function fakeEmbeddingFor(text: string): number[] {
  const codes = [...text].map((char) => char.codePointAt(0) ?? 0);
  return [text.length / 100, (codes[0] ?? 0) / 1000, codes.reduce((sum, code) => sum + code, 0) / 10000];
}

const stopField = z.union([z.string(), z.array(z.string())]).nullish();
const completionBody = z.object({
  model: z.string(),
  stream: z.boolean().nullish(),
  max_tokens: z.number().nullish(),
  stop: stopField,
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
});
const embeddingsBody = z.object({
  model: z.string(),
  input: z.union([z.string(), z.array(z.string())]),
  encoding_format: z.enum(['float', 'base64']).nullish(),
});

/**
 * msPerToken paces the stream like a model generating; wholeAnswerInOneWrite sends every chunk in a single write, as a
 * client that falls behind finds them already piled up in its buffer.
 */
export async function startFakeOpenAIServer({
  msPerToken = 0,
  wholeAnswerInOneWrite = false,
}: { msPerToken?: number; wholeAnswerInOneWrite?: boolean } = {}): Promise<FakeOpenAIServer> {
  const requests: ReceivedRequest[] = [];
  const streams: StreamOutcome[] = [];

  const server = createServer((req, res) => {
    void answer(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, { message: `fake OpenAI server failed: ${String(error)}`, type: 'server_error', param: null, code: null });
      else res.destroy();
    });
  });

  async function answer(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const text = await readBody(req);
    const body: unknown = text ? JSON.parse(text) : null;
    requests.push({ method: req.method ?? 'GET', path, authorization: req.headers.authorization ?? null, body });

    if (req.method === 'GET' && path === '/v1/models') return sendJson(res, 200, { object: 'list', data: fakeModels });
    if (req.method === 'POST' && path === '/v1/embeddings') {
      const { model, input, encoding_format } = embeddingsBody.parse(body);
      if (!knows(model)) return sendModelNotFound(res, model);
      const texts = typeof input === 'string' ? [input] : input;
      const data = texts.map((text, index) => {
        const vector = fakeEmbeddingFor(text);
        // base64 is little-endian float32, as the API sends it when asked.
        const embedding = encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
        return { object: 'embedding', embedding, index };
      });
      const tokens = texts.reduce((sum, text) => sum + text.split(/\s+/).length, 0);
      // Sent last-first on purpose: the API does not promise input order, only an `index` per vector.
      return sendJson(res, 200, { object: 'list', data: data.reverse(), model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
    }
    if (req.method === 'POST' && (path === '/v1/completions' || path === '/v1/chat/completions')) {
      const request = completionBody.parse(body);
      if (!knows(request.model)) return sendModelNotFound(res, request.model);
      if (!request.stream) return sendError(res, 400, { message: 'fake OpenAI server only streams', type: 'invalid_request_error', param: 'stream', code: null });
      const stops = request.stop == null ? [] : typeof request.stop === 'string' ? [request.stop] : request.stop;
      return streamAnswer(res, path, request.model, request.max_tokens ?? undefined, stops, request.stream_options?.include_usage === true);
    }
    return sendError(res, 404, { message: `fake OpenAI server has no route ${req.method} ${path}`, type: 'invalid_request_error', param: null, code: null });
  }

  /**
   * SSE `data: {...}` chunks then `data: [DONE]`, shaped as the reference's streaming examples: text_completion chunks
   * (id cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe) and chat.completion.chunk chunks (id chatcmpl-123, role delta first, an
   * empty delta carrying finish_reason last), plus the usage chunk with empty choices when stream_options.include_usage.
   */
  async function streamAnswer(res: ServerResponse, path: string, model: string, maxTokens: number | undefined, stops: string[], includeUsage: boolean) {
    const chat = path === '/v1/chat/completions';
    const { tokens, finishReason } = planAnswer(chat ? FAKE_CHAT_ANSWER : FAKE_COMPLETION_ANSWER, maxTokens, stops);
    const outcome: StreamOutcome = { path, tokensSent: 0, tokensPlanned: tokens.length, endedBy: 'server' };
    streams.push(outcome);
    let clientGone = false;
    res.on('close', () => {
      if (!res.writableFinished) clientGone = true;
    });
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' });
    // "All other chunks will also include a usage field, but with a null value" (stream_options.include_usage).
    const usageNull = includeUsage ? { usage: null } : {};
    const envelope = chat
      ? { id: 'chatcmpl-123', object: 'chat.completion.chunk', created: 1694268190, model, system_fingerprint: 'fp_44709d6fcb' }
      : { id: 'cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe', object: 'text_completion', created: 1690759702, model, system_fingerprint: 'fp_44709d6fcb' };
    const choice = (piece: string, finish: string | null) =>
      chat
        ? { index: 0, delta: finish ? {} : { content: piece }, logprobs: null, finish_reason: finish }
        : { text: piece, index: 0, logprobs: null, finish_reason: finish };
    const held: string[] = [];
    const send = (chunk: unknown) => {
      if (wholeAnswerInOneWrite) held.push(`data: ${JSON.stringify(chunk)}\n\n`);
      else res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    };

    if (chat) send({ ...envelope, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }], ...usageNull });
    for (const token of tokens) {
      if (!wholeAnswerInOneWrite) await sleep(msPerToken);
      if (clientGone) {
        outcome.endedBy = 'client';
        return;
      }
      send({ ...envelope, choices: [choice(token, null)], ...usageNull });
      outcome.tokensSent += 1;
    }
    await sleep(msPerToken);
    if (clientGone) {
      outcome.endedBy = 'client';
      return;
    }
    send({ ...envelope, choices: [choice('', finishReason)], ...usageNull });
    if (includeUsage) {
      const promptTokens = chat ? FAKE_CHAT_PROMPT_TOKENS : FAKE_COMPLETION_PROMPT_TOKENS;
      send({ ...envelope, choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: tokens.length, total_tokens: promptTokens + tokens.length } });
    }
    res.end(`${held.join('')}data: [DONE]\n\n`);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = z.object({ port: z.number() }).parse(server.address());
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    streams,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Like the API: stop after max_tokens ('length'), or just before a stop sequence, which is not sent ('stop'). */
function planAnswer(answer: string[], maxTokens: number | undefined, stops: string[]): { tokens: string[]; finishReason: 'stop' | 'length' } {
  const tokens: string[] = [];
  let text = '';
  for (const token of answer) {
    if (maxTokens !== undefined && tokens.length >= maxTokens) return { tokens, finishReason: 'length' };
    const next = text + token;
    const stopAt = Math.min(...stops.map((stop) => next.indexOf(stop)).filter((at) => at >= 0));
    if (Number.isFinite(stopAt)) {
      const last = next.slice(text.length, stopAt);
      if (last) tokens.push(last);
      return { tokens, finishReason: 'stop' };
    }
    tokens.push(token);
    text = next;
  }
  return { tokens, finishReason: 'stop' };
}

function knows(model: string) {
  return fakeModels.some(({ id }) => id === model);
}

/** The 404 OpenAI sends for a model it does not serve: the error object of the reference's "Error codes" guide. */
function sendModelNotFound(res: ServerResponse, model: string) {
  sendError(res, 404, {
    message: `The model \`${model}\` does not exist or you do not have access to it.`,
    type: 'invalid_request_error',
    param: null,
    code: 'model_not_found',
  });
}

function sendError(res: ServerResponse, status: number, error: { message: string; type: string; param: string | null; code: string | null }) {
  sendJson(res, status, { error });
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}
