import { createModelActivities } from './models/model.activities';
import type { ModelProvider } from './models/provider';
import { createSelfCheckActivities, type SelfCheckDeps } from './self-check.activities';

export type { SelfCheckRecord } from './self-check.activities';
export { chromaClientFor } from './chroma';
export * from './models/provider';
export { createModelProvider, chooseProvider, resolveModelsDir } from './models/config';
export { createLocalProvider, defaultModelThreads } from './models/local-provider';
export { readModelManifest, type ManifestModel } from './models/manifest';
export { createModelsRepo, type ModelsRepo, type RegisteredModel } from './models/models-repo';
export type { GenerateTextInput, EmbedTextsInput } from './models/model.activities';

export interface ActivityDeps extends SelfCheckDeps {
  models: ModelProvider;
}

/** Every activity the worker registers, built over its dependencies so tests can pass real services. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSelfCheckActivities(deps),
    ...createModelActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
