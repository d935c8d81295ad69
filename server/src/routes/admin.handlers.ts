import type { AppDeps, AppRouteHandler } from '../app-types';
import { auditRequest } from '../audit/audit-request';
import type * as routes from './admin.routes';

export const adminHandlers = (deps: AppDeps) => {
  const audit = auditRequest(deps);
  return {
    listAudit: (async (c) => c.json({ events: await deps.audit.list(c.req.valid('query')) }, 200)) satisfies AppRouteHandler<typeof routes.listAudit>,

    exportAudit: (async (c) => {
      const events = await deps.audit.list(c.req.valid('query'));
      return new Response(events.map((event) => `${JSON.stringify(event)}\n`).join(''), {
        status: 200,
        headers: { 'Content-Type': 'application/x-ndjson', 'Content-Disposition': 'attachment; filename="astra-audit.jsonl"' },
      });
    }) satisfies AppRouteHandler<typeof routes.exportAudit>,

    listModelAccess: (async (c) => {
      const [rules, models, apps] = await Promise.all([deps.access.rules(), deps.models.list(), deps.apps.all()]);
      return c.json({
        rules,
        models: models.map((model) => ({ name: model.name, kind: model.kind, provider: model.provider })),
        apps: apps.map((app) => ({ slug: app.slug, title: app.title, owner: app.owner })),
      }, 200);
    }) satisfies AppRouteHandler<typeof routes.listModelAccess>,

    setModelAccess: (async (c) => {
      const { kind, name } = c.req.valid('param');
      const body = c.req.valid('json');
      const exists = kind === 'model' ? (await deps.models.list()).some((model) => model.name === name) : !!(await deps.apps.bySlug(name));
      if (!exists) return c.json({ error: `no ${kind} "${name}"` }, 404);
      const { unknownUsers } = await deps.access.set(c.get('user'), { kind, name, users: body.users, roles: body.roles });
      if (unknownUsers.length > 0) return c.json({ error: `invalid request: users: no such user: ${unknownUsers.join(', ')}` }, 400);
      const rule = (await deps.access.rules()).find((candidate) => candidate.kind === kind && candidate.name === name) ?? null;
      await audit(c, 'model-access.change', `${kind}:${name}`, { detail: { users: rule?.users ?? [], roles: rule?.roles ?? [], open: rule === null } });
      return c.json({ rule }, 200);
    }) satisfies AppRouteHandler<typeof routes.setModelAccess>,
  };
};
