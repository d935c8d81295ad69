import { createModelProvider, type ModelsRepo, type ModelProvider, type ProviderName } from '@astra/activities';

export interface CatalogModel {
  name: string;
  kind: 'generation' | 'embedding';
  provider: ProviderName;
  contextLength: number | null;
  dimension: number | null;
  /** Local models only: the registry's record of the file. */
  file?: { path: string; sha256: string; sizeBytes: number; architecture: string; sourcePackage: string; registeredAt: string };
  /** Fine-tuned models: the base they were tuned from, the LoRA GGUF served on top of `file` (null for a merged file), and their lineage. */
  fineTune?: { baseModel: string; loraPath: string | null; lineage: unknown };
}

/** The models the configured provider offers: the registry table for local models, the server's own list otherwise. */
export function createModelCatalog(deps: { provider: ProviderName; repo: ModelsRepo; env: NodeJS.ProcessEnv }) {
  let remote: Promise<ModelProvider> | undefined;
  return {
    provider: deps.provider,
    async list(): Promise<CatalogModel[]> {
      if (deps.provider !== 'local') {
        remote ??= createModelProvider(deps.env);
        return (await remote).listModels();
      }
      return (await deps.repo.list()).map((model) => ({
        name: model.name,
        kind: model.kind,
        provider: 'local' as const,
        contextLength: model.contextLength,
        dimension: model.dimension,
        file: { path: model.filePath, sha256: model.sha256, sizeBytes: model.sizeBytes, architecture: model.architecture, sourcePackage: model.sourcePackage, registeredAt: model.registeredAt },
        ...(model.baseModel ? { fineTune: { baseModel: model.baseModel, loraPath: model.loraPath ?? null, lineage: model.lineage ?? null } } : {}),
      }));
    },
  };
}

export type ModelCatalog = ReturnType<typeof createModelCatalog>;
