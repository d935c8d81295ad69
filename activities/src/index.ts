import { createModelActivities } from './models/model.activities';
import type { ModelProvider } from './models/provider';
import { createIngestActivities } from './rag/ingest.activities';
import { createNodeActivities } from './nodes/node.activities';
import type { createEgress } from './rag/egress';
import { createRagActivities } from './rag/rag.activities';
import { createRebuildActivities } from './rag/rebuild.activities';
import { createSelfCheckActivities, type SelfCheckDeps } from './self-check.activities';
import type { ArtifactStore } from './artifacts/artifact-store';

export type { SelfCheckRecord } from './self-check.activities';
export { chromaClientFor } from './chroma';
export { createDatabasePool, databaseUnavailableReason, inTransaction } from './db';
export * from './models/provider';
export { createModelProvider, chooseProvider, resolveModelsDir } from './models/config';
export { createLocalProvider, defaultModelThreads } from './models/local-provider';
export { readModelManifest, type ManifestModel } from './models/manifest';
export { createModelsRepo, type ModelsRepo, type RegisteredModel } from './models/models-repo';
export { runEventsChannel, type GenerateTextInput, type EmbedTextsInput } from './models/model.activities';
export { createCollectionsRepo, collectionNamePattern, type Collection, type CollectionsRepo } from './rag/collections-repo';
export { ingestSummary, chromaCollectionFor, defaultGlob, type IngestSource, type IngestSummary, type IngestCounts, type IngestOutcome } from './rag/ingest.activities';
export { createRetriever, defaultFusion, fusionPool, type FusionWeights, type Retriever, type RetrievalMode, type RetrieverCaches } from './rag/retrieval';
export type { RebuildPlan, RebuildSummary } from './rag/rebuild.activities';
export { createEgress, egressPolicyFromEnv, EgressRefusedError } from './rag/egress';
export { chunkSizeFor } from './rag/chunker';
export { temporalConnectionEnv, temporalConnectionOptions, describeTemporalSecurity, type TemporalConnectionEnv, type TemporalConnectionOptions } from './temporal-connection';
export { createRunStore, previewOf, storableJson, storableText, type RunStore } from './nodes/run-store';
export type { NodeActivities } from './nodes/node.activities';
export { artifactStoreEnv, artifactStoreFromEnv, type ArtifactStore } from './artifacts/artifact-store';

/** Worker options every Astra worker uses: heartbeats reach the server within a second, so a node hears of its cancellation at once. */
export const workerHeartbeats = { defaultHeartbeatThrottleInterval: '1 second', maxHeartbeatThrottleInterval: '5 seconds' } as const;

export interface ActivityDeps extends SelfCheckDeps {
  models: ModelProvider;
  egress: ReturnType<typeof createEgress>;
  /** Astra's data folder, which ingest never reads (but for a collection's own uploads). */
  dataDir?: string;
  /** The S3 artifact store for uploads and job folders, when configured (else the shared data folder). */
  artifacts?: ArtifactStore;
}

/** Every activity the worker registers, built over its dependencies so tests can pass real services. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSelfCheckActivities(deps),
    ...createModelActivities(deps),
    ...createIngestActivities(deps),
    ...createRagActivities(deps),
    ...createRebuildActivities(deps),
    ...createNodeActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
