import { getCookie } from 'hono/cookie';
import type { AppDeps, AppRouteHandler } from '../app-types';
import { sessionCookie } from '../auth/auth.middleware';
import { auditRequest } from '../audit/audit-request';
import type * as routes from './account.routes';

export const accountHandlers = (deps: AppDeps) => {
  const audit = auditRequest(deps);
  return {
    changePassword: (async (c) => {
      if (deps.env.ASTRA_LOCAL_PASSWORDS === 'off') return c.json({ error: 'password sign-in is turned off here (ASTRA_LOCAL_PASSWORDS=off): there is no password to change' }, 403);
      const { currentPassword, newPassword } = c.req.valid('json');
      const user = c.get('user');
      const outcome = await deps.users.changePassword(user.id, currentPassword, newPassword);
      if (outcome === 'no-password') return c.json({ error: 'your account signs in with OpenID Connect and has no password here' }, 400);
      if (outcome === 'wrong') {
        await audit(c, 'user.password-change', user.username, { outcome: 'failure', detail: { reason: 'wrong current password' } });
        return c.json({ error: 'the current password is wrong' }, 403);
      }
      // Whoever knew the old password is signed out everywhere else; the browser that changed it stays in.
      const endedSessions = await deps.credentials.endOtherSessions(user.id, getCookie(c, sessionCookie));
      await audit(c, 'user.password-change', user.username, { detail: { endedSessions } });
      return c.json({ endedSessions }, 200);
    }) satisfies AppRouteHandler<typeof routes.changePassword>,

    listUserNames: (async (c) => {
      const { q } = c.req.valid('query');
      return c.json({ users: (await deps.users.names(q)).map((username) => ({ username })) }, 200);
    }) satisfies AppRouteHandler<typeof routes.listUserNames>,
  };
};
