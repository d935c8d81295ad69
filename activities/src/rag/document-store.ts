// Writing an indexed document: its vectors into Chroma and its ledger row plus chunk text into Postgres.
// Shared by the ingest pipeline and the flow's Store node so both store a document the same way.
import type { Collection as ChromaCollection } from 'chromadb';
import type pg from 'pg';
import type { Collection } from './collections-repo';

export interface StoredChunk {
  id: string;
  index: number;
  text: string;
  start: number;
  end: number;
  headingPath: string[];
}

export interface StoredDocument {
  key: string;
  title: string;
  contentHash: string;
  version: number;
  chunks: StoredChunk[];
}

/** Upserts one batch of chunks with their vectors; the same ids overwrite, never duplicate. */
export async function upsertChunkVectors(chromaCollection: ChromaCollection, collection: Collection, entries: Array<{ document: StoredDocument; chunk: StoredChunk; vector: number[] }>): Promise<void> {
  await chromaCollection.upsert({
    ids: entries.map(({ chunk }) => chunk.id),
    embeddings: entries.map(({ vector }) => vector),
    documents: entries.map(({ chunk }) => chunk.text),
    metadatas: entries.map(({ document, chunk }) => ({
      source: document.key,
      title: document.title,
      owner: collection.ownerId,
      collection: collection.id,
      documentVersion: document.version,
      headingPath: chunk.headingPath.join(' › '),
      start: chunk.start,
      end: chunk.end,
      ord: chunk.index,
    })),
  });
}

/** Writes the document's ledger row and replaces its chunk rows (inside the caller's transaction). */
export async function saveDocument(client: pg.PoolClient, collection: Collection, document: StoredDocument): Promise<void> {
  const { key, title, contentHash, version, chunks } = document;
  const row = await client.query<{ id: string }>(
    `insert into documents (collection_id, source, title, content_hash, version, status, error, chunk_ids, updated_at)
     values ($1, $2, $3, $4, $5, 'indexed', null, $6, now())
     on conflict (collection_id, source) do update set title = excluded.title, content_hash = excluded.content_hash,
       version = excluded.version, status = 'indexed', error = null, chunk_ids = excluded.chunk_ids, updated_at = now()
     returning id`,
    [collection.id, key, title, contentHash, version, chunks.map((chunk) => chunk.id)],
  );
  const documentId = row.rows[0]!.id;
  await client.query('delete from chunks where document_id = $1', [documentId]);
  if (chunks.length === 0) return;
  // Heading paths travel joined by the unit separator (unnest cannot take ragged arrays).
  await client.query(
    `insert into chunks (id, collection_id, document_id, source, ord, title, heading_path, start_offset, end_offset, text, search, term_count)
     select id, $2::uuid, $3::uuid, $4::text, ord, $5::text, coalesce(string_to_array(nullif(heading, ''), chr(31)), '{}'), start_offset, end_offset, text,
            v.search, (select coalesce(sum(coalesce(array_length(positions, 1), 1)), 0) from unnest(v.search))
       from unnest($1::text[], $6::int[], $7::text[], $8::int[], $9::int[], $10::text[])
         as t(id, ord, heading, start_offset, end_offset, text)
       cross join lateral (select to_tsvector('english', coalesce($5::text, '') || ' ' || replace(heading, chr(31), ' ') || ' ' || text) as search) v`,
    [
      chunks.map((chunk) => chunk.id),
      collection.id,
      documentId,
      key,
      title,
      chunks.map((chunk) => chunk.index),
      chunks.map((chunk) => chunk.headingPath.join('\u001f')),
      chunks.map((chunk) => chunk.start),
      chunks.map((chunk) => chunk.end),
      chunks.map((chunk) => chunk.text),
    ],
  );
  await client.query(
    `insert into chunk_postings (collection_id, term, chunk_id, tf, dl, impact)
     select c.collection_id, t.lexeme, c.id, coalesce(array_length(t.positions, 1), 1), c.term_count,
            bm25_impact(coalesce(array_length(t.positions, 1), 1), c.term_count, $2)
       from chunks c, unnest(c.search) t where c.document_id = $1`,
    [documentId, collection.chunkTokens],
  );
}
