import { getCookie } from 'hono/cookie';
import type { AppDeps, AppRouteHandler } from '../app-types';
import { sessionCookie } from '../auth/auth.middleware';
import { auditRequest } from '../audit/audit-request';
import type * as routes from './sessions.routes';

export const sessionsHandlers = (deps: AppDeps) => {
  const audit = auditRequest(deps);
  return {
    listSessions: (async (c) => {
      const cookie = getCookie(c, sessionCookie);
      const currentId = cookie ? await deps.credentials.sessionId(cookie) : undefined;
      const sessions = await deps.credentials.sessions(c.get('user').id);
      return c.json({ sessions: sessions.map((session) => ({ ...session, current: session.id === currentId })) }, 200);
    }) satisfies AppRouteHandler<typeof routes.listSessions>,

    revokeSession: (async (c) => {
      const { id } = c.req.valid('param');
      if (!(await deps.credentials.revokeSession(c.get('user').id, id))) return c.json({ error: `you have no session "${id}"` }, 404);
      await audit(c, 'session.revoke', id, { detail: { owner: c.get('user').username } });
      return c.body(null, 204);
    }) satisfies AppRouteHandler<typeof routes.revokeSession>,

    listTokens: (async (c) => c.json({ tokens: await deps.credentials.apiTokens(c.get('user').id) }, 200)) satisfies AppRouteHandler<typeof routes.listTokens>,

    revokeToken: (async (c) => {
      const { id } = c.req.valid('param');
      if (!(await deps.credentials.revokeApiToken(c.get('user').id, id))) return c.json({ error: `you have no API token "${id}"` }, 404);
      await audit(c, 'token.revoke', id, { detail: { owner: c.get('user').username } });
      return c.body(null, 204);
    }) satisfies AppRouteHandler<typeof routes.revokeToken>,
  };
};
