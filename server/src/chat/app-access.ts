import type { AppDeps } from '../app-types';
import type { Principal } from '../auth/credentials-repo';
import { modelsIn } from '../flows/run-service';
import type { StoredApp } from './apps-repo';

/**
 * Why this caller may not chat with the app under the admins' access rules, or undefined when they
 * may: the app itself restricted, or its flow calling a model they may not use.
 */
export async function appAccessRefusal(deps: Pick<AppDeps, 'access' | 'flows'>, caller: Principal, app: StoredApp): Promise<string | undefined> {
  if ((await deps.access.refused(caller, 'app', [app.slug])).size > 0) return `you may not use app "${app.slug}"; ask an admin for access`;
  const version = await deps.flows.version(app.flowId, app.version);
  const models = version ? modelsIn(version.graph) : [];
  const denied = await deps.access.refused(caller, 'model', models);
  const refused = models.find((name) => denied.has(name));
  return refused === undefined ? undefined : `you may not use model "${refused}", which app "${app.slug}" calls; ask an admin for access`;
}
