import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { chunkSizeFor, ingestSummary } from '@astra/activities';
import type { workflows } from '@astra/workflows';
import { ingestSourceFor } from './ingest-source';
import type { AppDeps, AppRouteHandler } from '../app-types';
import type { cancelIngest, ingestStatus, startIngest } from './ingest.routes';

type IngestState = 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out' | 'unknown';

const stateOf = (temporalStatus: string): IngestState => {
  switch (temporalStatus) {
    case 'RUNNING':
    case 'CONTINUED_AS_NEW':
      return 'running';
    case 'COMPLETED':
      return 'completed';
    case 'FAILED':
      return 'failed';
    case 'CANCELLED':
      return 'cancelled';
    case 'TERMINATED':
      return 'terminated';
    case 'TIMED_OUT':
      return 'timed_out';
    default:
      return 'unknown';
  }
};

export const ingestHandlers = (deps: AppDeps) => {
  const ownRun = async (workflowId: string, userId: string) =>
    (await deps.pool.query<{ source: string; collection: string; summary: { deleted?: number } | null }>(
      `select r.source, c.name as collection, r.summary from ingest_runs r join collections c on c.id = r.collection_id
        where r.workflow_id = $1 and r.owner_id = $2`,
      [workflowId, userId],
    )).rows[0];

  return {
    startIngest: (async (c) => {
      const body = c.req.valid('json');
      const user = c.get('user');
      const resolved = await ingestSourceFor(body, user, deps.env.dataDir);
      if ('error' in resolved) return c.json({ error: resolved.error }, resolved.status);
      const { source } = resolved;
      const existing = await deps.collections.find(user.id, body.collection);
      const embeddingModel = body.embeddingModel ?? existing?.embeddingModel ?? deps.env.ASTRA_EMBEDDING_MODEL;
      if (existing && existing.embeddingModel !== embeddingModel) {
        return c.json({ error: `collection "${body.collection}" is embedded with ${existing.embeddingModel}; a different model needs a new collection` }, 400);
      }
      const models = await deps.models.list();
      const model = models.find((candidate) => candidate.name === embeddingModel && candidate.kind === 'embedding');
      if (!model) {
        return c.json({ error: `unknown embedding model "${embeddingModel}"; available: ${models.filter((m) => m.kind === 'embedding').map((m) => m.name).join(', ') || '(none)'}` }, 400);
      }
      let sizes: { chunkTokens: number; overlapTokens: number };
      try {
        sizes = existing ?? chunkSizeFor(model.contextLength ?? 512, { chunkTokens: body.chunkTokens, overlapTokens: body.overlapTokens });
      } catch (error) {
        return c.json({ error: (error as Error).message }, 400);
      }
      const collection = existing ?? (await deps.collections.findOrCreate({ ownerId: user.id, name: body.collection, embeddingModel, ...sizes }));
      const workflowId = `ingest-${collection.name}-${randomUUID().slice(0, 8)}`;
      await deps.pool.query('insert into ingest_runs (workflow_id, collection_id, owner_id, source) values ($1, $2, $3, $4)', [
        workflowId, collection.id, user.id, source.kind === 'path' ? source.path : source.url,
      ]);
      await deps.temporal.workflow.start<typeof workflows.ingestCorpus>('ingestCorpus', {
        taskQueue: deps.env.ASTRA_TASK_QUEUE,
        workflowId,
        args: [{ collectionId: collection.id, source, ...(body.batchSize ? { batchSize: body.batchSize } : {}) }],
      });
      deps.logger.info({ event: 'ingest.started', workflowId, collection: collection.name, by: user.username });
      return c.json({ workflowId, collection: collection.name }, 202);
    }) satisfies AppRouteHandler<typeof startIngest>,

    ingestStatus: (async (c) => {
      const { workflowId } = c.req.valid('param');
      const run = await ownRun(workflowId, c.get('user').id);
      if (!run) return c.json({ error: `no ingest ${workflowId}` }, 404);
      const handle = deps.temporal.workflow.getHandle(workflowId);
      let status: IngestState = 'unknown';
      let error: string | null = null;
      try {
        const description = await handle.describe();
        status = stateOf(description.status.name);
        if (status === 'failed') {
          error = await handle.result().then(() => null, (failure: unknown) => {
            const cause = failure instanceof Error ? failure.cause : undefined;
            return cause instanceof Error ? cause.message : failure instanceof Error ? failure.message : String(failure);
          });
        }
      } catch (failure) {
        if (!(failure instanceof WorkflowNotFoundError)) throw failure;
      }
      const summary = await ingestSummary(deps.pool, workflowId);
      return c.json({
        workflowId,
        collection: run.collection,
        source: run.source,
        status,
        ...summary,
        planned: summary.planned === 0 && status === 'running' ? null : summary.planned,
        deleted: run.summary?.deleted ?? null,
        error,
      }, 200);
    }) satisfies AppRouteHandler<typeof ingestStatus>,

    cancelIngest: (async (c) => {
      const { workflowId } = c.req.valid('param');
      if (!(await ownRun(workflowId, c.get('user').id))) return c.json({ error: `no ingest ${workflowId}` }, 404);
      await deps.temporal.workflow.getHandle(workflowId).cancel();
      return c.json({ workflowId }, 202);
    }) satisfies AppRouteHandler<typeof cancelIngest>,
  };
};
