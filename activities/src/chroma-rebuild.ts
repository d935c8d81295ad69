// Rebuilds a collection's vectors in Chroma from what PostgreSQL keeps: every chunk's id, text, position
// and document. Chunk ids are deterministic and the embedding model is the collection's own, so the
// rebuilt collection answers as the lost one did. Used after losing Chroma (docs/operations.md).
import type { ChromaClient } from 'chromadb';
import type pg from 'pg';
import type { ModelProvider } from './models/provider';
import { createCollectionsRepo, type Collection } from './rag/collections-repo';
import { upsertChunkVectors } from './rag/document-store';
import { chromaCollectionFor } from './rag/ingest.activities';

const batchSize = 32;

interface ChunkRow {
  id: string;
  source: string;
  ord: number;
  text: string;
  heading_path: string[];
  start_offset: number;
  end_offset: number;
  title: string | null;
  version: number;
}

export interface RebuildDeps {
  pool: pg.Pool;
  chroma: ChromaClient;
  models: ModelProvider;
}

/** Re-embeds and upserts every chunk of the collection; returns how many. Safe to rerun (same ids overwrite). */
export async function rebuildChromaCollection(deps: RebuildDeps, collection: Collection, onProgress?: (done: number, of: number) => void): Promise<number> {
  const chromaCollection = await chromaCollectionFor(deps.chroma, collection);
  const total = Number((await deps.pool.query<{ count: string }>('select count(*) from chunks where collection_id = $1', [collection.id])).rows[0]!.count);
  let done = 0;
  let after: { source: string; ord: number } = { source: '', ord: -1 };
  for (;;) {
    const rows = (await deps.pool.query<ChunkRow>(
      `select c.id, c.source, c.ord, c.text, c.heading_path, c.start_offset, c.end_offset, d.title, d.version
         from chunks c join documents d on d.id = c.document_id
        where c.collection_id = $1 and (c.source, c.ord) > ($2, $3)
        order by c.source, c.ord limit $4`,
      [collection.id, after.source, after.ord, batchSize],
    )).rows;
    if (rows.length === 0) break;
    const { vectors } = await deps.models.embed({ model: collection.embeddingModel, texts: rows.map((row) => row.text) });
    await upsertChunkVectors(chromaCollection, collection, rows.map((row, i) => ({
      document: { key: row.source, title: row.title ?? '', contentHash: '', version: row.version, chunks: [] },
      chunk: { id: row.id, index: row.ord, text: row.text, start: row.start_offset, end: row.end_offset, headingPath: row.heading_path },
      vector: vectors[i]!,
    })));
    done += rows.length;
    onProgress?.(done, total);
    after = { source: rows.at(-1)!.source, ord: rows.at(-1)!.ord };
  }
  return done;
}

/** Every collection, or the named ones, as the command line asks. An unknown name is an error naming it. */
export async function collectionsToRebuild(pool: pg.Pool, names: string[]): Promise<Collection[]> {
  const repo = createCollectionsRepo(pool);
  const ids = (await pool.query<{ id: string; name: string }>('select id, name from collections order by name')).rows;
  const unknown = names.filter((name) => !ids.some((row) => row.name === name));
  if (unknown.length > 0) throw new Error(`no collection named ${unknown.join(', ')}; known: ${ids.map((row) => row.name).join(', ') || '(none)'}`);
  const chosen = names.length > 0 ? ids.filter((row) => names.includes(row.name)) : ids;
  return Promise.all(chosen.map(async (row) => (await repo.get(row.id))!));
}
