// The repositories and model-backed services the app reads and writes, over one pool: built the same
// way by the server's main and by the tests' app.
import type pg from 'pg';
import type { ChromaClient } from 'chromadb';
import { createCollectionsRepo, createRetriever, type ModelProvider, type RetrieverCaches } from '@astra/activities';
import { createAppsRepo } from './chat/apps-repo';
import { createConversationsRepo } from './chat/conversations-repo';
import { createKeysRepo } from './chat/keys-repo';
import { createFlowsRepo } from './flows/flows-repo';
import { createRunsRepo } from './flows/runs-repo';
import { createAuditLog } from './audit/audit-log';
import { createModelAccess } from './auth/model-access';

/** `caches`: the retriever's cache sizes (a test that loses Chroma's data on purpose turns result caching off). */
export function appStores(pool: pg.Pool, chroma: ChromaClient, inference: ModelProvider, caches?: Partial<RetrieverCaches>) {
  return {
    collections: createCollectionsRepo(pool),
    retriever: createRetriever({ pool, chroma, models: inference, ...(caches ? { caches } : {}) }),
    flows: createFlowsRepo(pool),
    runs: createRunsRepo(pool),
    apps: createAppsRepo(pool),
    keys: createKeysRepo(pool),
    conversations: createConversationsRepo(pool),
    audit: createAuditLog(pool),
    access: createModelAccess(pool),
    inference,
  };
}
