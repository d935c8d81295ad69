// Rebuilding a collection's vectors from the Postgres ledger: every chunk row is embedded again with
// the collection's model and upserted under its own id, so a Chroma that lost its data (a deleted
// folder, a new server) answers as before. Chunks go in id order, page by page, so a retried or
// continued rebuild resumes after the last page it finished; vectors the ledger does not know are
// removed at the end.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ChromaClient } from 'chromadb';
import type pg from 'pg';
import type { ModelProvider } from '../models/provider';
import { ContextOverflowError, UnknownModelError } from '../models/provider';
import { createCollectionsRepo, type Collection } from './collections-repo';
import { upsertChunkVectors } from './document-store';
import { chromaCollectionFor } from './ingest.activities';

export interface RebuildDeps {
  pool: pg.Pool;
  chroma: ChromaClient;
  models: ModelProvider;
}

export interface RebuildPlan {
  documents: number;
  chunks: number;
}

export interface RebuildSummary extends RebuildPlan {
  /** What Chroma holds for the collection afterwards: the ledger's chunk count when nothing ingested meanwhile. */
  vectors: number;
  /** Vectors Chroma held that no chunk row has (left over from before), now removed. */
  removed: number;
}

const embedBatch = 32;
/** Chroma ids listed per page when looking for vectors the ledger does not know. */
const listPage = 1_000;

interface ChunkRow {
  id: string;
  ord: number;
  text: string;
  start_offset: number;
  end_offset: number;
  heading_path: string[];
  source: string;
  title: string | null;
  content_hash: string;
  version: number;
}

export function createRebuildActivities(deps: RebuildDeps) {
  const collections = createCollectionsRepo(deps.pool);

  async function collectionOf(collectionId: string): Promise<Collection> {
    const collection = await collections.get(collectionId);
    if (!collection) throw ApplicationFailure.nonRetryable(`collection ${collectionId} no longer exists`, 'CollectionGone');
    return collection;
  }

  /** Results retrieval cached before (or while) the vectors were rewritten are no longer served. */
  const markRebuilt = async (collectionId: string) => {
    await deps.pool.query('update collections set vectors_rebuilt_at = clock_timestamp() where id = $1', [collectionId]);
  };

  return {
    /** What the ledger holds: the documents and chunks a rebuild will restore. */
    async planRebuild(input: { collectionId: string }): Promise<RebuildPlan> {
      const collection = await collectionOf(input.collectionId);
      await markRebuilt(collection.id);
      const stats = await collections.stats(collection.id);
      return { documents: stats.documents, chunks: stats.chunks };
    },

    /**
     * Embeds and upserts up to `limit` chunks with ids after `afterId`, heartbeating after each embedding
     * batch (a retry resumes after the last one it reported); returns the last id done and how many.
     */
    async rebuildBatch(input: { collectionId: string; afterId: string; limit: number }): Promise<{ lastId: string; upserted: number }> {
      const collection = await collectionOf(input.collectionId);
      const context = Context.current();
      const resumed = context.info.heartbeatDetails as { afterId?: string; upserted?: number } | undefined;
      const from = resumed?.afterId && resumed.afterId > input.afterId ? resumed.afterId : input.afterId;
      const before = from === input.afterId ? 0 : (resumed?.upserted ?? 0);
      const rows = (await deps.pool.query<ChunkRow>(
        `select k.id, k.ord, k.text, k.start_offset, k.end_offset, k.heading_path, d.source, d.title, d.content_hash, d.version
           from chunks k join documents d on d.id = k.document_id
          where k.collection_id = $1 and k.id > $2
          order by k.id limit $3`,
        [collection.id, from, input.limit - before],
      )).rows;
      const chromaCollection = await chromaCollectionFor(deps.chroma, collection);
      let lastId = from;
      let upserted = before;
      for (let start = 0; start < rows.length; start += embedBatch) {
        if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
        const batch = rows.slice(start, start + embedBatch);
        let vectors: number[][];
        try {
          ({ vectors } = await deps.models.embed({ model: collection.embeddingModel, texts: batch.map((row) => row.text) }));
        } catch (error) {
          if (error instanceof UnknownModelError || error instanceof ContextOverflowError) throw ApplicationFailure.nonRetryable(error.message, error.name);
          throw error;
        }
        // The same metadata the ingest wrote, so filters and citations read the rebuilt vectors unchanged.
        await upsertChunkVectors(chromaCollection, collection, batch.map((row, i) => ({
          document: { key: row.source, title: row.title ?? '', contentHash: row.content_hash, version: row.version, chunks: [] },
          chunk: { id: row.id, index: row.ord, text: row.text, start: row.start_offset, end: row.end_offset, headingPath: row.heading_path },
          vector: vectors[i]!,
        })));
        await markRebuilt(collection.id);
        lastId = batch.at(-1)!.id;
        upserted += batch.length;
        context.heartbeat({ afterId: lastId, upserted });
      }
      return { lastId, upserted };
    },

    /** Removes vectors whose chunk the ledger no longer has, then counts what Chroma holds. */
    async finishRebuild(input: { collectionId: string }): Promise<RebuildSummary> {
      const collection = await collectionOf(input.collectionId);
      const chromaCollection = await chromaCollectionFor(deps.chroma, collection);
      const stale: string[] = [];
      for (let offset = 0; ; offset += listPage) {
        const page = (await chromaCollection.get({ include: [], limit: listPage, offset })).ids;
        if (page.length === 0) break;
        const known = new Set((await deps.pool.query<{ id: string }>('select id from chunks where collection_id = $1 and id = any($2)', [collection.id, page])).rows.map((row) => row.id));
        stale.push(...page.filter((id) => !known.has(id)));
        Context.current().heartbeat({ listed: offset + page.length });
        if (page.length < listPage) break;
      }
      for (let start = 0; start < stale.length; start += listPage) await chromaCollection.delete({ ids: stale.slice(start, start + listPage) });
      await markRebuilt(collection.id);
      const stats = await collections.stats(collection.id);
      return { documents: stats.documents, chunks: stats.chunks, vectors: await chromaCollection.count(), removed: stale.length };
    },
  };
}
