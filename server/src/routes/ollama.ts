// The Ollama-compatible API under /ollama (point OLLAMA_HOST or a client's host at
// http://HOST:PORT/ollama): tags, show, chat, generate, embed and version with Ollama's NDJSON
// streaming. Model management (pull, push, create, copy, delete) is not exposed.
import type { Context } from 'hono';
import { stream as honoStream } from 'hono/streaming';
import { z } from 'zod';
import type { App, AppDeps, AppEnv } from '../app-types';
import { auditRequest } from '../audit/audit-request';
import { TurnRefusedError } from '../chat/chat-service';
import { CompletionError, sourcesFooter, withoutTag, type Completion, type CompletionRequest, type Completions } from '../chat/completions';
import { astraVersion } from '../version';

/** The Ollama API version this surface follows (clients compare it before using newer fields). */
export const ollamaApiVersion = '0.12.0';

const options = z.looseObject({ temperature: z.number().min(0).max(2).optional(), num_predict: z.number().int().optional(), stop: z.array(z.string()).max(8).optional() }).optional();
const chatBody = z.looseObject({
  model: z.string().min(1),
  messages: z.array(z.looseObject({ role: z.string(), content: z.string().nullish() })).max(1000).default([]),
  stream: z.boolean().default(true),
  options,
  inputs: z.record(z.string().max(64), z.string().max(100_000)).optional(),
});
const generateBody = z.looseObject({
  model: z.string().min(1),
  prompt: z.string().default(''),
  system: z.string().optional(),
  stream: z.boolean().default(true),
  options,
  inputs: z.record(z.string().max(64), z.string().max(100_000)).optional(),
});
const embedBody = z.looseObject({ model: z.string().min(1), input: z.union([z.string(), z.array(z.string()).min(1).max(2048)]) });
const legacyEmbedBody = z.looseObject({ model: z.string().min(1), prompt: z.string() });
const showBody = z.looseObject({ model: z.string().optional(), name: z.string().optional() });

const problem = (error: z.ZodError) => error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
const nanos = (ms: number) => Math.round(ms * 1e6);

export function registerOllamaRoutes(app: App, deps: AppDeps, completions: Completions) {
  const audit = auditRequest(deps);
  /** A chat app's turn starts a run, which the audit log records like any other. */
  const auditStart = (c: Context<AppEnv>, model: string) => (runId: string) => audit(c, 'run.start', runId, { detail: { app: model, via: '/ollama' } });
  const fail = (c: Context<AppEnv>, error: unknown) => {
    if (error instanceof CompletionError) return c.json({ error: error.message }, error.status);
    if (error instanceof TurnRefusedError) return c.json({ error: error.message }, error.status === 422 ? 400 : error.status);
    throw error;
  };
  const body = async <T extends z.ZodType>(c: Context<AppEnv>, schema: T): Promise<{ ok: true; data: z.infer<T> } | { ok: false; response: Response }> => {
    const parsed = schema.safeParse(await c.req.json().catch(() => undefined));
    return parsed.success ? { ok: true, data: parsed.data } : { ok: false, response: c.json({ error: `invalid request: ${problem(parsed.error)}` }, 400) };
  };

  /** One completion as Ollama answers it: NDJSON pieces then a closing summary, or one JSON object. */
  const answer = async (c: Context<AppEnv>, model: string, streamed: boolean, request: Omit<CompletionRequest, 'signal' | 'onToken' | 'onStarted'>, shape: (text: string) => Record<string, unknown>) => {
    const at = () => new Date().toISOString();
    const summary = (result: Completion) => ({
      done: true, done_reason: result.finishReason, total_duration: nanos(result.durationMs), load_duration: 0,
      prompt_eval_count: result.promptTokens, prompt_eval_duration: nanos(result.firstTokenMs ?? 0),
      eval_count: result.completionTokens, eval_duration: nanos(result.durationMs - (result.firstTokenMs ?? 0)),
      astra: { run_id: result.runId, citations: result.citations },
    });
    if (!streamed) {
      try {
        const result = await completions.complete({ ...request, signal: c.req.raw.signal, onStarted: auditStart(c, model) });
        return c.json({ model, created_at: at(), ...shape(result.text + sourcesFooter(result.citations)), ...summary(result) }, 200);
      } catch (error) {
        return fail(c, error);
      }
    }
    c.header('Content-Type', 'application/x-ndjson');
    return honoStream(c, async (stream) => {
      const abort = new AbortController();
      stream.onAbort(() => abort.abort());
      const line = async (value: unknown) => {
        await stream.write(`${JSON.stringify(value)}\n`);
      };
      try {
        const result = await completions.complete({ ...request, signal: abort.signal, onStarted: auditStart(c, model), onToken: (text) => line({ model, created_at: at(), ...shape(text), done: false }) });
        const footer = sourcesFooter(result.citations);
        if (footer) await line({ model, created_at: at(), ...shape(footer), done: false });
        await line({ model, created_at: at(), ...shape(''), ...summary(result) });
      } catch (error) {
        await line({ error: error instanceof Error ? error.message : String(error) });
      }
    });
  };

  app.get('/ollama/api/version', (c) => c.json({ version: ollamaApiVersion, astra: astraVersion }, 200));

  app.get('/ollama/api/tags', async (c) => {
    const caller = c.get('user');
    const [generation, embedding] = await Promise.all([completions.targets(caller, 'generation'), completions.targets(caller, 'embedding')]);
    const entry = (name: string, modified: string, family: string, extra: Record<string, unknown> = {}) => ({
      name: `${name}:latest`, model: `${name}:latest`, modified_at: modified, size: 0, digest: '',
      details: { parent_model: '', format: 'gguf', family, families: [family], parameter_size: '', quantization_level: '' }, ...extra,
    });
    return c.json({
      models: [
        ...generation.apps.map((app) => entry(app.slug, app.updatedAt, 'astra-app', { astra: { kind: 'app', title: app.title } })),
        ...[...generation.models, ...embedding.models].map((model) => entry(model.name, new Date(0).toISOString(), model.kind, { astra: { kind: model.kind } })),
      ],
    }, 200);
  });

  app.post('/ollama/api/show', async (c) => {
    const parsed = await body(c, showBody);
    if (!parsed.ok) return parsed.response;
    const name = parsed.data.model ?? parsed.data.name;
    if (!name) return c.json({ error: 'invalid request: model: give the model to show' }, 400);
    try {
      const target = await completions.resolve(c.get('user'), name, 'generation').catch((error: unknown) =>
        error instanceof CompletionError && error.status === 404 ? completions.resolve(c.get('user'), name, 'embedding') : Promise.reject(error));
      const info = target.kind === 'app'
        ? { description: target.app.description, title: target.app.title, flow: target.app.flowName, version: target.app.version }
        : ((await deps.models.list()).find((model) => model.name === target.name) ?? {});
      return c.json({
        modelfile: '', parameters: '', template: '',
        details: { parent_model: '', format: 'gguf', family: target.kind === 'app' ? 'astra-app' : 'llama', families: [], parameter_size: '', quantization_level: '' },
        model_info: info,
        capabilities: target.kind === 'app' || ('kind' in info && info.kind === 'generation') ? ['completion'] : ['embedding'],
      }, 200);
    } catch (error) {
      return fail(c, error);
    }
  });

  app.post('/ollama/api/chat', async (c) => {
    const parsed = await body(c, chatBody);
    if (!parsed.ok) return parsed.response;
    const request = parsed.data;
    try {
      const target = await completions.resolve(c.get('user'), request.model, 'generation');
      return answer(c, request.model, request.stream, {
        caller: c.get('user'), target, messages: request.messages.map((message) => ({ role: message.role, content: message.content ?? '' })),
        maxTokens: request.options?.num_predict && request.options.num_predict > 0 ? request.options.num_predict : undefined,
        temperature: request.options?.temperature, stop: request.options?.stop, inputs: request.inputs,
      }, (text) => ({ message: { role: 'assistant', content: text } }));
    } catch (error) {
      return fail(c, error);
    }
  });

  app.post('/ollama/api/generate', async (c) => {
    const parsed = await body(c, generateBody);
    if (!parsed.ok) return parsed.response;
    const request = parsed.data;
    try {
      const target = await completions.resolve(c.get('user'), request.model, 'generation');
      // An empty prompt loads the model in Ollama; here there is nothing to load.
      if (request.prompt === '') return c.json({ model: request.model, created_at: new Date().toISOString(), response: '', done: true, done_reason: 'load' }, 200);
      return answer(c, request.model, request.stream, {
        caller: c.get('user'), target, messages: [...(request.system ? [{ role: 'system', content: request.system }] : []), { role: 'user', content: request.prompt }],
        maxTokens: request.options?.num_predict && request.options.num_predict > 0 ? request.options.num_predict : undefined,
        temperature: request.options?.temperature, stop: request.options?.stop, inputs: request.inputs,
      }, (text) => ({ response: text }));
    } catch (error) {
      return fail(c, error);
    }
  });

  const embed = async (c: Context<AppEnv>, model: string, texts: string[]) => {
    const target = await completions.resolve(c.get('user'), model, 'embedding');
    if (target.kind !== 'model') throw new CompletionError(`"${model}" is not an embedding model`, 400, 'invalid_model');
    return deps.inference.embed({ model: target.name, texts });
  };

  app.post('/ollama/api/embed', async (c) => {
    const parsed = await body(c, embedBody);
    if (!parsed.ok) return parsed.response;
    try {
      const began = performance.now();
      const result = await embed(c, parsed.data.model, typeof parsed.data.input === 'string' ? [parsed.data.input] : parsed.data.input);
      return c.json({ model: withoutTag(parsed.data.model), embeddings: result.vectors, total_duration: nanos(performance.now() - began), load_duration: 0 }, 200);
    } catch (error) {
      return fail(c, error);
    }
  });

  app.post('/ollama/api/embeddings', async (c) => {
    const parsed = await body(c, legacyEmbedBody);
    if (!parsed.ok) return parsed.response;
    try {
      const result = await embed(c, parsed.data.model, [parsed.data.prompt]);
      return c.json({ embedding: result.vectors[0] }, 200);
    } catch (error) {
      return fail(c, error);
    }
  });

  for (const route of ['pull', 'push', 'create', 'copy', 'delete', 'blobs/:digest']) {
    app.on(['POST', 'DELETE', 'HEAD'], `/ollama/api/${route}`, (c) => c.json({ error: `Astra does not expose Ollama's model management (/api/${route.split('/')[0]}); publish a flow or register a model in Astra instead` }, 404));
  }
}
