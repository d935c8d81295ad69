import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Context } from 'hono';
import type { AppDeps, AppEnv, AppRouteHandler } from '../app-types';
import { sessionCookie } from '../auth/auth.middleware';
import { UsernameTakenError } from '../auth/users-repo';
import type { login, loginLink, logout, me, register } from './auth.routes';

const failureWindowMs = 15 * 60_000;
const maxFailures = 10;

/** Failed logins per username in the last window, so a password cannot be guessed at speed. */
function createLoginThrottle() {
  const failures = new Map<string, number[]>();
  const recent = (username: string) => (failures.get(username) ?? []).filter((at) => Date.now() - at < failureWindowMs);
  return {
    blocked: (username: string) => recent(username).length >= maxFailures,
    fail: (username: string) => failures.set(username, [...recent(username), Date.now()]),
    clear: (username: string) => failures.delete(username),
  };
}

export const authHandlers = (deps: AppDeps) => {
  const throttle = createLoginThrottle();
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
      if (throttle.blocked(username)) return c.json({ error: 'too many failed attempts; wait 15 minutes' }, 429);
      const user = await deps.users.checkPassword(username, password);
      if (!user) {
        throttle.fail(username);
        return c.json({ error: 'wrong username or password' }, 401);
      }
      throttle.clear(username);
      await startSession(c, user.id);
      return c.json({ user: { id: user.id, username: user.username, role: user.role } }, 200);
    }) satisfies AppRouteHandler<typeof login>,

    register: (async (c) => {
      if (deps.env.ASTRA_SIGNUP === 'closed') return c.json({ error: 'sign-up is closed; ask an admin to create your account' }, 403);
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
