// Published chat apps: a pinned flow version with a slug, a title and who may use it.
import type pg from 'pg';
import { z } from 'zod';
import type { Principal } from '../auth/credentials-repo';

/**
 * private: its owner, signed in; shared: also the named users and roles (signed in or with their keys);
 * keys: also anyone holding a key its owner scoped to it (the way to hand an app to an outside client).
 */
export const appVisibility = z.enum(['private', 'shared', 'keys']);
export type AppVisibility = z.infer<typeof appVisibility>;

export const appSlug = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a slug is 1-63 characters: lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');

export interface ChatApp {
  id: string;
  slug: string;
  title: string;
  description: string;
  flowId: string;
  flowName: string;
  version: number;
  ownerId: string;
  owner: string;
  visibility: AppVisibility;
  sharedWith: { users: string[]; roles: string[] };
  createdAt: string;
  updatedAt: string;
}

/** What a request carries besides its user: the API key it came with, if any. */
export interface Caller extends Principal {
  key?: { id: string; appIds: string[] | null };
}

interface AppRow {
  id: string;
  slug: string;
  title: string;
  description: string;
  flow_id: string;
  flow_name: string;
  flow_version: number;
  owner_id: string;
  owner: string;
  visibility: AppVisibility;
  shared_roles: string[];
  shared_usernames: string[];
  shared_users: string[];
  created_at: Date;
  updated_at: Date;
}

const columns = `a.*, f.name as flow_name, u.username as owner,
  coalesce((select array_agg(su.username order by su.username) from users su where su.id = any(a.shared_users)), '{}') as shared_usernames`;
const from = 'chat_apps a join flows f on f.id = a.flow_id join users u on u.id = a.owner_id';

const toApp = (row: AppRow): ChatApp & { sharedUserIds: string[] } => ({
  id: row.id,
  slug: row.slug,
  title: row.title,
  description: row.description,
  flowId: row.flow_id,
  flowName: row.flow_name,
  version: row.flow_version,
  ownerId: row.owner_id,
  owner: row.owner,
  visibility: row.visibility,
  sharedWith: { users: row.shared_usernames, roles: row.shared_roles },
  sharedUserIds: row.shared_users,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/**
 * Whether this caller may chat with the app. A key is held to its scope on top of its owner's rights,
 * and reaches an app only when the app is meant to be handed out (shared or keys): a private app
 * answers its owner signed in (session or API token), never a key.
 */
export function mayUse(caller: Caller, app: ChatApp & { sharedUserIds: string[] }): boolean {
  if (caller.key?.appIds && !caller.key.appIds.includes(app.id)) return false;
  const owner = app.ownerId === caller.id;
  const named = app.visibility !== 'private' && (app.sharedUserIds.includes(caller.id) || app.sharedWith.roles.includes(caller.role));
  if (caller.key) return named || (owner && app.visibility !== 'private');
  return owner || named;
}

export class SlugTakenError extends Error {
  constructor(readonly slug: string) {
    super(`the slug "${slug}" is taken by another app; pick another with --slug`);
  }
}

export function createAppsRepo(pool: pg.Pool) {
  const bySlug = async (slug: string) => {
    const row = (await pool.query<AppRow>(`select ${columns} from ${from} where a.slug = $1`, [slug])).rows[0];
    return row && toApp(row);
  };
  const resolveUsers = async (usernames: string[]) => {
    const found = (await pool.query<{ id: string; username: string }>('select id, username from users where username = any($1)', [usernames])).rows;
    return { ids: found.map((row) => row.id), unknown: usernames.filter((name) => !found.some((row) => row.username === name)) };
  };
  return {
    bySlug,
    async byId(id: string) {
      const row = (await pool.query<AppRow>(`select ${columns} from ${from} where a.id = $1`, [id])).rows[0];
      return row && toApp(row);
    },
    /** Every published app, by title (for an admin deciding who may use which). */
    async all() {
      return (await pool.query<AppRow>(`select ${columns} from ${from} order by a.title, a.slug`)).rows.map(toApp);
    },
    /** The apps this caller may chat with, by title. */
    async list(caller: Caller) {
      const rows = (await pool.query<AppRow>(`select ${columns} from ${from} order by a.title, a.slug`)).rows.map(toApp);
      return rows.filter((app) => mayUse(caller, app));
    },
    async create(owner: Principal, input: { slug: string; title: string; description: string; flowId: string; version: number; visibility: AppVisibility; users: string[]; roles: string[] }): Promise<{ unknownUsers: string[] }> {
      const users = await resolveUsers(input.users);
      if (users.unknown.length > 0) return { unknownUsers: users.unknown };
      try {
        await pool.query(
          `insert into chat_apps (slug, title, description, flow_id, flow_version, owner_id, visibility, shared_roles, shared_users) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [input.slug, input.title, input.description, input.flowId, input.version, owner.id, input.visibility, input.roles, users.ids],
        );
      } catch (error) {
        if ((error as { code?: string }).code === '23505') throw new SlugTakenError(input.slug);
        throw error;
      }
      return { unknownUsers: [] };
    },
    /** Changes what was given; a new version is pinned only when one is named. */
    async update(id: string, input: { title?: string; description?: string; version?: number; visibility?: AppVisibility; users?: string[]; roles?: string[] }): Promise<{ unknownUsers: string[] }> {
      const users = input.users ? await resolveUsers(input.users) : undefined;
      if (users && users.unknown.length > 0) return { unknownUsers: users.unknown };
      await pool.query(
        `update chat_apps set title = coalesce($2, title), description = coalesce($3, description), flow_version = coalesce($4, flow_version),
           visibility = coalesce($5, visibility), shared_roles = coalesce($6, shared_roles), shared_users = coalesce($7, shared_users), updated_at = now()
         where id = $1`,
        [id, input.title ?? null, input.description ?? null, input.version ?? null, input.visibility ?? null, input.roles ?? null, users?.ids ?? null],
      );
      return { unknownUsers: [] };
    },
    async remove(id: string): Promise<void> {
      await pool.query('delete from chat_apps where id = $1', [id]);
    },
  };
}

export type AppsRepo = ReturnType<typeof createAppsRepo>;
export type StoredApp = NonNullable<Awaited<ReturnType<AppsRepo['bySlug']>>>;
