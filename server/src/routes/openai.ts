// The OpenAI-compatible API under /v1: published apps (by slug) and local models as models, chat
// completions streamed in OpenAI's chunk format, embeddings, and errors in OpenAI's error shape, so
// the official SDKs, Open WebUI and editor plugins work against Astra unchanged.
import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { App, AppDeps, AppEnv } from '../app-types';
import { auditRequest } from '../audit/audit-request';
import { TurnRefusedError } from '../chat/chat-service';
import { CompletionError, sourcesFooter, type Completion, type Completions } from '../chat/completions';

type ErrorStatus = 400 | 401 | 403 | 404 | 413 | 429 | 500 | 503;
const errorTypes: Record<ErrorStatus, string> = {
  400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error',
  413: 'invalid_request_error', 429: 'rate_limit_error', 500: 'server_error', 503: 'server_error',
};

const openAiError = (c: Context<AppEnv>, status: ErrorStatus, message: string, code: string | null = null, param: string | null = null) =>
  c.json({ error: { message, type: errorTypes[status], param, code } }, status);

/** Answers from the shared middleware (auth, body limits, input guard) reshaped into OpenAI's error body. */
export const openAiErrorShape: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (c.res.status < 400 || !c.res.headers.get('content-type')?.includes('application/json')) return;
  const body = z.object({ error: z.string() }).safeParse(await c.res.clone().json().catch(() => null));
  if (!body.success) return;
  const status = c.res.status;
  const headers = new Headers(c.res.headers);
  c.res = new Response(JSON.stringify({ error: { message: body.data.error, type: errorTypes[status as ErrorStatus] ?? 'invalid_request_error', param: null, code: status === 401 ? 'invalid_api_key' : null } }), { status, headers });
};

const textPart = z.looseObject({ type: z.string(), text: z.string().optional() });
const message = z.looseObject({
  role: z.string(),
  // Text, an array of parts (only text parts are read), or null (an assistant message that only called tools).
  content: z.union([z.string(), z.array(textPart), z.null()]).optional(),
});
const stop = z.union([z.string(), z.array(z.string()).max(4)]).optional();

// Loose on purpose: clients send fields Astra does not use (tools, n, user, logprobs…) and must not fail on them.
const chatBody = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1).max(1000),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  stop: stop.nullable(),
  /** Astra extension: inputs the app's flow declares besides the message. */
  inputs: z.record(z.string().max(64), z.string().max(100_000)).optional(),
});

const embeddingsBody = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1).max(2048)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
});

const textOf = (content: z.infer<typeof message>['content']) =>
  typeof content === 'string' ? content : (content ?? []).filter((part) => part.type === 'text' || part.type === 'input_text').map((part) => part.text ?? '').join('');

/** The first problem zod found, as OpenAI names a bad parameter. */
const firstIssue = (error: z.ZodError) => {
  const issue = error.issues[0]!;
  return { param: issue.path.join('.') || null, message: `${issue.path.join('.') || 'body'}: ${issue.message}` };
};

async function jsonBody(c: Context<AppEnv>): Promise<unknown> {
  return c.req.json().catch(() => undefined);
}

export function registerOpenAiRoutes(app: App, deps: AppDeps, completions: Completions) {
  const audit = auditRequest(deps);
  const created = () => Math.floor(Date.now() / 1000);

  app.get('/v1/models', async (c) => {
    const caller = c.get('user');
    const [generation, embedding] = await Promise.all([completions.targets(caller, 'generation'), completions.targets(caller, 'embedding')]);
    const data = [
      ...generation.apps.map((entry) => ({ id: entry.slug, object: 'model', created: Math.floor(new Date(entry.createdAt).getTime() / 1000), owned_by: entry.owner, astra: { kind: 'app', title: entry.title, description: entry.description, flow: entry.flowName, version: entry.version } })),
      ...[...generation.models, ...embedding.models].map((model) => ({ id: model.name, object: 'model', created: 0, owned_by: 'astra', astra: { kind: model.kind, provider: model.provider, contextLength: model.contextLength } })),
    ];
    return c.json({ object: 'list', data }, 200);
  });

  app.get('/v1/models/:model', async (c) => {
    const caller = c.get('user');
    const { apps, models } = await completions.targets(caller, 'generation');
    const name = c.req.param('model');
    const found = apps.find((entry) => entry.slug === name) ?? models.find((model) => model.name === name);
    if (!found) return openAiError(c, 404, `no app or model "${name}"`, 'model_not_found', 'model');
    return c.json({ id: name, object: 'model', created: 0, owned_by: 'owner' in found ? found.owner : 'astra' }, 200);
  });

  app.post('/v1/chat/completions', async (c) => {
    const parsed = chatBody.safeParse(await jsonBody(c));
    if (!parsed.success) {
      const issue = firstIssue(parsed.error);
      return openAiError(c, 400, `invalid request: ${issue.message}`, 'invalid_request', issue.param);
    }
    const body = parsed.data;
    const caller = c.get('user');
    const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
    const stops = body.stop === undefined || body.stop === null ? undefined : typeof body.stop === 'string' ? [body.stop] : body.stop;
    let target;
    try {
      target = await completions.resolve(caller, body.model, 'generation');
    } catch (error) {
      if (error instanceof CompletionError) return openAiError(c, error.status, error.message, error.code, error.param);
      throw error;
    }
    const id = `chatcmpl-${randomUUID()}`;
    const request = {
      caller, target, messages: body.messages.map((entry) => ({ role: entry.role, content: textOf(entry.content) })),
      maxTokens, temperature: body.temperature ?? undefined, stop: stops, inputs: body.inputs,
      // A chat app's turn starts a run, which the audit log records like any other.
      onStarted: (runId: string) => audit(c, 'run.start', runId, { detail: { app: body.model, via: '/v1' } }),
    };
    const extension = (result: Completion) => ({ run_id: result.runId, citations: result.citations });
    const usage = (result: Completion) => ({ prompt_tokens: result.promptTokens, completion_tokens: result.completionTokens, total_tokens: result.promptTokens + result.completionTokens });
    const failure = (error: unknown): { status: ErrorStatus; message: string; code: string } => {
      if (error instanceof CompletionError) return { status: error.status, message: error.message, code: error.code };
      if (error instanceof TurnRefusedError) return { status: error.status === 422 ? 400 : error.status, message: error.message, code: error.status === 403 ? 'model_not_allowed' : 'invalid_request' };
      deps.logger.error({ event: 'v1.chat-failed', err: (error as Error).message });
      return { status: 500, message: `the completion failed: ${(error as Error).message}`, code: 'server_error' };
    };

    if (!body.stream) {
      try {
        const result = await completions.complete({ ...request, signal: c.req.raw.signal });
        const content = result.text + sourcesFooter(result.citations);
        return c.json({
          id, object: 'chat.completion', created: created(), model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: result.finishReason }],
          usage: usage(result), astra: extension(result),
        }, 200);
      } catch (error) {
        const { status, message, code } = failure(error);
        return openAiError(c, status, message, code);
      }
    }

    return streamSSE(c, async (stream) => {
      const abort = new AbortController();
      stream.onAbort(() => abort.abort());
      const chunk = (delta: Record<string, unknown>, finishReason: string | null, extra: Record<string, unknown> = {}) =>
        stream.writeSSE({ data: JSON.stringify({ id, object: 'chat.completion.chunk', created: created(), model: body.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...extra }) });
      await chunk({ role: 'assistant', content: '' }, null);
      try {
        const result = await completions.complete({ ...request, signal: abort.signal, onToken: (text) => chunk({ content: text }, null) });
        const footer = sourcesFooter(result.citations);
        if (footer) await chunk({ content: footer }, null);
        await chunk({}, result.finishReason, { astra: extension(result) });
        if (body.stream_options?.include_usage) {
          await stream.writeSSE({ data: JSON.stringify({ id, object: 'chat.completion.chunk', created: created(), model: body.model, choices: [], usage: usage(result) }) });
        }
      } catch (error) {
        // Headers are gone: the error travels as a chunk of its own, then the stream ends as usual.
        const { message, code } = failure(error);
        await stream.writeSSE({ data: JSON.stringify({ error: { message, type: 'server_error', param: null, code } }) });
      }
      await stream.writeSSE({ data: '[DONE]' });
    });
  });

  app.post('/v1/embeddings', async (c) => {
    const parsed = embeddingsBody.safeParse(await jsonBody(c));
    if (!parsed.success) {
      const issue = firstIssue(parsed.error);
      return openAiError(c, 400, `invalid request: ${issue.message}`, 'invalid_request', issue.param);
    }
    const body = parsed.data;
    try {
      const target = await completions.resolve(c.get('user'), body.model, 'embedding');
      if (target.kind !== 'model') return openAiError(c, 400, `"${body.model}" is not an embedding model`, 'invalid_model', 'model');
      const texts = typeof body.input === 'string' ? [body.input] : body.input;
      const result = await deps.inference.embed({ model: target.name, texts });
      const tokens = (await Promise.all(texts.map((text) => completions.countTokens(target.name, text)))).reduce((a, b) => a + b, 0);
      const encode = (vector: number[]) => (body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector);
      return c.json({ object: 'list', data: result.vectors.map((vector, index) => ({ object: 'embedding', index, embedding: encode(vector) })), model: target.name, usage: { prompt_tokens: tokens, total_tokens: tokens } }, 200);
    } catch (error) {
      if (error instanceof CompletionError) return openAiError(c, error.status, error.message, error.code, error.param);
      if (error instanceof Error && (error.name === 'ContextOverflowError' || error.name === 'UnknownModelError')) return openAiError(c, 400, error.message, 'invalid_request', 'input');
      throw error;
    }
  });
}
