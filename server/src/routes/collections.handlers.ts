import { rm } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { chromaCollectionFor, type Collection, type RebuildSummary } from '@astra/activities';
import type { RebuildProgress, workflows } from '@astra/workflows';
import type { AppDeps, AppRouteHandler } from '../app-types';
import type { deleteCollection, listCollections, rebuildStatus, showCollection, startRebuild } from './collections.routes';

type RebuildState = 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';

const rebuildStates: Record<string, RebuildState> = {
  RUNNING: 'running',
  CONTINUED_AS_NEW: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed_out',
};

/** One rebuild of a collection at a time: the workflow id is the collection's. */
const rebuildWorkflowId = (collection: Collection) => `rebuild-${collection.id}`;

/** The innermost message of a failure chain (WorkflowFailedError → ActivityFailure → the activity's error). */
function innermost(error: unknown): string {
  let reason: unknown = error;
  while (reason instanceof Error && reason.cause instanceof Error) reason = reason.cause;
  return reason instanceof Error ? reason.message : String(reason);
}

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

  startRebuild: (async (c) => {
    const { name } = c.req.valid('param');
    const user = c.get('user');
    const collection = await deps.collections.find(user.id, name);
    if (!collection) return c.json({ error: `no collection named "${name}"` }, 404);
    // The rebuild's last step removes vectors the ledger does not know; an ingest writes vectors before its ledger rows.
    const unfinished = (await deps.pool.query<{ workflow_id: string }>('select workflow_id from ingest_runs where collection_id = $1 and finished_at is null', [collection.id])).rows;
    for (const { workflow_id: workflowId } of unfinished) {
      const running = await deps.temporal.workflow.getHandle(workflowId).describe().then((d) => d.status.name === 'RUNNING', (error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      });
      if (running) return c.json({ error: `an ingest into "${name}" is running (workflow ${workflowId}); rebuild once it has ended` }, 409);
    }
    const workflowId = rebuildWorkflowId(collection);
    try {
      await deps.temporal.workflow.start<typeof workflows.rebuildCollection>('rebuildCollection', {
        taskQueue: deps.env.ASTRA_TASK_QUEUE,
        workflowId,
        args: [{ collectionId: collection.id }],
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return c.json({ error: `a rebuild of "${name}" is already running (workflow ${workflowId}); follow it with astra collections rebuild ${name}` }, 409);
      throw error;
    }
    deps.logger.info({ event: 'collection.rebuild-started', name, workflowId, by: user.username });
    return c.json({ workflowId, collection: name }, 202);
  }) satisfies AppRouteHandler<typeof startRebuild>,

  rebuildStatus: (async (c) => {
    const { name } = c.req.valid('param');
    const collection = await deps.collections.find(c.get('user').id, name);
    if (!collection) return c.json({ error: `no collection named "${name}"` }, 404);
    const workflowId = rebuildWorkflowId(collection);
    const handle = deps.temporal.workflow.getHandle<typeof workflows.rebuildCollection>(workflowId);
    let state: RebuildState;
    try {
      state = rebuildStates[(await handle.describe()).status.name] ?? 'failed';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return c.json({ error: `collection "${name}" has not been rebuilt` }, 404);
      throw error;
    }
    const base = { collection: name, workflowId, status: state, documents: null, chunks: null, done: 0, vectors: null, removed: null, error: null };
    if (state === 'running') {
      // Asked of the workflow itself; a worker busy or away for a moment leaves the counts unknown, not the answer.
      const progress = await handle.query<RebuildProgress>('progress').catch(() => undefined);
      return c.json({ ...base, ...(progress ?? {}) }, 200);
    }
    if (state === 'completed') {
      const summary: RebuildSummary = await handle.result();
      return c.json({ ...base, ...summary, done: summary.chunks }, 200);
    }
    const error = await handle.result().then(() => null, innermost);
    return c.json({ ...base, error }, 200);
  }) satisfies AppRouteHandler<typeof rebuildStatus>,
});
