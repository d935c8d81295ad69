import { rm } from 'node:fs/promises';
import path from 'node:path';
import { chromaCollectionFor } from '@astra/activities';
import type { AppDeps, AppRouteHandler } from '../app-types';
import type { deleteCollection, listCollections, showCollection } from './collections.routes';

export const collectionsHandlers = (deps: AppDeps) => ({
  listCollections: (async (c) => {
    const collections = await deps.collections.list(c.get('user').id);
    return c.json({ collections: collections.map(({ name, embeddingModel, chunkTokens, overlapTokens, createdAt, documents, failed, chunks }) => ({ name, embeddingModel, chunkTokens, overlapTokens, createdAt, documents, failed, chunks })) }, 200);
  }) satisfies AppRouteHandler<typeof listCollections>,

  showCollection: (async (c) => {
    const { name } = c.req.valid('param');
    const collection = await deps.collections.find(c.get('user').id, name);
    if (!collection) return c.json({ error: `no collection named "${name}"` }, 404);
    const stats = await deps.collections.stats(collection.id);
    const ingests = (await deps.pool.query<{ workflow_id: string; source: string; started_at: Date; finished_at: Date | null; summary: unknown }>(
      'select workflow_id, source, started_at, finished_at, summary from ingest_runs where collection_id = $1 order by started_at desc limit 10',
      [collection.id],
    )).rows;
    return c.json({
      collection: { name, embeddingModel: collection.embeddingModel, chunkTokens: collection.chunkTokens, overlapTokens: collection.overlapTokens, createdAt: collection.createdAt, ...stats },
      ingests: ingests.map((run) => ({ workflowId: run.workflow_id, source: run.source, startedAt: run.started_at.toISOString(), finishedAt: run.finished_at?.toISOString() ?? null, summary: run.summary })),
    }, 200);
  }) satisfies AppRouteHandler<typeof showCollection>,

  deleteCollection: (async (c) => {
    const { name } = c.req.valid('param');
    const collection = await deps.collections.find(c.get('user').id, name);
    if (!collection) return c.json({ error: `no collection named "${name}"` }, 404);
    const stats = await deps.collections.stats(collection.id);
    // Vectors first: if this fails the ledger still says what to delete, and a retry finishes the job.
    await chromaCollectionFor(deps.chroma, collection);
    await deps.chroma.deleteCollection({ name: collection.chromaName });
    await deps.collections.remove(collection.id);
    // The collection's uploads go with it: nothing else refers to them, and they are the user's files.
    await rm(path.join(deps.env.dataDir, 'uploads', collection.id), { recursive: true, force: true });
    deps.logger.info({ event: 'collection.deleted', name, by: c.get('user').username });
    return c.json({ deleted: name, documents: stats.documents + stats.failed, chunks: stats.chunks }, 200);
  }) satisfies AppRouteHandler<typeof deleteCollection>,
});
