import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-types';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { CredentialsRepo } from './credentials-repo';
import type { KeysRepo } from '../chat/keys-repo';
import { keyPrefix } from '../chat/keys-repo';
import type { Role } from './users-repo';
import { isPublic } from './public-routes';
import { requestPlace } from './request-place';

export const sessionCookie = 'astra_session';

/** What a pending user may do before approval: see who they are and log out. */
const pendingAllowed = new Set(['GET /api/auth/me', 'POST /api/auth/logout']);

function rawPath(url: string): string {
  // The path exactly as sent: no decoding, no normalising.
  const afterScheme = url.indexOf('://');
  const pathStart = url.indexOf('/', afterScheme + 3);
  const end = url.search(/[?#]/);
  return url.slice(pathStart, end === -1 ? undefined : end);
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The only places an API key reaches: the chat surfaces (an API token or a session reaches everything). */
const keyRoutes = /^\/(v1|ollama)(\/|$)|^\/api\/(apps|conversations)(\/|$)/;

/** Requests per minute, counted per key, with its own limit; one limiter per distinct limit. */
function keyRateLimits() {
  const limiters = new Map<number, RateLimiterMemory>();
  return async (keyId: string, perMinute: number): Promise<number | undefined> => {
    let limiter = limiters.get(perMinute);
    if (!limiter) limiters.set(perMinute, (limiter = new RateLimiterMemory({ keyPrefix: `api-key-${perMinute}`, points: perMinute, duration: 60 })));
    try {
      await limiter.consume(keyId);
      return undefined;
    } catch (refusal) {
      return refusal instanceof RateLimiterRes ? refusal.msBeforeNext : 1000;
    }
  };
}

/** The secret a request presents: `Authorization: Bearer …`, or `x-api-key` as some OpenAI-style clients send it. */
function presentedSecret(authorization: string | undefined, apiKeyHeader: string | undefined): string | null | undefined {
  if (authorization) return /^Bearer\s+(\S+)$/i.exec(authorization)?.[1] ?? null;
  if (apiKeyHeader) return apiKeyHeader.trim() || null;
  return undefined;
}

/**
 * Every request is authenticated (API token or session cookie) unless it is on the public list.
 * A cookie-authenticated change must come from our own origin, so no other site can make one (CSRF).
 */
export function authenticate(credentials: CredentialsRepo, keys: KeysRepo, ownOrigin: string, trustedProxies: readonly string[] = []) {
  const rateLimited = keyRateLimits();
  return createMiddleware<AppEnv>(async (c, next) => {
    const path = rawPath(c.req.url);
    if (isPublic(c.req.method, path)) return next();
    let principal: AppEnv['Variables']['user'] | undefined;
    const place = requestPlace(c, trustedProxies);
    const secret = presentedSecret(c.req.header('authorization'), c.req.header('x-api-key'));
    if (secret?.startsWith(`${keyPrefix}_`)) {
      const found = await keys.caller(secret, place);
      if (found && 'refused' in found) return c.json({ error: found.refused }, 401);
      if (found) {
        if (!keyRoutes.test(path)) return c.json({ error: 'an API key reaches the chat apps only (/v1, /ollama, /api/apps, /api/conversations); use an API token for the rest of the API' }, 403);
        const waitMs = await rateLimited(found.caller.key!.id, found.ratePerMinute);
        if (waitMs !== undefined) {
          c.header('Retry-After', String(Math.max(1, Math.ceil(waitMs / 1000))));
          return c.json({ error: `this API key is limited to ${found.ratePerMinute} requests a minute; try again in ${Math.ceil(waitMs / 1000)} s` }, 429);
        }
        principal = found.caller;
      }
    } else if (secret) {
      principal = await credentials.tokenPrincipal(secret, place);
    } else if (secret === null) {
      principal = undefined;
    } else {
      const session = getCookie(c, sessionCookie);
      if (session) principal = await credentials.sessionPrincipal(session, place);
      if (principal && !safeMethods.has(c.req.method)) {
        const origin = c.req.header('origin');
        const sameSite = origin ? origin === ownOrigin : c.req.header('sec-fetch-site') === 'same-origin';
        if (!sameSite) return c.json({ error: 'cross-site request refused: send changes from the Astra page itself or with an API token' }, 403);
      }
    }
    if (!principal) return c.json({ error: 'authentication required: send an API token (Authorization: Bearer ...) or log in' }, 401);
    if (principal.role === 'pending' && !pendingAllowed.has(`${c.req.method} ${path}`)) {
      return c.json({ error: 'your account is waiting for an admin to approve it' }, 403);
    }
    c.set('user', principal);
    return next();
  });
}

export function requireRole(...roles: Role[]) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!roles.includes(c.get('user').role)) return c.json({ error: `this needs the ${roles.join(' or ')} role` }, 403);
    return next();
  });
}
