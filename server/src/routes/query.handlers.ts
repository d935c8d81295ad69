import { randomUUID } from 'node:crypto';
import { streamSSE } from 'hono/streaming';
import { ContextOverflowError, UnknownModelError, type Collection } from '@astra/activities';
import type { workflows } from '@astra/workflows';
import type { AppDeps, AppRouteHandler } from '../app-types';
import type { askCollection, queryCollection } from './query.routes';

export const queryHandlers = (deps: AppDeps) => {
  /** The caller's collection, or the reason it cannot be queried. */
  const queryable = async (userId: string, name: string): Promise<{ collection: Collection } | { error: string; status: 400 | 404 }> => {
    const collection = await deps.collections.find(userId, name);
    if (!collection) {
      const own = (await deps.collections.list(userId)).map((entry) => entry.name);
      return { error: `no collection named "${name}"; yours: ${own.join(', ') || '(none yet: astra ingest <path|url> --collection NAME)'}`, status: 404 };
    }
    if ((await deps.collections.stats(collection.id)).chunks === 0) {
      return { error: `collection "${name}" is empty: ingest documents into it first`, status: 400 };
    }
    return { collection };
  };

  return {
    queryCollection: (async (c) => {
      const body = c.req.valid('json');
      const found = await queryable(c.get('user').id, body.collection);
      if (!('collection' in found)) return c.json({ error: found.error }, found.status);
      const refusal = await deps.access.modelRefusal(c.get('user'), [found.collection.embeddingModel]);
      if (refusal) return c.json({ error: refusal }, 403);
      try {
        const results = await deps.retriever.retrieve({ collection: found.collection, query: body.query, k: body.k, mode: body.mode, minScore: body.minScore, mmrLambda: body.mmrLambda });
        return c.json({ results: results.map(({ source, chunkId, score, title, headingPath, text }) => ({ source, chunkId, score, title, headingPath, text })) }, 200);
      } catch (error) {
        if (error instanceof ContextOverflowError || error instanceof UnknownModelError) return c.json({ error: error.message }, 400);
        throw error;
      }
    }) satisfies AppRouteHandler<typeof queryCollection>,

    askCollection: (async (c) => {
      const body = c.req.valid('json');
      // Checked before the stream opens: once it has, the answer is a 200 whatever goes wrong.
      if (body.model !== undefined) {
        const generation = (await deps.models.list()).filter((model) => model.kind === 'generation').map((model) => model.name);
        if (!generation.includes(body.model)) {
          return c.json({ error: `invalid request: model: unknown generation model "${body.model}"; available: ${generation.join(', ') || 'none'}`, issues: [{ path: 'model', message: 'unknown generation model' }] }, 400);
        }
      }
      const generationModel = body.model ?? deps.env.ASTRA_GENERATION_MODEL;
      const modelRefused = await deps.access.modelRefusal(c.get('user'), [generationModel]);
      if (modelRefused) return c.json({ error: modelRefused }, 403);
      const found = await queryable(c.get('user').id, body.collection);
      if (!('collection' in found)) return c.json({ error: found.error }, found.status);
      const embeddingRefused = await deps.access.modelRefusal(c.get('user'), [found.collection.embeddingModel]);
      if (embeddingRefused) return c.json({ error: embeddingRefused }, 403);
      const workflowId = `ask-${randomUUID()}`;
      return streamSSE(c, async (stream) => {
        let sequence = 0;
        // Subscribed before the workflow starts, so no token is published unheard.
        const unsubscribe = deps.runEvents.subscribe(workflowId, (event) => {
          if (event.type === 'token' && event.text) void stream.writeSSE({ event: 'token', data: JSON.stringify({ text: event.text }), id: String(sequence++) });
        });
        try {
          const result = await deps.temporal.workflow.execute<typeof workflows.answerQuestion>('answerQuestion', {
            taskQueue: deps.env.ASTRA_TASK_QUEUE,
            workflowId,
            args: [{ collectionId: found.collection.id, question: body.question, k: body.k, mode: body.mode, model: generationModel, style: body.style }],
          });
          await stream.writeSSE({ event: 'answer', data: JSON.stringify({ workflowId, ...result }) });
        } catch (error) {
          // WorkflowFailedError → ActivityFailure → the activity's own error: the innermost message says why.
          let reason: unknown = error;
          while (reason instanceof Error && reason.cause instanceof Error) reason = reason.cause;
          reason = reason instanceof Error ? reason.message : String(reason);
          await stream.writeSSE({ event: 'error', data: JSON.stringify({ error: `answering failed (${workflowId}): ${reason}` }) });
        } finally {
          unsubscribe();
        }
      });
    }) satisfies AppRouteHandler<typeof askCollection>,
  };
};
