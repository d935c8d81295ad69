// A FAKE Ollama server for tests: a real Ollama cannot run here, and Ollama is a boundary Astra does not own.
// It answers with bodies recorded from Ollama's docs/api.md (github.com/ollama/ollama, docs/api.md) and records
// every request it receives, so tests can check what a provider sent as well as what it made of the answer.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

export interface ReceivedRequest {
  method: string;
  path: string;
  body: unknown;
}

/** How one streamed answer ended: the fake sent it all, or the client hung up part way. */
export interface StreamOutcome {
  path: string;
  tokensSent: number;
  tokensPlanned: number;
  endedBy: 'server' | 'client';
}

export interface FakeOllamaServer {
  /** Base URL to pass as the Ollama host, e.g. http://127.0.0.1:41234. */
  url: string;
  requests: ReceivedRequest[];
  /** Blobs pushed to it, by sha256 digest (checked against their bytes, as Ollama does). */
  blobs: Map<string, Buffer>;
  /** The bodies of the /api/create calls it accepted; each created model is listed by /api/tags after. */
  created: Array<{ model: string; files?: Record<string, string>; adapters?: Record<string, string> }>;
  streams: StreamOutcome[];
  close(): Promise<void>;
}

/**
 * The fake's models, as /api/tags lists them (docs/api.md "List Local Models": name, modified_at, size, digest,
 * details). Each answers generate/chat with the docs' recorded answer, split into tokens.
 */
const fakeModels = [
  {
    name: 'llama3.2:latest',
    modified_at: '2023-12-07T09:32:18.757212583-08:00',
    size: 3825819519,
    digest: 'fe938a131f40e6f6d40083c9f0f430a515233eb2edaa6d72eb85c50d64f2300e',
    details: { format: 'gguf', family: 'llama', families: null, parameter_size: '8.0B', quantization_level: 'Q4_0' },
  },
  {
    name: 'all-minilm:latest',
    modified_at: '2024-05-21T10:11:02.384621Z',
    size: 45960996,
    digest: '1b226e2802dbb772b5fc32a58f103ca1804ef7501331012de126ab22f67475ef',
    details: { format: 'gguf', family: 'bert', families: ['bert'], parameter_size: '23M', quantization_level: 'F16' },
  },
  {
    name: 'nomic-embed-text:latest',
    modified_at: '2024-05-21T10:12:40.184512Z',
    size: 274302450,
    digest: '0a109f422b47e3a30ba2b10eca18548e944e8a23073ee3f3e947efcf3c45e59f',
    details: { format: 'gguf', family: 'nomic-bert', families: ['nomic-bert'], parameter_size: '137M', quantization_level: 'F16' },
  },
];

/** /api/show model_info, in the shape of docs/api.md "Show Model Information" (llama3.2's values are the docs'). */
const fakeModelInfo: Record<string, Record<string, unknown>> = {
  'llama3.2:latest': {
    'general.architecture': 'llama',
    'general.parameter_count': 8030261248,
    'llama.context_length': 8192,
    'llama.embedding_length': 4096,
  },
  'all-minilm:latest': { 'general.architecture': 'bert', 'bert.context_length': 512, 'bert.embedding_length': 384 },
  'nomic-embed-text:latest': {
    'general.architecture': 'nomic-bert',
    'nomic-bert.context_length': 2048,
    'nomic-bert.embedding_length': 768,
  },
};

/** The docs' recorded non-streaming answer to "Why is the sky blue?", split the way the stream sends it. */
export const FAKE_OLLAMA_ANSWER = ['The', ' sky', ' is', ' blue', ' because', ' it', ' is', ' the', ' color', ' of', ' the', ' sky', '.'];

/** The docs' final message reports 26 prompt tokens for "Why is the sky blue?"; the fake reports the same. */
export const FAKE_OLLAMA_PROMPT_TOKENS = 26;

/** /api/embed vectors recorded from docs/api.md "Generate Embeddings (Multiple input)", model all-minilm. */
export const FAKE_OLLAMA_VECTORS: Record<string, number[]> = {
  'Why is the sky blue?': [
    0.010071029, -0.0017594862, 0.05007221, 0.04692972, 0.054916814, 0.008599704, 0.105441414, -0.025878139, 0.12958129,
    0.031952348,
  ],
  'Why is the grass green?': [
    -0.0098027075, 0.06042469, 0.025257962, -0.006364387, 0.07272725, 0.017194884, 0.09032035, -0.051705178, 0.09951512,
    0.09072481,
  ],
};

const generationOptions = z
  .object({ num_predict: z.number().optional(), stop: z.array(z.string()).optional() })
  .optional();
const generateBody = z.object({ model: z.string(), prompt: z.string(), stream: z.boolean().optional(), options: generationOptions });
const chatBody = z.object({ model: z.string(), stream: z.boolean().optional(), options: generationOptions });
const embedBody = z.object({ model: z.string(), input: z.union([z.string(), z.array(z.string())]) });
const showBody = z.object({ model: z.string() });
const createBody = z.object({ model: z.string(), files: z.record(z.string(), z.string()).optional(), adapters: z.record(z.string(), z.string()).optional(), stream: z.boolean().optional() });

/**
 * msPerToken paces the stream like a model generating; wholeAnswerInOneWrite sends every line in a single write, as a
 * client that falls behind finds them already piled up in its buffer.
 */
export async function startFakeOllamaServer({
  msPerToken = 0,
  wholeAnswerInOneWrite = false,
}: { msPerToken?: number; wholeAnswerInOneWrite?: boolean } = {}): Promise<FakeOllamaServer> {
  const requests: ReceivedRequest[] = [];
  const streams: StreamOutcome[] = [];
  const blobs = new Map<string, Buffer>();
  const created: FakeOllamaServer['created'] = [];

  const server = createServer((req, res) => {
    void answer(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: `fake Ollama server failed: ${String(error)}` });
      else res.destroy();
    });
  });

  async function answer(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const blob = /^\/api\/blobs\/sha256:([0-9a-f]{64})$/.exec(path);
    if (blob) {
      // docs/api.md "Check if a Blob Exists" (200 or 404) and "Push a Blob" (201; a wrong digest is a 400).
      requests.push({ method: req.method ?? 'GET', path, body: null });
      if (req.method === 'HEAD') return sendJson(res, blobs.has(blob[1]!) ? 200 : 404, {});
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed' });
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      if (createHash('sha256').update(bytes).digest('hex') !== blob[1]) return sendJson(res, 400, { error: 'digest mismatch' });
      blobs.set(blob[1]!, bytes);
      res.writeHead(201).end();
      return;
    }
    const text = await readBody(req);
    const body: unknown = text ? JSON.parse(text) : null;
    requests.push({ method: req.method ?? 'GET', path, body });

    if (req.method === 'GET' && path === '/api/tags') return sendJson(res, 200, { models: [...fakeModels, ...created.map((model) => ({ ...fakeModels[0]!, name: `${model.model}:latest` }))] });
    if (req.method === 'POST' && path === '/api/create') {
      const request = createBody.parse(body);
      const missing = Object.values({ ...request.files, ...request.adapters }).find((digest) => !blobs.has(digest.replace(/^sha256:/, '')));
      if (missing) return sendJson(res, 400, { error: `blob ${missing} not found` });
      created.push(request);
      return sendJson(res, 200, { status: 'success' });
    }
    if (req.method === 'POST' && path === '/api/show') {
      const { model } = showBody.parse(body);
      const found = findModel(model);
      if (!found) return sendModelNotFound(res, model);
      return sendJson(res, 200, {
        modelfile: `# Modelfile generated by "ollama show"\nFROM ${found.name}`,
        parameters: '',
        template: '{{ .Prompt }}',
        details: { parent_model: '', ...found.details },
        model_info: fakeModelInfo[found.name] ?? {},
      });
    }
    if (req.method === 'POST' && path === '/api/embed') {
      const { model, input } = embedBody.parse(body);
      if (!findModel(model)) return sendModelNotFound(res, model);
      const texts = typeof input === 'string' ? [input] : input;
      const missing = texts.find((text) => !(text in FAKE_OLLAMA_VECTORS));
      if (missing !== undefined) return sendJson(res, 400, { error: `fake Ollama server has no recorded vector for "${missing}"` });
      return sendJson(res, 200, {
        model,
        embeddings: texts.map((text) => FAKE_OLLAMA_VECTORS[text]),
        total_duration: 14143917,
        load_duration: 1019500,
        prompt_eval_count: 8,
      });
    }
    if (req.method === 'POST' && (path === '/api/generate' || path === '/api/chat')) {
      const request = path === '/api/generate' ? generateBody.parse(body) : chatBody.parse(body);
      if (!findModel(request.model)) return sendModelNotFound(res, request.model);
      if (request.stream === false) return sendJson(res, 400, { error: 'fake Ollama server only streams' });
      return streamAnswer(res, path, request.model, request.options ?? {});
    }
    return sendJson(res, 404, { error: `fake Ollama server has no route ${req.method} ${path}` });
  }

  /** NDJSON lines shaped as docs/api.md "Generate request (Streaming)" and "Chat Request (Streaming)". */
  async function streamAnswer(res: ServerResponse, path: string, model: string, options: { num_predict?: number; stop?: string[] }) {
    const { tokens, doneReason } = planAnswer(options.num_predict, options.stop ?? []);
    const outcome: StreamOutcome = { path, tokensSent: 0, tokensPlanned: tokens.length, endedBy: 'server' };
    streams.push(outcome);
    let clientGone = false;
    res.on('close', () => {
      if (!res.writableFinished) clientGone = true;
    });
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    const held: string[] = [];
    const send = (line: unknown) => {
      if (wholeAnswerInOneWrite) held.push(`${JSON.stringify(line)}\n`);
      else res.write(`${JSON.stringify(line)}\n`);
    };
    const chat = path === '/api/chat';
    for (const token of tokens) {
      if (!wholeAnswerInOneWrite) await sleep(msPerToken);
      if (clientGone) {
        outcome.endedBy = 'client';
        return;
      }
      const line = chat
        ? { model, created_at: '2023-08-04T08:52:19.385406455-07:00', message: { role: 'assistant', content: token, images: null }, done: false }
        : { model, created_at: '2023-08-04T08:52:19.385406455-07:00', response: token, done: false };
      send(line);
      outcome.tokensSent += 1;
    }
    await sleep(msPerToken);
    if (clientGone) {
      outcome.endedBy = 'client';
      return;
    }
    // Raw generate returns no `context` (docs: "raw mode will not return a context").
    const stats = {
      done: true,
      done_reason: doneReason,
      total_duration: 4935886791,
      load_duration: 534986708,
      prompt_eval_count: FAKE_OLLAMA_PROMPT_TOKENS,
      prompt_eval_duration: 107345000,
      eval_count: tokens.length,
      eval_duration: 4289432000,
    };
    const final = chat
      ? { model, created_at: '2023-08-04T19:22:45.499127Z', message: { role: 'assistant', content: '' }, ...stats }
      : { model, created_at: '2023-08-04T19:22:45.499127Z', response: '', ...stats };
    send(final);
    res.end(held.join(''));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = z.object({ port: z.number() }).parse(server.address());
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    streams,
    blobs,
    created,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Like Ollama: stop after num_predict tokens ('length'), or just before a stop sequence, which is not sent ('stop'). */
function planAnswer(maxTokens: number | undefined, stops: string[]): { tokens: string[]; doneReason: 'stop' | 'length' } {
  const tokens: string[] = [];
  let text = '';
  for (const token of FAKE_OLLAMA_ANSWER) {
    if (maxTokens !== undefined && maxTokens >= 0 && tokens.length >= maxTokens) return { tokens, doneReason: 'length' };
    const next = text + token;
    const stopAt = Math.min(...stops.map((stop) => next.indexOf(stop)).filter((at) => at >= 0));
    if (Number.isFinite(stopAt)) {
      const last = next.slice(text.length, stopAt);
      if (last) tokens.push(last);
      return { tokens, doneReason: 'stop' };
    }
    tokens.push(token);
    text = next;
  }
  return { tokens, doneReason: 'stop' };
}

/** Ollama's default tag is `latest`: "llama3.2" names llama3.2:latest. */
function findModel(name: string) {
  const tagged = name.includes(':') ? name : `${name}:latest`;
  return fakeModels.find((model) => model.name === tagged);
}

/** The 404 body Ollama's server sends for a model it lacks (server/routes.go: `model %q not found, try pulling it first`). */
function sendModelNotFound(res: ServerResponse, model: string) {
  sendJson(res, 404, { error: `model ${JSON.stringify(model)} not found, try pulling it first` });
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}
