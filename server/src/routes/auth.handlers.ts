import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Context } from 'hono';
import type { AppDeps, AppEnv, AppRouteHandler } from '../app-types';
import { sessionCookie } from '../auth/auth.middleware';
import { createLoginThrottle } from '../auth/login-throttle';
import { UsernameTakenError } from '../auth/users-repo';
import type { login, loginLink, logout, me, register } from './auth.routes';

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

const retryAfter = (c: Context<AppEnv>, ms: number) => {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  c.header('Retry-After', String(seconds));
  return seconds;
};

export const authHandlers = (deps: AppDeps) => {
  const throttle = deps.loginThrottle ?? createLoginThrottle();
  const startSession = async (c: Context<AppEnv>, userId: string) => {
    const session = await deps.credentials.createSession(userId);
    setCookie(c, sessionCookie, session.secret, {
      httpOnly: true,
      sameSite: 'Lax',
      secure: deps.env.publicUrl.startsWith('https:'),
      path: '/',
      expires: session.expiresAt,
    });
  };
  return {
    login: (async (c) => {
      const { username, password } = c.req.valid('json');
      const ip = clientAddress(c, deps.env.ASTRA_TRUSTED_PROXIES);
      const wait = await throttle.wait(ip, username);
      if (wait !== undefined) return c.json({ error: `too many failed logins from this address; try again in ${retryAfter(c, wait)} s` }, 429);
      const user = await deps.users.checkPassword(username, password);
      if (!user) {
        await throttle.failed(ip, username);
        return c.json({ error: 'wrong username or password' }, 401);
      }
      await throttle.succeeded(ip, username);
      await startSession(c, user.id);
      return c.json({ user: { id: user.id, username: user.username, role: user.role } }, 200);
    }) satisfies AppRouteHandler<typeof login>,

    register: (async (c) => {
      if (deps.env.ASTRA_SIGNUP === 'closed') return c.json({ error: 'sign-up is closed; ask an admin to create your account' }, 403);
      const wait = await throttle.registration(clientAddress(c, deps.env.ASTRA_TRUSTED_PROXIES));
      if (wait !== undefined) return c.json({ error: `too many registrations from this address; try again in ${retryAfter(c, wait)} s` }, 429);
      const { username, password } = c.req.valid('json');
      try {
        const user = await deps.users.create({ username, password, role: 'pending' });
        return c.json({ user }, 201);
      } catch (error) {
        if (error instanceof UsernameTakenError) return c.json({ error: error.message }, 409);
        throw error;
      }
    }) satisfies AppRouteHandler<typeof register>,

    logout: (async (c) => {
      const session = getCookie(c, sessionCookie);
      if (session) await deps.credentials.deleteSession(session);
      deleteCookie(c, sessionCookie, { path: '/' });
      return c.body(null, 204);
    }) satisfies AppRouteHandler<typeof logout>,

    me: ((c) => {
      const { id, username, role } = c.get('user');
      return c.json({ user: { id, username, role } }, 200);
    }) satisfies AppRouteHandler<typeof me>,

    loginLink: (async (c) => {
      const principal = await deps.credentials.consumeLoginLink(c.req.valid('param').token);
      if (!principal) return c.json({ error: 'this login link is unknown, already used or expired; restart Astra or ask an admin for a new one' }, 401);
      await startSession(c, principal.id);
      return c.redirect('/', 302);
    }) satisfies AppRouteHandler<typeof loginLink>,
  };
};
