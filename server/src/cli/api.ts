import { createParser } from 'eventsource-parser';
import { z } from 'zod';
import type { CliConfig } from './config';
import { ApiError, CliError } from './errors';

/** The message of an error answer; whatever else it carries travels in ApiError's body. */
const errorBody = z.object({ error: z.string() });

/** Reads a server-sent event stream: a POST with a body, a GET without; error answers become one readable line. */
export async function* openStream(config: CliConfig, route: string, body?: unknown): AsyncGenerator<{ event: string; data: string }> {
  const method = body === undefined ? 'GET' : 'POST';
  let response: Response;
  try {
    response = await fetch(`${config.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${config.token}`, accept: 'text/event-stream', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new CliError(`cannot reach Astra at ${config.url} (${(error as Error).message}); is it running? Start it with \`npm start\``);
  }
  if (!response.ok || !response.body) {
    const text = await response.text();
    let message = text.slice(0, 300);
    try {
      const refusal = errorBody.safeParse(JSON.parse(text));
      if (refusal.success) message = refusal.data.error;
    } catch {
      // not JSON: keep the text
    }
    throw new CliError(`${method} ${route} failed (${response.status}): ${message}`);
  }
  const events: Array<{ event: string; data: string }> = [];
  const parser = createParser({ onEvent: (message) => events.push({ event: message.event ?? 'message', data: message.data }) });
  for await (const piece of response.body.pipeThrough(new TextDecoderStream())) {
    parser.feed(piece);
    yield* events.splice(0);
  }
}

/** Calls the Astra API; connection problems and error answers become one readable line. The answer is still unchecked: `api` parses it. */
async function send(config: CliConfig, method: string, route: string, body?: unknown): Promise<unknown> {
  let response: Response;
  // Bytes (an upload) go as they are; anything else as JSON.
  const raw = body instanceof Uint8Array;
  try {
    response = await fetch(`${config.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${config.token}`, ...(body === undefined ? {} : { 'content-type': raw ? 'application/octet-stream' : 'application/json' }) },
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(`cannot reach Astra at ${config.url} (${cause?.code ?? cause?.message ?? (error as Error).message}); is it running? Start it with \`npm start\``);
  }
  const text = await response.text();
  let payload: unknown = undefined;
  try {
    payload = text ? JSON.parse(text) : undefined;
  } catch {
    payload = undefined;
  }
  if (!response.ok) {
    const refusal = errorBody.safeParse(payload);
    const message = refusal.success ? refusal.data.error : (text.slice(0, 200) || response.statusText);
    if (response.status === 401) throw new CliError(`Astra refused the credentials from ${config.source} (401): ${message}`);
    throw new ApiError(`${method} ${route} failed (${response.status}): ${message}`, response.status, payload);
  }
  return payload;
}

/** Calls the API and parses its answer; an answer of another shape is reported, not trusted. */
export async function api<S extends z.ZodType>(config: CliConfig, schema: S, method: string, route: string, body?: unknown): Promise<z.infer<S>> {
  const payload = await send(config, method, route, body);
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`${method} ${route} answered in a shape this CLI does not know (${issue ? `${issue.path.join('.') || '(body)'}: ${issue.message}` : 'invalid'}); is the server the same version?`);
  }
  return parsed.data;
}
