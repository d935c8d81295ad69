import { createHash } from 'node:crypto';
import type { ChromaClient } from 'chromadb';
import type pg from 'pg';

export interface SelfCheckDeps {
  pool: pg.Pool;
  chroma: ChromaClient;
}

export interface SelfCheckRecord {
  checkId: string;
  postgres: { note: string; createdAt: string } | null;
  chroma: { document: string | null; metadata: Record<string, unknown> | null } | null;
}

const collectionName = 'astra_self_checks';

/** A fixed-size vector derived from the text: the probe tests storage, not semantics. */
function probeVector(text: string): number[] {
  return [...createHash('sha256').update(text).digest().subarray(0, 8)].map((byte) => byte / 255);
}

export function createSelfCheckActivities({ pool, chroma }: SelfCheckDeps) {
  const collection = () => chroma.getOrCreateCollection({ name: collectionName, embeddingFunction: null });
  return {
    /** Idempotent: a retried or replayed attempt writes the same row and the same record. */
    async writeSelfCheck(input: { checkId: string; note: string }): Promise<void> {
      await pool.query('insert into self_checks (check_id, note) values ($1, $2) on conflict (check_id) do nothing', [input.checkId, input.note]);
      await (await collection()).upsert({
        ids: [input.checkId],
        documents: [input.note],
        embeddings: [probeVector(input.note)],
        metadatas: [{ checkId: input.checkId }],
      });
    },
    async readSelfCheck(checkId: string): Promise<SelfCheckRecord> {
      const row = await pool.query<{ note: string; created_at: Date }>('select note, created_at from self_checks where check_id = $1', [checkId]);
      const stored = await (await collection()).get({ ids: [checkId], include: ['documents', 'metadatas'] });
      const first = row.rows[0];
      return {
        checkId,
        postgres: first ? { note: first.note, createdAt: first.created_at.toISOString() } : null,
        chroma: stored.ids.length ? { document: stored.documents[0] ?? null, metadata: stored.metadatas[0] ?? null } : null,
      };
    },
  };
}
