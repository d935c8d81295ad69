import type pg from 'pg';

export interface Collection {
  id: string;
  name: string;
  ownerId: string;
  embeddingModel: string;
  chunkTokens: number;
  overlapTokens: number;
  chromaName: string;
  createdAt: string;
}

export interface CollectionStats {
  documents: number;
  failed: number;
  chunks: number;
}

interface CollectionRow {
  id: string;
  name: string;
  owner_id: string;
  embedding_model: string;
  chunk_tokens: number;
  overlap_tokens: number;
  chroma_name: string;
  created_at: Date;
}

const toCollection = (row: CollectionRow): Collection => ({
  id: row.id,
  name: row.name,
  ownerId: row.owner_id,
  embeddingModel: row.embedding_model,
  chunkTokens: row.chunk_tokens,
  overlapTokens: row.overlap_tokens,
  chromaName: row.chroma_name,
  createdAt: row.created_at.toISOString(),
});

export const collectionNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Collections belong to one owner; every lookup is by owner, so one user never sees another's. */
export function createCollectionsRepo(pool: pg.Pool) {
  return {
    async findOrCreate(input: { ownerId: string; name: string; embeddingModel: string; chunkTokens: number; overlapTokens: number }): Promise<Collection> {
      const existing = await this.find(input.ownerId, input.name);
      if (existing) return existing;
      const result = await pool.query<CollectionRow>(
        `insert into collections (name, owner_id, embedding_model, chunk_tokens, overlap_tokens, chroma_name)
         values ($1, $2, $3, $4, $5, 'astra_' || replace(gen_random_uuid()::text, '-', ''))
         on conflict (owner_id, name) do update set name = excluded.name returning *`,
        [input.name, input.ownerId, input.embeddingModel, input.chunkTokens, input.overlapTokens],
      );
      return toCollection(result.rows[0]!);
    },
    async find(ownerId: string, name: string): Promise<Collection | undefined> {
      const row = (await pool.query<CollectionRow>('select * from collections where owner_id = $1 and name = $2', [ownerId, name])).rows[0];
      return row && toCollection(row);
    },
    /**
     * The attachments of a chat turn run for someone other than the app's publisher: the collection
     * `chat-<conversation id>` of the user who started the run, when that conversation is theirs and
     * is with an app of the run's flow. Nobody else's collection is reachable this way.
     */
    async findConversationAttachments(runId: string, name: string): Promise<Collection | undefined> {
      const row = (await pool.query<CollectionRow>(
        `select k.* from runs r
           join conversations cv on cv.user_id = r.owner_id and 'chat-' || cv.id::text = $2
           join chat_apps a on a.id = cv.app_id and a.flow_id = r.flow_id
           join collections k on k.owner_id = r.owner_id and k.name = $2
          where r.id::text = $1`,
        [runId, name],
      )).rows[0];
      return row && toCollection(row);
    },
    async get(id: string): Promise<Collection | undefined> {
      const row = (await pool.query<CollectionRow>('select * from collections where id = $1', [id])).rows[0];
      return row && toCollection(row);
    },
    async list(ownerId: string): Promise<Array<Collection & CollectionStats>> {
      const result = await pool.query<CollectionRow & { documents: number; failed: number; chunks: number }>(
        `select c.*,
           (select count(*)::int from documents d where d.collection_id = c.id and d.status = 'indexed') as documents,
           (select count(*)::int from documents d where d.collection_id = c.id and d.status = 'failed') as failed,
           (select count(*)::int from chunks k where k.collection_id = c.id) as chunks
         from collections c where c.owner_id = $1 order by c.name`,
        [ownerId],
      );
      return result.rows.map((row) => ({ ...toCollection(row), documents: row.documents, failed: row.failed, chunks: row.chunks }));
    },
    async stats(id: string): Promise<CollectionStats> {
      const result = await pool.query<CollectionStats>(
        `select (select count(*)::int from documents where collection_id = $1 and status = 'indexed') as documents,
                (select count(*)::int from documents where collection_id = $1 and status = 'failed') as failed,
                (select count(*)::int from chunks where collection_id = $1) as chunks`,
        [id],
      );
      return result.rows[0]!;
    },
    async remove(id: string): Promise<void> {
      await pool.query('delete from collections where id = $1', [id]);
    },
  };
}

export type CollectionsRepo = ReturnType<typeof createCollectionsRepo>;
