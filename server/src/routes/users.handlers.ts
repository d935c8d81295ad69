import type { AppDeps, AppRouteHandler } from '../app-types';
import { UsernameTakenError } from '../auth/users-repo';
import { auditRequest } from '../audit/audit-request';
import type * as routes from './users.routes';

export const usersHandlers = (deps: AppDeps) => {
  const audit = auditRequest(deps);
  const noUser = (username: string) => ({ error: `no user named "${username}"` });
  return {
    listUsers: (async (c) => c.json({ users: await deps.users.list() }, 200)) satisfies AppRouteHandler<typeof routes.listUsers>,

    createUser: (async (c) => {
      const input = c.req.valid('json');
      try {
        const user = await deps.users.create(input);
        deps.logger.info({ event: 'user.created', username: user.username, role: user.role, by: c.get('user').username });
        await audit(c, 'user.create', user.username, { detail: { role: user.role } });
        return c.json({ user }, 201);
      } catch (error) {
        if (error instanceof UsernameTakenError) return c.json({ error: error.message }, 409);
        throw error;
      }
    }) satisfies AppRouteHandler<typeof routes.createUser>,

    approveUser: (async (c) => {
      const { username } = c.req.valid('param');
      const body: { role?: 'admin' | 'user' } | undefined = c.req.valid('json');
      const before = await deps.users.findByUsername(username);
      const user = await deps.users.approve(username, body?.role ?? 'user');
      if (!user) return c.json(noUser(username), 404);
      deps.logger.info({ event: 'user.approved', username, role: user.role, by: c.get('user').username });
      await audit(c, 'user.approve', username, { detail: { from: before?.role ?? null, role: user.role } });
      return c.json({ user }, 200);
    }) satisfies AppRouteHandler<typeof routes.approveUser>,

    changeUserRole: (async (c) => {
      const { username } = c.req.valid('param');
      const { role } = c.req.valid('json');
      // An admin demoting themselves could leave the server with no admin at all.
      if (username === c.get('user').username) return c.json({ error: 'you cannot change your own role; ask another admin' }, 400);
      const before = await deps.users.findByUsername(username);
      const user = await deps.users.setRole(username, role);
      if (!user) return c.json(noUser(username), 404);
      if (user === 'pending') return c.json({ error: `"${username}" is waiting for approval: approve them with a role instead` }, 400);
      deps.logger.info({ event: 'user.role-changed', username, from: before?.role, role: user.role, by: c.get('user').username });
      await audit(c, 'user.role-change', username, { detail: { from: before?.role ?? null, role: user.role } });
      return c.json({ user }, 200);
    }) satisfies AppRouteHandler<typeof routes.changeUserRole>,

    suspendUser: (async (c) => {
      const { username } = c.req.valid('param');
      if (username === c.get('user').username) return c.json({ error: 'you cannot suspend yourself; ask another admin' }, 400);
      const user = await deps.users.setSuspended(username, true);
      if (!user) return c.json(noUser(username), 404);
      const ended = await deps.credentials.endEverything(user.id);
      await audit(c, 'user.suspend', username, { detail: { ended } });
      return c.json({ user, ended }, 200);
    }) satisfies AppRouteHandler<typeof routes.suspendUser>,

    reinstateUser: (async (c) => {
      const { username } = c.req.valid('param');
      const user = await deps.users.setSuspended(username, false);
      if (!user) return c.json(noUser(username), 404);
      await audit(c, 'user.unsuspend', username);
      return c.json({ user }, 200);
    }) satisfies AppRouteHandler<typeof routes.reinstateUser>,

    signOutUser: (async (c) => {
      const { username } = c.req.valid('param');
      const user = await deps.users.findByUsername(username);
      if (!user) return c.json(noUser(username), 404);
      const ended = await deps.credentials.endEverything(user.id);
      await audit(c, 'user.sign-out-everywhere', username, { detail: { ended } });
      return c.json({ ended }, 200);
    }) satisfies AppRouteHandler<typeof routes.signOutUser>,

    userCredentials: (async (c) => {
      const { username } = c.req.valid('param');
      const user = await deps.users.findByUsername(username);
      if (!user) return c.json(noUser(username), 404);
      const [sessions, tokens, keys] = await Promise.all([deps.credentials.sessions(user.id), deps.credentials.apiTokens(user.id), deps.keys.list(user.id)]);
      return c.json({ sessions: sessions.map((session) => ({ ...session, current: false })), tokens, keys }, 200);
    }) satisfies AppRouteHandler<typeof routes.userCredentials>,

    revokeUserSession: (async (c) => {
      const { username, id } = c.req.valid('param');
      const user = await deps.users.findByUsername(username);
      if (!user || !(await deps.credentials.revokeSession(user.id, id))) return c.json({ error: `"${username}" has no session "${id}"` }, 404);
      await audit(c, 'session.revoke', id, { detail: { owner: username } });
      return c.body(null, 204);
    }) satisfies AppRouteHandler<typeof routes.revokeUserSession>,
  };
};
