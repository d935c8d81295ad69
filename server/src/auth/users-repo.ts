import type pg from 'pg';
import { hashPassword, verifyPassword } from './secrets';

// The credential schemas live apart from the repository (and its argon2 hashing), so that route
// definitions, and the browser client built from them, can use them without the native module.
export { passwordSchema, roleSchema, usernameSchema, type Role } from './credential-schemas';
import type { Role } from './credential-schemas';

export interface User {
  id: string;
  username: string;
  role: Role;
  createdAt: string;
  approvedAt: string | null;
  suspendedAt: string | null;
}

interface UserRow {
  id: string;
  username: string;
  role: Role;
  created_at: Date;
  approved_at: Date | null;
  suspended_at: Date | null;
}

const toUser = (row: UserRow): User => ({
  id: row.id,
  username: row.username,
  role: row.role,
  createdAt: row.created_at.toISOString(),
  approvedAt: row.approved_at?.toISOString() ?? null,
  suspendedAt: row.suspended_at?.toISOString() ?? null,
});

export class UsernameTakenError extends Error {
  constructor(username: string) {
    super(`the username "${username}" is taken`);
  }
}

let unknownUserHashing: Promise<string> | undefined;
/** A hash of a random password, made once, to check guesses for usernames that do not exist against. */
const unknownUserHash = () => (unknownUserHashing ??= hashPassword(`no such user ${Math.random()}`));

export function createUsersRepo(pool: pg.Pool) {
  const columns = 'id, username, role, created_at, approved_at, suspended_at';
  return {
    async create(input: { username: string; password: string; role: Role }): Promise<User> {
      const passwordHash = await hashPassword(input.password);
      try {
        const result = await pool.query<UserRow>(
          `insert into users (username, password_hash, role, approved_at) values ($1, $2, $3, case when $3 = 'pending' then null else now() end) returning ${columns}`,
          [input.username, passwordHash, input.role],
        );
        return toUser(result.rows[0]!);
      } catch (error) {
        if ((error as { code?: string }).code === '23505') throw new UsernameTakenError(input.username);
        throw error;
      }
    },
    async list(): Promise<User[]> {
      const result = await pool.query<UserRow>(`select ${columns} from users order by created_at, username`);
      return result.rows.map(toUser);
    },
    async findById(id: string): Promise<User | undefined> {
      const result = await pool.query<UserRow>(`select ${columns} from users where id = $1`, [id]);
      return result.rows[0] && toUser(result.rows[0]);
    },
    async findByUsername(username: string): Promise<User | undefined> {
      const result = await pool.query<UserRow>(`select ${columns} from users where username = $1`, [username]);
      return result.rows[0] && toUser(result.rows[0]);
    },
    async firstAdmin(): Promise<User | undefined> {
      const result = await pool.query<UserRow>(`select ${columns} from users where role = 'admin' order by created_at limit 1`);
      return result.rows[0] && toUser(result.rows[0]);
    },
    /** The user when the password matches; undefined for an unknown user or a wrong password alike. */
    async checkPassword(username: string, password: string): Promise<User | undefined> {
      const result = await pool.query<UserRow & { password_hash: string | null }>(`select ${columns}, password_hash from users where username = $1`, [username]);
      const row = result.rows[0];
      if (!row?.password_hash) {
        // The same argon2 work as for a real account, so response time does not tell which names exist.
        await verifyPassword(await unknownUserHash(), password);
        return undefined;
      }
      return (await verifyPassword(row.password_hash, password)) ? toUser(row) : undefined;
    },
    /** Suspends or reinstates a user; undefined when there is no such user. */
    async setSuspended(username: string, suspended: boolean): Promise<User | undefined> {
      const result = await pool.query<UserRow>(
        `update users set suspended_at = case when $2 then coalesce(suspended_at, now()) else null end where username = $1 returning ${columns}`,
        [username, suspended],
      );
      return result.rows[0] && toUser(result.rows[0]);
    },
    /** Replaces the password when the current one matches; 'no-password' for an account that signs in only through OpenID Connect. */
    async changePassword(userId: string, current: string, next: string): Promise<'changed' | 'wrong' | 'no-password'> {
      const row = (await pool.query<{ password_hash: string | null }>('select password_hash from users where id = $1', [userId])).rows[0];
      if (!row?.password_hash) return 'no-password';
      if (!(await verifyPassword(row.password_hash, current))) return 'wrong';
      await pool.query('update users set password_hash = $2 where id = $1', [userId, await hashPassword(next)]);
      return 'changed';
    },
    /** Sets the role of an approved user; undefined when there is no such user, 'pending' when they are not approved yet. */
    async setRole(username: string, role: Exclude<Role, 'pending'>): Promise<User | 'pending' | undefined> {
      const result = await pool.query<UserRow>(
        `update users set role = $2 where username = $1 and role <> 'pending' returning ${columns}`,
        [username, role],
      );
      if (result.rows[0]) return toUser(result.rows[0]);
      return (await this.findByUsername(username)) ? 'pending' : undefined;
    },
    /** Approved, unsuspended usernames containing the text, for picking whom to share with: names only. */
    async names(contains: string, limit = 20): Promise<string[]> {
      const result = await pool.query<{ username: string }>(
        `select username from users where role <> 'pending' and suspended_at is null and strpos(username, $1) > 0
          order by strpos(username, $1), username limit $2`,
        [contains.toLowerCase(), limit],
      );
      return result.rows.map((row) => row.username);
    },
    async approve(username: string, role: Exclude<Role, 'pending'> = 'user'): Promise<User | undefined> {
      const result = await pool.query<UserRow>(
        `update users set role = $2, approved_at = coalesce(approved_at, now()) where username = $1 returning ${columns}`,
        [username, role],
      );
      return result.rows[0] && toUser(result.rows[0]);
    },
  };
}

export type UsersRepo = ReturnType<typeof createUsersRepo>;
