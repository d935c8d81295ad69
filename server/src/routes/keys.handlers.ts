import type { AppDeps, AppRouteHandler } from '../app-types';
import { mayUse } from '../chat/apps-repo';
import { parseExpiry } from '../chat/keys-repo';
import type * as routes from './keys.routes';
import { auditRequest } from '../audit/audit-request';

export const keysHandlers = (deps: AppDeps) => {
  const audit = auditRequest(deps);
  return {
  listKeys: (async (c) => c.json({ keys: await deps.keys.list(c.get('user').id) }, 200)) satisfies AppRouteHandler<typeof routes.listKeys>,

  createKey: (async (c) => {
    const user = c.get('user');
    const body = c.req.valid('json');
    let expiresAt: Date | null = null;
    if (body.expires !== undefined) {
      const ms = parseExpiry(body.expires);
      if (ms === undefined) return c.json({ error: `invalid request: expires: "${body.expires}" is not a duration such as 30d, 12h or 2w` }, 400);
      expiresAt = new Date(Date.now() + ms);
    }
    let appIds: string[] | null = null;
    if (body.apps) {
      appIds = [];
      for (const slug of body.apps) {
        const app = await deps.apps.bySlug(slug);
        if (!app || !mayUse(user, app)) return c.json({ error: `no app "${slug}" that you may use` }, 404);
        if (app.visibility === 'private') return c.json({ error: `invalid request: apps: app "${slug}" is private, so no key reaches it; make it shared or "keys" (astra apps share) first` }, 400);
        appIds.push(app.id);
      }
    }
    const created = await deps.keys.create(user.id, { name: body.name, appIds, expiresAt, ratePerMinute: body.ratePerMinute });
    deps.logger.info({ event: 'key.created', id: created.record.id, by: user.username, apps: body.apps ?? 'all' });
    await audit(c, 'key.create', created.record.id, { detail: { name: body.name, apps: body.apps ?? 'all', expiresAt: expiresAt?.toISOString() ?? null } });
    return c.json(created, 201);
  }) satisfies AppRouteHandler<typeof routes.createKey>,

  revokeKey: (async (c) => {
    const user = c.get('user');
    const { id } = c.req.valid('param');
    if (!(await deps.keys.revoke(user.id, id))) return c.json({ error: `you have no live key "${id}"` }, 404);
    deps.logger.info({ event: 'key.revoked', key: id, by: user.username });
    await audit(c, 'key.revoke', id);
    return c.body(null, 204);
  }) satisfies AppRouteHandler<typeof routes.revokeKey>,
};
};
