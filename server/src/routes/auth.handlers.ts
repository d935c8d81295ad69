import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Context } from 'hono';
import type { AppDeps, AppEnv, AppRouteHandler } from '../app-types';
import { sessionCookie } from '../auth/auth.middleware';
import { createLoginThrottle } from '../auth/login-throttle';
import { UsernameTakenError } from '../auth/users-repo';
import { clientAddress, requestPlace } from '../auth/request-place';
import { auditRequest } from '../audit/audit-request';
import type { login, loginLink, logout, me, register } from './auth.routes';

export { clientAddress };

const retryAfter = (c: Context<AppEnv>, ms: number) => {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  c.header('Retry-After', String(seconds));
  return seconds;
};

/** Signs the request's browser in: a new session, its cookie HttpOnly and SameSite=Lax. */
export const sessionStarter = (deps: AppDeps) => async (c: Context<AppEnv>, userId: string): Promise<void> => {
  const session = await deps.credentials.createSession(userId, requestPlace(c, deps.env.ASTRA_TRUSTED_PROXIES));
  setCookie(c, sessionCookie, session.secret, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: deps.env.publicUrl.startsWith('https:'),
    path: '/',
    expires: session.expiresAt,
  });
};

const passwordsOff = { error: 'password sign-in is turned off here (ASTRA_LOCAL_PASSWORDS=off); sign in with the OpenID Connect button' };

export const authHandlers = (deps: AppDeps) => {
  const throttle = deps.loginThrottle ?? createLoginThrottle();
  const audit = auditRequest(deps);
  const startSession = sessionStarter(deps);
  return {
    login: (async (c) => {
      if (deps.env.ASTRA_LOCAL_PASSWORDS === 'off') return c.json(passwordsOff, 403);
      const { username, password } = c.req.valid('json');
      const ip = clientAddress(c, deps.env.ASTRA_TRUSTED_PROXIES);
      const wait = await throttle.wait(ip, username);
      if (wait !== undefined) return c.json({ error: `too many failed logins from this address; try again in ${retryAfter(c, wait)} s` }, 429);
      const user = await deps.users.checkPassword(username, password);
      if (!user) {
        await throttle.failed(ip, username);
        await audit(c, 'auth.sign-in', username, { outcome: 'failure', actor: { id: null, username }, detail: { method: 'password', reason: 'wrong username or password' } });
        return c.json({ error: 'wrong username or password' }, 401);
      }
      await throttle.succeeded(ip, username);
      if (user.suspendedAt) {
        await audit(c, 'auth.sign-in', username, { outcome: 'failure', actor: { id: user.id, username }, detail: { method: 'password', reason: 'suspended' } });
        return c.json({ error: 'this account is suspended; ask an admin' }, 403);
      }
      await startSession(c, user.id);
      await audit(c, 'auth.sign-in', username, { actor: { id: user.id, username }, detail: { method: 'password' } });
      return c.json({ user: { id: user.id, username: user.username, role: user.role } }, 200);
    }) satisfies AppRouteHandler<typeof login>,

    register: (async (c) => {
      if (deps.env.ASTRA_LOCAL_PASSWORDS === 'off') return c.json(passwordsOff, 403);
      if (deps.env.ASTRA_SIGNUP === 'closed') return c.json({ error: 'sign-up is closed; ask an admin to create your account' }, 403);
      const wait = await throttle.registration(clientAddress(c, deps.env.ASTRA_TRUSTED_PROXIES));
      if (wait !== undefined) return c.json({ error: `too many registrations from this address; try again in ${retryAfter(c, wait)} s` }, 429);
      const { username, password } = c.req.valid('json');
      try {
        const user = await deps.users.create({ username, password, role: 'pending' });
        await audit(c, 'user.create', user.username, { actor: { id: user.id, username: user.username }, detail: { role: 'pending', via: 'sign-up' } });
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
      if (!principal) {
        await audit(c, 'auth.sign-in', null, { outcome: 'failure', actor: { id: null, username: '(login link)' }, detail: { method: 'login-link', reason: 'unknown, used or expired link' } });
        return c.json({ error: 'this login link is unknown, already used or expired; restart Astra or ask an admin for a new one' }, 401);
      }
      await startSession(c, principal.id);
      await audit(c, 'auth.sign-in', principal.username, { actor: { id: principal.id, username: principal.username }, detail: { method: 'login-link' } });
      return c.redirect('/', 302);
    }) satisfies AppRouteHandler<typeof loginLink>,
  };
};
