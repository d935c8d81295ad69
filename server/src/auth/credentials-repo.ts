import type pg from 'pg';
import { hashSecret, newSecret } from './secrets';
import type { Role } from './users-repo';

export interface Principal {
  id: string;
  username: string;
  role: Role;
}

const sessionDays = 14;

/** Sessions, API tokens and one-time login links: secrets handed out once, stored as hashes. */
export function createCredentialsRepo(pool: pg.Pool) {
  const principalBy = async (sql: string, secret: string): Promise<Principal | undefined> => {
    const result = await pool.query<Principal>(sql, [hashSecret(secret)]);
    return result.rows[0];
  };
  return {
    async createSession(userId: string): Promise<{ secret: string; expiresAt: Date }> {
      const secret = newSecret('astra_s');
      const expiresAt = new Date(Date.now() + sessionDays * 86_400_000);
      await pool.query('insert into sessions (token_hash, user_id, expires_at) values ($1, $2, $3)', [hashSecret(secret), userId, expiresAt]);
      return { secret, expiresAt };
    },
    sessionPrincipal(secret: string) {
      return principalBy(
        'select u.id, u.username, u.role from sessions s join users u on u.id = s.user_id where s.token_hash = $1 and s.expires_at > now()',
        secret,
      );
    },
    async deleteSession(secret: string): Promise<void> {
      await pool.query('delete from sessions where token_hash = $1', [hashSecret(secret)]);
    },
    async createApiToken(userId: string, name: string): Promise<string> {
      const secret = newSecret('astra_t');
      await pool.query('insert into api_tokens (user_id, name, token_hash) values ($1, $2, $3)', [userId, name, hashSecret(secret)]);
      return secret;
    },
    tokenPrincipal(secret: string) {
      return principalBy(
        'update api_tokens t set last_used_at = now() from users u where u.id = t.user_id and t.token_hash = $1 returning u.id, u.username, u.role',
        secret,
      );
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
          where u.id = l.user_id and l.token_hash = $1 and l.used_at is null and l.expires_at > now()
          returning u.id, u.username, u.role`,
        secret,
      );
    },
  };
}

export type CredentialsRepo = ReturnType<typeof createCredentialsRepo>;
