import type { AppDeps, AppRouteHandler } from '../app-types';
import type { listModels, showModel } from './models.routes';

export const modelsHandlers = (deps: AppDeps) => ({
  listModels: (async (c) => c.json({ provider: deps.models.provider, models: await deps.models.list() }, 200)) satisfies AppRouteHandler<typeof listModels>,
  showModel: (async (c) => {
    const { name } = c.req.valid('param');
    const models = await deps.models.list();
    const model = models.find((candidate) => candidate.name === name);
    if (!model) return c.json({ error: `unknown model "${name}"; available: ${models.map((m) => m.name).join(', ') || '(none)'}` }, 404);
    return c.json({ model }, 200);
  }) satisfies AppRouteHandler<typeof showModel>,
});
