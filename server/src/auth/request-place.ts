import type { Context } from 'hono';
import type { AppEnv } from '../app-types';
import type { RequestPlace } from './credentials-repo';

/**
 * The client's address: the socket's, or behind a trusted reverse proxy the nearest untrusted hop of
 * X-Forwarded-For. Otherwise the header is ignored, since any client can write one.
 */
export function clientAddress(c: Context<AppEnv>, trustedProxies: readonly string[]): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  const socket = env?.incoming?.socket?.remoteAddress ?? 'unknown';
  if (!trustedProxies.includes(socket)) return socket;
  const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map((hop) => hop.trim()).filter(Boolean);
  return hops.reverse().find((hop) => !trustedProxies.includes(hop)) ?? socket;
}

/** Where a request came from, as sessions, tokens and the audit log keep it. */
export function requestPlace(c: Context<AppEnv>, trustedProxies: readonly string[]): RequestPlace {
  return { ip: clientAddress(c, trustedProxies), userAgent: c.req.header('user-agent')?.slice(0, 500) ?? null };
}
