// API keys: what a person hands an OpenAI or Ollama client. Each acts as its owner, held to the
// chat apps it is scoped to, until it expires or is revoked; only its hash is stored.
import type pg from 'pg';
import { msToNumber, type Duration } from '@temporalio/common/lib/time';
import { hashSecret, newSecret } from '../auth/secrets';
import type { Caller } from './apps-repo';

export const keyPrefix = 'astra_k';

export interface ApiKey {
  id: string;
  name: string;
  /** The first characters of the key, to tell keys apart in a list. */
  prefix: string;
  apps: Array<{ id: string; slug: string | null }> | null;
  ratePerMinute: number;
  expiresAt: string | null;
  lastUsedAt: string | null;
  /** Where it was last used from. */
  lastIp: string | null;
  lastUserAgent: string | null;
  revokedAt: string | null;
  createdAt: string;
}

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  app_ids: string[] | null;
  app_slugs: Array<string | null> | null;
  rate_per_minute: number;
  expires_at: Date | null;
  last_used_at: Date | null;
  last_ip: string | null;
  last_user_agent: string | null;
  revoked_at: Date | null;
  created_at: Date;
}

const toKey = (row: KeyRow): ApiKey => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  apps: row.app_ids ? row.app_ids.map((id, i) => ({ id, slug: row.app_slugs?.[i] ?? null })) : null,
  ratePerMinute: row.rate_per_minute,
  expiresAt: row.expires_at?.toISOString() ?? null,
  lastUsedAt: row.last_used_at?.toISOString() ?? null,
  lastIp: row.last_ip,
  lastUserAgent: row.last_user_agent,
  revokedAt: row.revoked_at?.toISOString() ?? null,
  createdAt: row.created_at.toISOString(),
});

export function createKeysRepo(pool: pg.Pool) {
  return {
    async create(userId: string, input: { name: string; appIds: string[] | null; expiresAt: Date | null; ratePerMinute: number }): Promise<{ key: string; record: ApiKey }> {
      const secret = newSecret(keyPrefix);
      const row = (await pool.query<{ id: string }>(
        'insert into api_keys (user_id, name, key_hash, prefix, app_ids, expires_at, rate_per_minute) values ($1, $2, $3, $4, $5, $6, $7) returning id',
        [userId, input.name, hashSecret(secret), secret.slice(0, keyPrefix.length + 7), input.appIds, input.expiresAt, input.ratePerMinute],
      )).rows[0]!;
      return { key: secret, record: (await this.list(userId)).find((key) => key.id === row.id)! };
    },
    async list(userId: string): Promise<ApiKey[]> {
      const rows = await pool.query<KeyRow>(
        `select k.*, (select array_agg(a.slug order by ord) from unnest(k.app_ids) with ordinality as t(id, ord) left join chat_apps a on a.id = t.id) as app_slugs
           from api_keys k where k.user_id = $1 order by k.created_at desc`,
        [userId],
      );
      return rows.rows.map(toKey);
    },
    /** Revokes one of the user's keys (by id or by name); false when there is no such live key. */
    async revoke(userId: string, idOrName: string): Promise<boolean> {
      const result = await pool.query(
        `update api_keys set revoked_at = now() where user_id = $1 and revoked_at is null
           and (name = $2 or (id::text = $2))`,
        [userId, idOrName],
      );
      return (result.rowCount ?? 0) > 0;
    },
    /** The caller a key stands for, or why it does not (so the client is told "expired" or "revoked"). */
    async caller(secret: string, place: { ip: string | null; userAgent: string | null } = { ip: null, userAgent: null }): Promise<{ caller: Caller; ratePerMinute: number } | { refused: string } | undefined> {
      const row = (await pool.query<{ id: string; username: string; role: Caller['role']; key_id: string; app_ids: string[] | null; rate_per_minute: number; expires_at: Date | null; revoked_at: Date | null; suspended_at: Date | null }>(
        `with live as (select k.id, (k.revoked_at is null and (k.expires_at is null or k.expires_at > now())) as live from api_keys k where k.key_hash = $1)
         update api_keys k set last_used_at = case when live.live then now() else k.last_used_at end,
                last_ip = case when live.live then coalesce($2, k.last_ip) else k.last_ip end,
                last_user_agent = case when live.live then coalesce($3, k.last_user_agent) else k.last_user_agent end
           from users u, live where u.id = k.user_id and k.id = live.id
         returning u.id, u.username, u.role, u.suspended_at, k.id as key_id, k.app_ids, k.rate_per_minute, k.expires_at, k.revoked_at`,
        [hashSecret(secret), place.ip, place.userAgent?.slice(0, 500) ?? null],
      )).rows[0];
      if (!row) return undefined;
      if (row.revoked_at) return { refused: 'this API key was revoked' };
      if (row.suspended_at) return { refused: 'the account this API key belongs to is suspended' };
      if (row.expires_at && row.expires_at.getTime() <= Date.now()) return { refused: `this API key expired at ${row.expires_at.toISOString()}` };
      return { caller: { id: row.id, username: row.username, role: row.role, key: { id: row.key_id, appIds: row.app_ids } }, ratePerMinute: row.rate_per_minute };
    },
  };
}

export type KeysRepo = ReturnType<typeof createKeysRepo>;

/** A key's lifetime as Temporal spells durations ("30d", "12h", "2 weeks"), in ms; undefined when it is not one. */
export function parseExpiry(text: string): number | undefined {
  try {
    const value = msToNumber(text.trim() as Duration);
    return Number.isFinite(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}
