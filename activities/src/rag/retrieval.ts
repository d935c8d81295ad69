// Retrieval over a collection: vector (Chroma), keyword (BM25 over postings in Postgres) and their weighted
// reciprocal-rank fusion over candidate pools that do not depend on k, with an optional relevance
// threshold and MMR diversity, and caches for query embeddings and repeated queries. Callers pass a
// collection they checked belongs to the asking user (the server looks collections up by owner).
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
  /** Drops vector matches below this cosine similarity (vector and hybrid) or keyword matches below this BM25 score mapped into [0, 1) as s / (1 + s) (keyword). */
  minScore?: number;
  /** Maximal marginal relevance: 1 is pure relevance, lower trades relevance for diversity. */
  mmrLambda?: number;
  /** Hybrid only: how much each method's ranks count; the defaults are `defaultFusion`. */
  fusion?: Partial<FusionWeights>;
  /** Hybrid only: re-order the fused top `rerankPool` by late interaction (the query against each passage's sentences). */
  rerank?: boolean;
}

export interface FusionWeights {
  vector: number;
  keyword: number;
}

/**
 * Weighted RRF: score = Σ weight / (60 + rank). Swept with `npm run eval:rag` (docs/rag-quality.md):
 * with BM25 keyword ranks, equal weights gave the best hit@1 and MRR on the SQLite corpus, where
 * keyword beats vector; weights stay a request option for collections where one method is weaker.
 */
export const defaultFusion: FusionWeights = { vector: 1, keyword: 1 };

/**
 * Candidates each method contributes to fusion, whatever k is: with pools of k the fused order changed
 * with k (a page at rank 6 of both lists was lost at k=5 and found at k=10).
 */
export const fusionPool = 50;

/** Fused candidates the rerank stage re-orders: the rest keep their fused order below them. */
export const rerankPool = 20;
/** Longest sentence the rerank stage embeds, in characters: well inside a 256-token embedding window. */
const rerankSentenceChars = 500;

export type { RetrievedChunk } from '@astra/workflows/answer';

/**
 * The units a passage is scored by in the rerank stage: its section heading, then its sentences and
 * lines (code lines included: an API's signature is often the best match), short fragments dropped.
 */
export function rerankUnits(chunk: Pick<RetrievedChunk, 'title' | 'headingPath' | 'text'>): string[] {
  const heading = [chunk.title, ...chunk.headingPath].filter((part): part is string => Boolean(part)).join(' › ');
  const pieces = chunk.text
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .split(/\n\s*\n|\n(?=\s*[-*#>|])|(?<=[.!?])\s+(?=[A-Z0-9`"'(\[])/)
    .map((piece) => piece.replace(/^[\s#>*-]+/, '').replace(/\s+/g, ' ').trim().slice(0, rerankSentenceChars))
    .filter((piece) => piece.length >= 20 && /[a-z]/i.test(piece) && !/^```\s*\w*$/.test(piece));
  return [...new Set([heading, ...pieces].filter((piece) => piece.length > 0))];
}

/** BM25's usual constants (Robertson et al.): term-frequency saturation and length normalisation. */
const bm25 = { k1: 1.2, b: 0.75 };
/** Postings read per query term, best impact first: enough that a chunk matching several terms is among them. */
const postingsPerTerm = 1000;

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

/** A bounded map that forgets the least recently used entry first. */
class RecentlyUsed<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly capacity: number) {}
  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}

export interface RetrieverCaches {
  /** Query texts whose embedding is kept per model (an embedding never changes for the same model). */
  embeddings: number;
  /** Whole results kept per collection state; any change to the collection's documents misses them. */
  results: number;
  /** Chunks whose sentence vectors the rerank stage keeps. */
  rerankChunks: number;
}

export function createRetriever(deps: { pool: pg.Pool; chroma: ChromaClient; models: ModelProvider; caches?: Partial<RetrieverCaches> }) {
  const queryVectors = new RecentlyUsed<number[]>(deps.caches?.embeddings ?? 2000);
  const results = new RecentlyUsed<RetrievedChunk[]>(deps.caches?.results ?? 500);
  // A chunk's text never changes under its id (a changed document gets new chunk ids), so its sentence vectors are kept by id.
  const unitVectors = new RecentlyUsed<number[][]>(deps.caches?.rerankChunks ?? 5000);
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
    const key = `${collection.embeddingModel}\0${query}`;
    const cached = queryVectors.get(key);
    if (cached) return cached;
    const { vectors } = await deps.models.embed({ model: collection.embeddingModel, texts: [query] });
    queryVectors.set(key, vectors[0]!);
    return vectors[0]!;
  }

  /** What changes whenever a document of the collection is written, re-written or removed, or its vectors are rebuilt. */
  async function collectionState(collection: Collection): Promise<string> {
    const row = (await deps.pool.query<{ documents: number; changed: string | null; rebuilt: string | null }>(
      `select count(*)::int as documents, max(updated_at)::text as changed,
              (select vectors_rebuilt_at::text from collections where id = $1) as rebuilt
         from documents where collection_id = $1`,
      [collection.id],
    )).rows[0]!;
    return `${row.documents}@${row.changed ?? '-'}@${row.rebuilt ?? '-'}`;
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

  /** Chunks and their average length in terms, for BM25; kept per collection state, so a change recounts them. */
  const lengths = new RecentlyUsed<{ chunks: number; averageTerms: number }>(200);
  async function collectionLengths(collection: Collection, state: string) {
    const key = `${collection.id}\0${state}`;
    let found = lengths.get(key);
    if (!found) {
      const row = (await deps.pool.query<{ chunks: number; average: number | null }>(
        'select count(*)::int as chunks, avg(term_count)::float8 as average from chunks where collection_id = $1',
        [collection.id],
      )).rows[0]!;
      found = { chunks: row.chunks, averageTerms: Math.max(1, row.average ?? 1) };
      lengths.set(key, found);
    }
    return found;
  }

  async function keywordSearch(collection: Collection, state: string, query: string, n: number, minScore = 0): Promise<RetrievedChunk[]> {
    // BM25 over the chunk postings (migration 0009): any of the question's terms may match, each term's
    // best postings by impact are read through the index, and those are scored exactly. Document
    // frequencies come from chunk_term_stats (migration 0012), kept as chunks come and go: counting the
    // postings per query cost 3-16 ms a term at 100k chunks.
    const { chunks, averageTerms } = await collectionLengths(collection, state);
    if (chunks === 0) return [];
    const rows = (await deps.pool.query<ChunkRow & { bm25: number }>(
      `with q as (select distinct lexeme as term from unnest(to_tsvector('english', $2))),
            idf as materialized (
              select s.term, ln(1 + ($3::float8 - s.df + 0.5) / (s.df + 0.5)) as idf
                from chunk_term_stats s join q on q.term = s.term where s.collection_id = $1 and s.df > 0),
            scored as (
              select p.chunk_id, sum(idf.idf * p.tf * ($6::float8 + 1) / (p.tf + $6::float8 * (1 - $7::float8 + $7::float8 * p.dl / $4::float8))) as bm25
                from idf cross join lateral (
                  select chunk_id, tf, dl from chunk_postings p where p.collection_id = $1 and p.term = idf.term order by impact desc limit $5::int
                ) p
               group by p.chunk_id order by bm25 desc, p.chunk_id limit $8::int)
       select c.id, c.source, c.title, c.heading_path, c.text, c.start_offset, c.end_offset, s.bm25
         from scored s join chunks c on c.id = s.chunk_id
        order by s.bm25 desc, c.id`,
      [collection.id, query, chunks, averageTerms, postingsPerTerm, bm25.k1, bm25.b, n],
    )).rows;
    // Reported in [0, 1) (s / (1 + s)), so minScore reads the same whatever the collection's size.
    return rows.map((row) => fromRow(row, row.bm25 / (1 + row.bm25))).filter((chunk) => chunk.score >= minScore);
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

  /**
   * Late interaction with the collection's own embedding model (no reranking model ships in a registry
   * package, docs/rag-quality.md): each candidate scores the best cosine between the query and one of its
   * units (heading, sentences, lines), and the candidates are re-ordered by reciprocal-rank fusion of that
   * order with the fused one, so a passage whose one sentence answers the question rises above one that is
   * only about the topic, and a unit match alone cannot undo what both first-stage methods agreed on.
   */
  async function rerank(collection: Collection, queryVector: number[], fused: RetrievedChunk[]): Promise<RetrievedChunk[]> {
    const head = fused.slice(0, rerankPool);
    const keyOf = (chunk: RetrievedChunk) => `${collection.embeddingModel}\0${chunk.chunkId}`;
    const vectorsOf = new Map(head.map((chunk) => [chunk.chunkId, unitVectors.get(keyOf(chunk))]));
    const missing = head.filter((chunk) => !vectorsOf.get(chunk.chunkId));
    const units = missing.map((chunk) => rerankUnits(chunk));
    if (units.some((list) => list.length > 0)) {
      const { vectors } = await deps.models.embed({ model: collection.embeddingModel, texts: units.flat() });
      let at = 0;
      missing.forEach((chunk, i) => {
        const own = vectors.slice(at, at + units[i]!.length);
        at += own.length;
        vectorsOf.set(chunk.chunkId, own);
        unitVectors.set(keyOf(chunk), own);
      });
    }
    const best = new Map(head.map((chunk) => [chunk.chunkId, Math.max(-1, ...(vectorsOf.get(chunk.chunkId) ?? []).map((vector) => cosine(queryVector, vector)))]));
    const byUnits = [...head].sort((a, b) => best.get(b.chunkId)! - best.get(a.chunkId)! || a.chunkId.localeCompare(b.chunkId));
    // Below the re-ordered head the fused order stays, scored under the head's lowest so scores still fall with rank.
    const reordered = fuse([head, byUnits], [1, 1]);
    const floor = reordered.at(-1)?.score ?? 0;
    const tail = fused.slice(rerankPool);
    const tailTop = tail[0]?.score ?? 0;
    return [...reordered, ...tail.map((chunk) => ({ ...chunk, score: tailTop > 0 ? floor * 0.99 * (chunk.score / tailTop) : 0 }))];
  }

  async function rank(request: RetrieveRequest, state: string): Promise<RetrievedChunk[]> {
    const { collection, query, k, mode } = request;
    const candidateCount = request.mmrLambda !== undefined || mode === 'hybrid' ? Math.max(k, fusionPool) : k;
    let ranked: RetrievedChunk[];
    let queryVector: number[] | undefined;
    if (mode === 'keyword') {
      ranked = await keywordSearch(collection, state, query, candidateCount, request.minScore);
    } else {
      queryVector = await embedQuery(collection, query);
      if (mode === 'vector') {
        ranked = await vectorSearch(collection, queryVector, candidateCount, request.minScore);
      } else {
        const [vector, keyword] = await Promise.all([
          vectorSearch(collection, queryVector, candidateCount, request.minScore),
          keywordSearch(collection, state, query, candidateCount),
        ]);
        ranked = fuse([vector, keyword], [request.fusion?.vector ?? defaultFusion.vector, request.fusion?.keyword ?? defaultFusion.keyword]);
        if (request.rerank) ranked = await rerank(collection, queryVector, ranked);
      }
    }
    if (request.mmrLambda !== undefined && ranked.length > 0) {
      queryVector ??= await embedQuery(collection, query);
      return diversify(collection, queryVector, ranked, k, request.mmrLambda);
    }
    return ranked.slice(0, k);
  }

  return {
    async retrieve(request: RetrieveRequest): Promise<RetrievedChunk[]> {
      const state = await collectionState(request.collection);
      const key = JSON.stringify([request.collection.id, state, request.query, request.k, request.mode, request.minScore ?? null, request.mmrLambda ?? null, request.fusion ?? null, request.rerank ?? false]);
      const cached = results.get(key);
      if (cached) return cached.map((chunk) => ({ ...chunk }));
      const ranked = await rank(request, state);
      results.set(key, ranked);
      return ranked.map((chunk) => ({ ...chunk }));
    },
  };
}

/** Weighted reciprocal-rank fusion of ranked lists; ties broken by chunk id so the order is stable. */
export function fuse(lists: RetrievedChunk[][], weights: number[]): RetrievedChunk[] {
  const fused = new Map<string, RetrievedChunk>();
  lists.forEach((list, which) => {
    list.forEach((chunk, rank) => {
      const previous = fused.get(chunk.chunkId);
      fused.set(chunk.chunkId, { ...(previous ?? chunk), score: (previous?.score ?? 0) + weights[which]! / (rrfK + rank + 1) });
    });
  });
  return [...fused.values()].sort((a, b) => b.score - a.score || a.chunkId.localeCompare(b.chunkId));
}

export type Retriever = ReturnType<typeof createRetriever>;
