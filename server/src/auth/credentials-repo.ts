import type pg from 'pg';
import { hashSecret, newSecret } from './secrets';
import type { Role } from './users-repo';

export interface Principal {
  id: string;
  username: string;
  role: Role;
}

/** Where a request came from: kept on the session or token it used, so its owner can tell them apart. */
export interface RequestPlace {
  ip: string | null;
  userAgent: string | null;
}

export interface SessionRecord {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
}

export interface ApiTokenRecord {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  lastIp: string | null;
  lastUserAgent: string | null;
}

const sessionDays = 14;
/** Last-used times are written at most this often per session, so a busy page is not a write per request. */
const touchEverySeconds = 30;

const iso = (date: Date | null) => date?.toISOString() ?? null;

/**
 * Sessions, API tokens and one-time login links: secrets handed out once, stored as hashes. A session
 * unused for `idleMinutes` ends; nothing of a suspended user's authenticates.
 */
export function createCredentialsRepo(pool: pg.Pool, options: { idleMinutes?: number } = {}) {
  const idle = `${options.idleMinutes ?? 24 * 60} minutes`;
  const principalBy = async (sql: string, values: unknown[]): Promise<Principal | undefined> => {
    const result = await pool.query<Principal>(sql, values);
    return result.rows[0];
  };
  return {
    async createSession(userId: string, place: RequestPlace = { ip: null, userAgent: null }): Promise<{ secret: string; expiresAt: Date }> {
      const secret = newSecret('astra_s');
      const expiresAt = new Date(Date.now() + sessionDays * 86_400_000);
      await pool.query('insert into sessions (token_hash, user_id, expires_at, ip, user_agent) values ($1, $2, $3, $4, $5)', [hashSecret(secret), userId, expiresAt, place.ip, place.userAgent?.slice(0, 500) ?? null]);
      return { secret, expiresAt };
    },
    /** The session's user, if it is live: not expired, not idle too long, its user not suspended; notes where it was used. */
    sessionPrincipal(secret: string, place: RequestPlace = { ip: null, userAgent: null }) {
      return principalBy(
        `with found as (
           select s.token_hash, s.last_used_at, s.ip, u.id, u.username, u.role from sessions s join users u on u.id = s.user_id
            where s.token_hash = $1 and s.expires_at > now() and s.last_used_at > now() - $2::interval and u.suspended_at is null),
         touched as (
           update sessions s set last_used_at = now(), ip = coalesce($3, s.ip), user_agent = coalesce($4, s.user_agent) from found
            where s.token_hash = found.token_hash and (found.last_used_at < now() - interval '${touchEverySeconds} seconds' or found.ip is distinct from coalesce($3, found.ip)))
         select id, username, role from found`,
        [hashSecret(secret), idle, place.ip, place.userAgent?.slice(0, 500) ?? null],
      );
    },
    /** The id of the session this secret opens (to mark "this session" in a list). */
    async sessionId(secret: string): Promise<string | undefined> {
      return (await pool.query<{ id: string }>('select id from sessions where token_hash = $1', [hashSecret(secret)])).rows[0]?.id;
    },
    async deleteSession(secret: string): Promise<void> {
      await pool.query('delete from sessions where token_hash = $1', [hashSecret(secret)]);
    },
    /** The user's live sessions, newest use first. */
    async sessions(userId: string): Promise<SessionRecord[]> {
      const rows = await pool.query<{ id: string; created_at: Date; last_used_at: Date; expires_at: Date; ip: string | null; user_agent: string | null }>(
        `select id, created_at, last_used_at, expires_at, ip, user_agent from sessions
          where user_id = $1 and expires_at > now() and last_used_at > now() - $2::interval order by last_used_at desc`,
        [userId, idle],
      );
      return rows.rows.map((row) => ({ id: row.id, createdAt: row.created_at.toISOString(), lastUsedAt: row.last_used_at.toISOString(), expiresAt: row.expires_at.toISOString(), ip: row.ip, userAgent: row.user_agent }));
    },
    /** Ends one of the user's sessions; false when it has none by that id. */
    async revokeSession(userId: string, sessionId: string): Promise<boolean> {
      const result = await pool.query('delete from sessions where user_id = $1 and id::text = $2', [userId, sessionId]);
      return (result.rowCount ?? 0) > 0;
    },
    async createApiToken(userId: string, name: string): Promise<string> {
      const secret = newSecret('astra_t');
      await pool.query('insert into api_tokens (user_id, name, token_hash) values ($1, $2, $3)', [userId, name, hashSecret(secret)]);
      return secret;
    },
    tokenPrincipal(secret: string, place: RequestPlace = { ip: null, userAgent: null }) {
      return principalBy(
        `update api_tokens t set last_used_at = now(), last_ip = coalesce($2, t.last_ip), last_user_agent = coalesce($3, t.last_user_agent)
           from users u where u.id = t.user_id and t.token_hash = $1 and u.suspended_at is null returning u.id, u.username, u.role`,
        [hashSecret(secret), place.ip, place.userAgent?.slice(0, 500) ?? null],
      );
    },
    async apiTokens(userId: string): Promise<ApiTokenRecord[]> {
      const rows = await pool.query<{ id: string; name: string; created_at: Date; last_used_at: Date | null; last_ip: string | null; last_user_agent: string | null }>(
        'select id, name, created_at, last_used_at, last_ip, last_user_agent from api_tokens where user_id = $1 order by created_at desc',
        [userId],
      );
      return rows.rows.map((row) => ({ id: row.id, name: row.name, createdAt: row.created_at.toISOString(), lastUsedAt: iso(row.last_used_at), lastIp: row.last_ip, lastUserAgent: row.last_user_agent }));
    },
    /** Deletes one of the user's API tokens (by id or name); false when there is none. */
    async revokeApiToken(userId: string, idOrName: string): Promise<boolean> {
      const result = await pool.query('delete from api_tokens where user_id = $1 and (id::text = $2 or name = $2)', [userId, idOrName]);
      return (result.rowCount ?? 0) > 0;
    },
    /** Ends the user's sessions but the one this secret opens (none kept when it is undefined); how many ended. */
    async endOtherSessions(userId: string, keepSecret: string | undefined): Promise<number> {
      const result = await pool.query('delete from sessions where user_id = $1 and token_hash is distinct from $2', [userId, keepSecret ? hashSecret(keepSecret) : null]);
      return result.rowCount ?? 0;
    },
    /** Ends every session, API token and API key of the user at once (suspension, "sign out everywhere"). */
    async endEverything(userId: string): Promise<{ sessions: number; tokens: number; keys: number }> {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const sessions = await client.query('delete from sessions where user_id = $1', [userId]);
        const tokens = await client.query('delete from api_tokens where user_id = $1', [userId]);
        const keys = await client.query('update api_keys set revoked_at = now() where user_id = $1 and revoked_at is null', [userId]);
        await client.query('commit');
        return { sessions: sessions.rowCount ?? 0, tokens: tokens.rowCount ?? 0, keys: keys.rowCount ?? 0 };
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async createLoginLink(userId: string, validForMs = 86_400_000): Promise<string> {
      const secret = newSecret('astra_l');
      await pool.query('insert into login_links (token_hash, user_id, expires_at) values ($1, $2, $3)', [hashSecret(secret), userId, new Date(Date.now() + validForMs)]);
      return secret;
    },
    /** Marks the link used in the same statement that reads it, so a link logs in once. */
    consumeLoginLink(secret: string) {
      return principalBy(
        `update login_links l set used_at = now() from users u
          where u.id = l.user_id and l.token_hash = $1 and l.used_at is null and l.expires_at > now() and u.suspended_at is null
          returning u.id, u.username, u.role`,
        [hashSecret(secret)],
      );
    },
  };
}

export type CredentialsRepo = ReturnType<typeof createCredentialsRepo>;
