// The Temporal Web UI behind Astra's own sign-in: it shows every user's runs and allows write
// actions, so only admins reach it, at /admin/temporal/ (the embedded UI is started with that
// public path and bound to 127.0.0.1, so it is reachable from the host only through here).
import type { Handler } from 'hono';
import type { AppEnv } from '../app-types';
import { sessionCookie } from '../auth/auth.middleware';

export const temporalUiPath = '/admin/temporal';

// Headers about this hop only, and Astra's own credentials, which the Temporal UI must never see.
const requestHeadersDropped = ['host', 'connection', 'keep-alive', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'authorization', 'content-length'];
// fetch has already decoded the body, so its length and encoding no longer hold.
const answerHeadersDropped = ['connection', 'keep-alive', 'transfer-encoding', 'content-encoding', 'content-length'];

/** Forwards a request under `temporalUiPath` to the UI at `upstream` (its origin), path and query unchanged. */
export function temporalUiProxy(upstream: string): Handler<AppEnv> {
  const origin = new URL(upstream).origin;
  return async (c) => {
    const incoming = new URL(c.req.url);
    const headers = new Headers(c.req.raw.headers);
    for (const name of requestHeadersDropped) headers.delete(name);
    const cookies = (headers.get('cookie') ?? '').split(';').map((part) => part.trim()).filter((part) => part && !part.startsWith(`${sessionCookie}=`));
    if (cookies.length > 0) headers.set('cookie', cookies.join('; '));
    else headers.delete('cookie');
    const method = c.req.method;
    let answer: Response;
    try {
      answer = await fetch(`${origin}${incoming.pathname}${incoming.search}`, {
        method,
        headers,
        body: method === 'GET' || method === 'HEAD' ? undefined : await c.req.arrayBuffer(),
        redirect: 'manual',
        signal: AbortSignal.timeout(60_000),
      });
    } catch (error) {
      return c.json({ error: `the Temporal UI at ${origin} does not answer: ${(error as Error).message}` }, 502);
    }
    const out = new Headers(answer.headers);
    for (const name of answerHeadersDropped) out.delete(name);
    // The UI redirects to itself by its own address; the browser must stay on Astra's.
    const location = out.get('location');
    if (location?.startsWith(origin)) out.set('location', location.slice(origin.length) || '/');
    return new Response(method === 'HEAD' ? null : answer.body, { status: answer.status, headers: out });
  };
}
