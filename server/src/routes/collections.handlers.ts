import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ScheduleNotFoundError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { chromaCollectionFor, type Collection, type RebuildSummary } from '@astra/activities';
import { rebuildProgressSchema, type workflows } from '@astra/workflows';
import type { AppDeps, AppRouteHandler } from '../app-types';
import type { deleteCollection, listCollections, listDocuments, rebuildStatus, showCollection, startRebuild } from './collections.routes';
import { temporalScheduleId } from './schedules.handlers';

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

  listDocuments: (async (c) => {
    const { name } = c.req.valid('param');
    const { limit } = c.req.valid('query');
    const collection = await deps.collections.find(c.get('user').id, name);
    if (!collection) return c.json({ error: `no collection named "${name}"` }, 404);
    const rows = (await deps.pool.query<{ source: string; title: string | null; status: 'indexed' | 'failed'; error: string | null; chunks: number; version: number; updated_at: Date; total: string }>(
      `select source, title, status, error, coalesce(array_length(chunk_ids, 1), 0) as chunks, version, updated_at, count(*) over () as total
         from documents where collection_id = $1 order by updated_at desc, source limit $2`,
      [collection.id, limit],
    )).rows;
    return c.json({
      documents: rows.map((row) => ({ source: row.source, title: row.title, status: row.status, error: row.error, chunks: row.chunks, version: row.version, updatedAt: row.updated_at.toISOString() })),
      total: rows.length > 0 ? Number(rows[0]!.total) : 0,
    }, 200);
  }) satisfies AppRouteHandler<typeof listDocuments>,

  deleteCollection: (async (c) => {
    const { name } = c.req.valid('param');
    const user = c.get('user');
    const collection = await deps.collections.find(user.id, name);
    if (!collection) return c.json({ error: `no collection named "${name}"` }, 404);
    const stats = await deps.collections.stats(collection.id);
    // The schedules' rows go with the collection (on delete cascade); their Temporal Schedules would go on
    // firing ingests into a collection that no longer exists, so they are deleted first.
    const feeding = (await deps.pool.query<{ name: string; owner_id: string }>('select name, owner_id from schedules where collection_id = $1 order by name', [collection.id])).rows;
    for (const schedule of feeding) {
      await deps.temporal.schedule.getHandle(temporalScheduleId(schedule.owner_id, schedule.name)).delete().catch((error: unknown) => {
        // Already gone from Temporal is what we want; anything else stops the delete before data is lost.
        if (!(error instanceof ScheduleNotFoundError)) throw error;
      });
    }
    // Vectors first: if this fails the ledger still says what to delete, and a retry finishes the job.
    await chromaCollectionFor(deps.chroma, collection);
    await deps.chroma.deleteCollection({ name: collection.chromaName });
    await deps.collections.remove(collection.id);
    // The collection's uploads go with it: nothing else refers to them, and they are the user's files.
    await rm(path.join(deps.env.dataDir, 'uploads', collection.id), { recursive: true, force: true });
    await deps.env.artifacts?.removeAll(`uploads/${collection.id}/`);
    deps.logger.info({ event: 'collection.deleted', name, schedules: feeding.map((schedule) => schedule.name), by: user.username });
    return c.json({ deleted: name, documents: stats.documents + stats.failed, chunks: stats.chunks, schedulesDeleted: feeding.map((schedule) => schedule.name) }, 200);
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
      const progress = rebuildProgressSchema.safeParse(await handle.query('progress').catch(() => undefined));
      return c.json({ ...base, ...(progress.success ? progress.data : {}) }, 200);
    }
    if (state === 'completed') {
      const summary: RebuildSummary = await handle.result();
      return c.json({ ...base, ...summary, done: summary.chunks }, 200);
    }
    const error = await handle.result().then(() => null, innermost);
    return c.json({ ...base, error }, 200);
  }) satisfies AppRouteHandler<typeof rebuildStatus>,
});
