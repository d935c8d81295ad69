// Retrieval over a collection: vector (Chroma), keyword (Postgres full-text) and their reciprocal-rank
// fusion, with an optional relevance threshold and MMR diversity. Callers pass a collection they checked
// belongs to the asking user (the server looks collections up by owner).
import type { ChromaClient } from 'chromadb';
import type pg from 'pg';
import type { ModelProvider } from '../models/provider';
import type { RetrievedChunk } from '@astra/workflows/answer';
import type { Collection } from './collections-repo';
import { chromaCollectionFor } from './ingest.activities';

export type RetrievalMode = 'vector' | 'keyword' | 'hybrid';

export interface RetrieveRequest {
  collection: Collection;
  query: string;
  k: number;
  mode: RetrievalMode;
  /** Drops vector matches below this cosine similarity (vector and hybrid) or keyword matches below this normalised rank (keyword). */
  minScore?: number;
  /** Maximal marginal relevance: 1 is pure relevance, lower trades relevance for diversity. */
  mmrLambda?: number;
}

export type { RetrievedChunk } from '@astra/workflows/answer';

/** The constant of reciprocal rank fusion (Cormack et al.): damps the weight of the very first ranks. */
const rrfK = 60;

interface ChunkRow {
  id: string;
  source: string;
  title: string | null;
  heading_path: string[];
  text: string;
  start_offset: number;
  end_offset: number;
}

const fromRow = (row: ChunkRow, score: number): RetrievedChunk => ({
  chunkId: row.id,
  source: row.source,
  title: row.title,
  headingPath: row.heading_path,
  text: row.text,
  score,
  start: row.start_offset,
  end: row.end_offset,
});

const cosine = (a: number[], b: number[]) => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i += 1) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb || 1);
};

export function createRetriever(deps: { pool: pg.Pool; chroma: ChromaClient; models: ModelProvider }) {
  // One Chroma handle per collection: looking it up costs a round trip per query otherwise.
  const handles = new Map<string, ReturnType<typeof chromaCollectionFor>>();
  const chromaOf = (collection: Collection) => {
    let handle = handles.get(collection.chromaName);
    if (!handle) {
      handle = chromaCollectionFor(deps.chroma, collection);
      handle.catch(() => handles.delete(collection.chromaName));
      handles.set(collection.chromaName, handle);
    }
    return handle;
  };
  /** Runs `use` on the collection's handle; a handle Chroma no longer knows (restarted empty, rebuilt) is looked up again once. */
  const withChroma = async <T>(collection: Collection, use: (chroma: Awaited<ReturnType<typeof chromaCollectionFor>>) => Promise<T>): Promise<T> => {
    const cached = handles.get(collection.chromaName);
    try {
      return await use(await chromaOf(collection));
    } catch (error) {
      if (!cached) throw error;
      handles.delete(collection.chromaName);
      return await use(await chromaOf(collection));
    }
  };

  async function embedQuery(collection: Collection, query: string): Promise<number[]> {
    const { vectors } = await deps.models.embed({ model: collection.embeddingModel, texts: [query] });
    return vectors[0]!;
  }

  async function vectorSearch(collection: Collection, queryVector: number[], n: number, minScore = -1): Promise<RetrievedChunk[]> {
    // Each Astra collection has its own Chroma collection and one owner, checked before any query, so
    // no metadata filter is needed here (Chroma's filtered search is ~10x slower at 100k chunks).
    const result = await withChroma(collection, (chroma) => chroma.query({ queryEmbeddings: [queryVector], nResults: n, include: ['distances'] }));
    const ids = result.ids[0] ?? [];
    const scores = new Map(ids.map((id, i) => [id, 1 - (result.distances[0]?.[i] ?? 1)]));
    const rows = await chunkRows(collection, ids);
    return ids
      .map((id) => rows.get(id))
      .filter((row): row is ChunkRow => row !== undefined)
      .map((row) => fromRow(row, scores.get(row.id)!))
      .filter((chunk) => chunk.score >= minScore);
  }

  async function keywordSearch(collection: Collection, query: string, n: number, minScore = 0): Promise<RetrievedChunk[]> {
    // Any of the question's words may match (OR, as BM25 does): requiring all of them finds almost
    // nothing for questions in plain language. ts_rank with normalisation 1|32 damps long chunks and maps into [0, 1).
    const rows = (await deps.pool.query<ChunkRow & { rank: number }>(
      `with q as (select replace(plainto_tsquery('english', $2)::text, ' & ', ' | ')::tsquery as q)
       select id, source, title, heading_path, text, start_offset, end_offset, ts_rank(search, q.q, 33) as rank
         from chunks, q
        where collection_id = $1 and search @@ q.q
        order by rank desc, id limit $3`,
      [collection.id, query, n],
    )).rows;
    return rows.map((row) => fromRow(row, row.rank)).filter((chunk) => chunk.score >= minScore);
  }

  async function chunkRows(collection: Collection, ids: string[]): Promise<Map<string, ChunkRow>> {
    if (ids.length === 0) return new Map();
    const rows = (await deps.pool.query<ChunkRow>(
      'select id, source, title, heading_path, text, start_offset, end_offset from chunks where collection_id = $1 and id = any($2)',
      [collection.id, ids],
    )).rows;
    return new Map(rows.map((row) => [row.id, row]));
  }

  async function diversify(collection: Collection, queryVector: number[], candidates: RetrievedChunk[], k: number, lambda: number): Promise<RetrievedChunk[]> {
    const stored = await withChroma(collection, (chroma) => chroma.get({ ids: candidates.map((c) => c.chunkId), include: ['embeddings'] }));
    const vectors = new Map(stored.ids.map((id, i) => [id, stored.embeddings[i]!]));
    const relevance = new Map(candidates.map((c) => [c.chunkId, cosine(queryVector, vectors.get(c.chunkId) ?? queryVector)]));
    const chosen: RetrievedChunk[] = [];
    const left = [...candidates];
    while (chosen.length < k && left.length > 0) {
      let best = 0;
      let bestScore = -Infinity;
      left.forEach((candidate, i) => {
        const redundancy = Math.max(0, ...chosen.map((c) => cosine(vectors.get(candidate.chunkId)!, vectors.get(c.chunkId)!)));
        const score = lambda * relevance.get(candidate.chunkId)! - (1 - lambda) * redundancy;
        if (score > bestScore) {
          bestScore = score;
          best = i;
        }
      });
      chosen.push(left.splice(best, 1)[0]!);
    }
    return chosen;
  }

  return {
    async retrieve(request: RetrieveRequest): Promise<RetrievedChunk[]> {
      const { collection, query, k, mode } = request;
      const candidateCount = request.mmrLambda !== undefined || mode === 'hybrid' ? Math.max(k * 4, 20) : k;
      let ranked: RetrievedChunk[];
      let queryVector: number[] | undefined;
      if (mode === 'keyword') {
        ranked = await keywordSearch(collection, query, candidateCount, request.minScore);
      } else {
        queryVector = await embedQuery(collection, query);
        const vector = await vectorSearch(collection, queryVector, candidateCount, request.minScore);
        if (mode === 'vector') {
          ranked = vector;
        } else {
          const keyword = await keywordSearch(collection, query, candidateCount);
          const fused = new Map<string, RetrievedChunk>();
          for (const list of [vector, keyword]) {
            list.forEach((chunk, rank) => {
              const previous = fused.get(chunk.chunkId);
              const add = 1 / (rrfK + rank + 1);
              fused.set(chunk.chunkId, { ...chunk, score: (previous?.score ?? 0) + add });
            });
          }
          ranked = [...fused.values()].sort((a, b) => b.score - a.score || a.chunkId.localeCompare(b.chunkId));
        }
      }
      if (request.mmrLambda !== undefined && ranked.length > 0) {
        queryVector ??= await embedQuery(collection, query);
        return diversify(collection, queryVector, ranked, k, request.mmrLambda);
      }
      return ranked.slice(0, k);
    },
  };
}

export type Retriever = ReturnType<typeof createRetriever>;
