import type { AppDeps, AppRouteHandler } from '../app-types';
import { UsernameTakenError } from '../auth/users-repo';
import type { approveUser, createUser, listUsers } from './users.routes';

export const usersHandlers = (deps: AppDeps) => ({
  listUsers: (async (c) => c.json({ users: await deps.users.list() }, 200)) satisfies AppRouteHandler<typeof listUsers>,

  createUser: (async (c) => {
    const input = c.req.valid('json');
    try {
      const user = await deps.users.create(input);
      deps.logger.info({ event: 'user.created', username: user.username, role: user.role, by: c.get('user').username });
      return c.json({ user }, 201);
    } catch (error) {
      if (error instanceof UsernameTakenError) return c.json({ error: error.message }, 409);
      throw error;
    }
  }) satisfies AppRouteHandler<typeof createUser>,

  approveUser: (async (c) => {
    const { username } = c.req.valid('param');
    const body: { role?: 'admin' | 'user' } | undefined = c.req.valid('json');
    const user = await deps.users.approve(username, body?.role ?? 'user');
    if (!user) return c.json({ error: `no user named "${username}"` }, 404);
    deps.logger.info({ event: 'user.approved', username, role: user.role, by: c.get('user').username });
    return c.json({ user }, 200);
  }) satisfies AppRouteHandler<typeof approveUser>,
});
