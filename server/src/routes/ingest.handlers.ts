import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chunkSizeFor, ingestSummary, type Collection, type IngestSource } from '@astra/activities';
import type { Principal } from '../auth/credentials-repo';
import type { workflows } from '@astra/workflows';
import { ingestSourceFor } from './ingest-source';
import { auditRequest } from '../audit/audit-request';
import type { AppDeps, AppRouteHandler } from '../app-types';
import type { cancelIngest, ingestStatus, startIngest, uploadAndIngest } from './ingest.routes';

type IngestState = 'running' | 'completed' | 'completed_with_failures' | 'failed' | 'cancelled' | 'terminated' | 'timed_out' | 'unknown';

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
  const audit = auditRequest(deps);
  const ownRun = async (workflowId: string, userId: string) =>
    (await deps.pool.query<{ source: string; collection: string; summary: { deleted?: number } | null }>(
      `select r.source, c.name as collection, r.summary from ingest_runs r join collections c on c.id = r.collection_id
        where r.workflow_id = $1 and r.owner_id = $2`,
      [workflowId, userId],
    )).rows[0];

  /** The caller's collection for an ingest, made on first use with the embedding model and chunk sizes asked for. */
  const collectionForIngest = async (
    user: Principal,
    request: { collection: string; embeddingModel?: string; chunkTokens?: number; overlapTokens?: number },
  ): Promise<{ collection: Collection } | { error: string }> => {
    const existing = await deps.collections.find(user.id, request.collection);
    const embeddingModel = request.embeddingModel ?? existing?.embeddingModel ?? deps.env.ASTRA_EMBEDDING_MODEL;
    if (existing && existing.embeddingModel !== embeddingModel) {
      return { error: `collection "${request.collection}" is embedded with ${existing.embeddingModel}; a different model needs a new collection` };
    }
    if (existing) return { collection: existing };
    const models = await deps.models.list();
    const model = models.find((candidate) => candidate.name === embeddingModel && candidate.kind === 'embedding');
    if (!model) {
      return { error: `unknown embedding model "${embeddingModel}"; available: ${models.filter((m) => m.kind === 'embedding').map((m) => m.name).join(', ') || '(none)'}` };
    }
    let sizes: { chunkTokens: number; overlapTokens: number };
    try {
      sizes = chunkSizeFor(model.contextLength ?? 512, { chunkTokens: request.chunkTokens, overlapTokens: request.overlapTokens });
    } catch (error) {
      return { error: (error as Error).message };
    }
    return { collection: await deps.collections.findOrCreate({ ownerId: user.id, name: request.collection, embeddingModel, ...sizes }) };
  };

  const start = async (user: Principal, collection: Collection, source: IngestSource, batchSize?: number) => {
    const workflowId = `ingest-${collection.name}-${randomUUID().slice(0, 8)}`;
    await deps.pool.query('insert into ingest_runs (workflow_id, collection_id, owner_id, source) values ($1, $2, $3, $4)', [
      workflowId, collection.id, user.id, source.kind === 'path' ? source.path : source.kind === 'url' ? source.url : deps.env.artifacts?.uriOf(source.key) ?? source.key,
    ]);
    await deps.temporal.workflow.start<typeof workflows.ingestCorpus>('ingestCorpus', {
      taskQueue: deps.env.ASTRA_TASK_QUEUE,
      workflowId,
      args: [{ collectionId: collection.id, source, ...(batchSize ? { batchSize } : {}) }],
    });
    deps.logger.info({ event: 'ingest.started', workflowId, collection: collection.name, by: user.username });
    return { workflowId, collection: collection.name };
  };

  return {
    startIngest: (async (c) => {
      const body = c.req.valid('json');
      const user = c.get('user');
      const resolved = await ingestSourceFor(body, user, deps.env.dataDir);
      if ('error' in resolved) return c.json({ error: resolved.error }, resolved.status);
      const prepared = await collectionForIngest(user, body);
      if ('error' in prepared) return c.json({ error: prepared.error }, 400);
      const refusal = await deps.access.modelRefusal(user, [prepared.collection.embeddingModel]);
      if (refusal) return c.json({ error: refusal }, 403);
      const started = await start(user, prepared.collection, resolved.source, body.batchSize);
      await audit(c, 'ingest.start', started.workflowId, { detail: { collection: started.collection, source: resolved.source.kind === 'path' ? resolved.source.path : resolved.source.kind === 'url' ? resolved.source.url : resolved.source.key } });
      return c.json(started, 202);
    }) satisfies AppRouteHandler<typeof startIngest>,

    uploadAndIngest: (async (c) => {
      const query = c.req.valid('query');
      const user = c.get('user');
      const bytes = Buffer.from(await c.req.arrayBuffer());
      if (bytes.length === 0) return c.json({ error: 'the upload is empty' }, 400);
      const prepared = await collectionForIngest(user, query);
      if ('error' in prepared) return c.json({ error: prepared.error }, 400);
      const refusal = await deps.access.modelRefusal(user, [prepared.collection.embeddingModel]);
      if (refusal) return c.json({ error: refusal }, 403);
      const name = `${randomUUID().slice(0, 8)}-${query.filename}`;
      if (deps.env.artifacts) {
        // With an S3 store the upload goes to the bucket, where a worker on any machine reads it.
        const key = `uploads/${prepared.collection.id}/${name}`;
        await deps.env.artifacts.put(key, bytes);
        const started = await start(user, prepared.collection, { kind: 'artifact', key });
        await audit(c, 'ingest.start', started.workflowId, { detail: { collection: started.collection, upload: query.filename, bytes: bytes.length } });
        return c.json(started, 202);
      }
      // Uploads live in the data folder, one folder per collection, under a name no two uploads share.
      const folder = path.join(deps.env.dataDir, 'uploads', prepared.collection.id);
      // Only Astra's own account may read uploads: they are other people's documents.
      await mkdir(path.join(deps.env.dataDir, 'uploads'), { recursive: true, mode: 0o700 });
      await mkdir(folder, { recursive: true, mode: 0o700 });
      const file = path.join(folder, name);
      await writeFile(file, bytes, { mode: 0o600 });
      const started = await start(user, prepared.collection, { kind: 'path', path: file });
      await audit(c, 'ingest.start', started.workflowId, { detail: { collection: started.collection, upload: query.filename, bytes: bytes.length } });
      return c.json(started, 202);
    }) satisfies AppRouteHandler<typeof uploadAndIngest>,

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
      // Temporal completing the workflow says the run ended, not that it ingested anything.
      if (status === 'completed' && summary.outcome === 'failed') {
        status = 'failed';
        error = `every document failed (${summary.failed} of ${summary.processed}); the first: ${summary.failures[0]?.reason ?? 'no reason recorded'}`;
      } else if (status === 'completed' && summary.outcome === 'partial') {
        status = 'completed_with_failures';
      }
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
      await audit(c, 'ingest.cancel', workflowId);
      return c.json({ workflowId }, 202);
    }) satisfies AppRouteHandler<typeof cancelIngest>,
  };
};
