import type { AppDeps, AppRouteHandler } from '../app-types';
import type { Principal } from '../auth/credentials-repo';
import type { listModels, showModel } from './models.routes';

export const modelsHandlers = (deps: AppDeps) => {
  /** The models this caller may use: the editor's pickers read this list. */
  const usable = async (caller: Principal) => deps.access.usable(caller, 'model', await deps.models.list(), (model) => model.name);
  return {
    listModels: (async (c) => c.json({ provider: deps.models.provider, models: await usable(c.get('user')) }, 200)) satisfies AppRouteHandler<typeof listModels>,
    showModel: (async (c) => {
      const { name } = c.req.valid('param');
      const models = await usable(c.get('user'));
      const model = models.find((candidate) => candidate.name === name);
      if (!model) return c.json({ error: `unknown model "${name}"; available: ${models.map((m) => m.name).join(', ') || '(none)'}` }, 404);
      return c.json({ model }, 200);
    }) satisfies AppRouteHandler<typeof showModel>,
  };
};
