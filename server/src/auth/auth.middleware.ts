import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-types';
import type { CredentialsRepo, Principal } from './credentials-repo';
import type { Role } from './users-repo';
import { isPublic } from './public-routes';

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

/**
 * Every request is authenticated (API token or session cookie) unless it is on the public list.
 * A cookie-authenticated change must come from our own origin, so no other site can make one (CSRF).
 */
export function authenticate(credentials: CredentialsRepo, ownOrigin: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const path = rawPath(c.req.url);
    if (isPublic(c.req.method, path)) return next();
    let principal: Principal | undefined;
    const header = c.req.header('authorization');
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      principal = match ? await credentials.tokenPrincipal(match[1]!) : undefined;
    } else {
      const session = getCookie(c, sessionCookie);
      if (session) principal = await credentials.sessionPrincipal(session);
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
