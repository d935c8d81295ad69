// Model access control: which users and roles may use each model (local, Ollama or OpenAI-compatible)
// and each published app. A name nobody restricted is open to every approved user; once an admin
// names who may use it, only they (and admins) may. Enforced at run start (the run's owner), in chat,
// /v1 and the Ollama API; the lists show only what the caller may use.
import type pg from 'pg';
import { z } from 'zod';
import type { Principal } from './credentials-repo';

export const accessKind = z.enum(['model', 'app']);
export type AccessKind = z.infer<typeof accessKind>;

export const accessRuleSchema = z.object({
  kind: accessKind,
  name: z.string(),
  users: z.array(z.string()),
  roles: z.array(z.enum(['admin', 'user'])),
});
export type AccessRule = z.infer<typeof accessRuleSchema>;

export function createModelAccess(pool: pg.Pool) {
  /** The names of this kind the caller may not use, out of `names`. */
  const refused = async (caller: Principal, kind: AccessKind, names: readonly string[]): Promise<Set<string>> => {
    if (caller.role === 'admin' || names.length === 0) return new Set();
    const rows = await pool.query<{ name: string }>(
      `select name from model_access where kind = $1 and name = any($2)
         group by name having not bool_or(coalesce(user_id = $3::uuid, false) or coalesce(role = $4, false))`,
      [kind, [...new Set(names)], caller.id, caller.role],
    );
    return new Set(rows.rows.map((row) => row.name));
  };
  return {
    refused,
    /** Why the caller may not use one of these models (the first refused, named), or undefined when they may use all. */
    async modelRefusal(caller: Principal, names: readonly string[]): Promise<string | undefined> {
      const denied = await refused(caller, 'model', names);
      const first = names.find((name) => denied.has(name));
      return first === undefined ? undefined : `you may not use model "${first}"; ask an admin for access`;
    },
    /** The ones of `items` the caller may use. */
    async usable<T>(caller: Principal, kind: AccessKind, items: T[], nameOf: (item: T) => string): Promise<T[]> {
      const denied = await refused(caller, kind, items.map(nameOf));
      return items.filter((item) => !denied.has(nameOf(item)));
    },
    /** Every restricted name and who may use it. */
    async rules(): Promise<AccessRule[]> {
      const rows = await pool.query<{ kind: AccessKind; name: string; users: string[]; roles: Array<'admin' | 'user'> }>(
        `select a.kind, a.name,
                coalesce(array_agg(u.username order by u.username) filter (where u.username is not null), '{}') as users,
                coalesce(array_agg(a.role order by a.role) filter (where a.role is not null), '{}') as roles
           from model_access a left join users u on u.id = a.user_id
          group by a.kind, a.name order by a.kind, a.name`,
      );
      return rows.rows;
    },
    /**
     * Replaces who may use a name; empty lists open it to everyone again. Unknown usernames are
     * answered, and nothing changes.
     */
    async set(by: Principal, rule: AccessRule): Promise<{ unknownUsers: string[] }> {
      const client = await pool.connect();
      try {
        const found = (await client.query<{ id: string; username: string }>('select id, username from users where username = any($1)', [rule.users])).rows;
        const unknownUsers = rule.users.filter((name) => !found.some((row) => row.username === name));
        if (unknownUsers.length > 0) return { unknownUsers };
        await client.query('begin');
        await client.query('delete from model_access where kind = $1 and name = $2', [rule.kind, rule.name]);
        for (const user of found) await client.query('insert into model_access (kind, name, user_id, granted_by) values ($1, $2, $3, $4)', [rule.kind, rule.name, user.id, by.id]);
        for (const role of new Set(rule.roles)) await client.query('insert into model_access (kind, name, role, granted_by) values ($1, $2, $3, $4)', [rule.kind, rule.name, role, by.id]);
        await client.query('commit');
        return { unknownUsers: [] };
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

export type ModelAccess = ReturnType<typeof createModelAccess>;
