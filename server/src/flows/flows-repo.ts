// Flows, their immutable versions and sharing. Every read takes the asking user: a flow someone may
// not see is simply not found, so no route can tell "forbidden" from "absent".
import type pg from 'pg';
import { inTransaction } from '@astra/activities';
import type { FlowGraph } from '@astra/workflows/flow';
import type { Principal } from '../auth/credentials-repo';

export interface FlowRecord {
  id: string;
  ownerId: string;
  owner: string;
  name: string;
  description: string;
  visibility: 'private' | 'shared';
  sharedWith: { users: string[]; roles: string[] };
  latestVersion: number;
  updatedAt: string;
  canEdit: boolean;
}

export interface FlowVersionRecord {
  number: number;
  graph: FlowGraph;
  message: string;
  createdBy: string;
  createdAt: string;
}

interface FlowRow {
  id: string;
  owner_id: string;
  owner: string;
  name: string;
  description: string;
  visibility: 'private' | 'shared';
  shared_roles: string[];
  shared_users: string[];
  latest_version: number;
  updated_at: Date;
}

const flowColumns = `f.id, f.owner_id, u.username as owner, f.name, f.description, f.visibility, f.shared_roles, f.latest_version, f.updated_at,
  coalesce((select array_agg(su.username order by su.username) from flow_shares s join users su on su.id = s.user_id where s.flow_id = f.id), '{}') as shared_users`;

/** The flows `$1` (user id) with role `$2` may see. */
const visibleTo = `(f.owner_id = $1 or (f.visibility = 'shared' and ($2 = any(f.shared_roles) or exists (select 1 from flow_shares s where s.flow_id = f.id and s.user_id = $1))))`;

const toFlow = (row: FlowRow, user: Principal): FlowRecord => ({
  id: row.id,
  ownerId: row.owner_id,
  owner: row.owner,
  name: row.name,
  description: row.description,
  visibility: row.visibility,
  sharedWith: { users: row.shared_users, roles: row.shared_roles },
  latestVersion: row.latest_version,
  updatedAt: row.updated_at.toISOString(),
  canEdit: row.owner_id === user.id,
});

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => uuidPattern.test(value);

export function createFlowsRepo(pool: pg.Pool) {
  const insertVersion = async (client: pg.PoolClient, flowId: string, number: number, graph: FlowGraph, message: string, by: string) => {
    const row = await client.query<{ created_at: Date }>(
      'insert into flow_versions (flow_id, number, graph, message, created_by) values ($1, $2, $3, $4, $5) returning created_at',
      [flowId, number, JSON.stringify(graph), message, by],
    );
    return row.rows[0]!.created_at;
  };

  return {
    /**
     * A page of the flows the user may see, their own first (a flood of shared flows cannot push them
     * out of the first page); `name` matches exactly, `search` anywhere in name or description.
     */
    async list(user: Principal, filter: { search?: string; name?: string; limit: number; offset: number }): Promise<{ flows: FlowRecord[]; total: number }> {
      const pattern = filter.search ? `%${filter.search.replace(/[\\%_]/g, '\\$&')}%` : null;
      const rows = await pool.query<FlowRow & { total: string }>(
        `select ${flowColumns}, count(*) over () as total from flows f join users u on u.id = f.owner_id
          where ${visibleTo} and ($3::text is null or f.name ilike $3 or f.description ilike $3) and ($4::text is null or f.name = $4)
          order by (f.owner_id = $1) desc, f.updated_at desc, f.id limit $5 offset $6`,
        [user.id, user.role, pattern, filter.name ?? null, filter.limit, filter.offset],
      );
      // Past the last row a page is empty and carries no count: count the matches on their own.
      const total = rows.rows[0] ? Number(rows.rows[0].total) : filter.offset === 0 ? 0 : Number((await pool.query<{ total: string }>(
        `select count(*) as total from flows f where ${visibleTo} and ($3::text is null or f.name ilike $3 or f.description ilike $3) and ($4::text is null or f.name = $4)`,
        [user.id, user.role, pattern, filter.name ?? null],
      )).rows[0]!.total);
      return { flows: rows.rows.map((row) => toFlow(row, user)), total };
    },

    /** How many runs of the flow people other than its owner have, and who they are. */
    async othersRuns(flowId: string, ownerId: string): Promise<{ runs: number; users: string[] }> {
      const row = (await pool.query<{ runs: string; users: string[] }>(
        `select count(*) as runs, coalesce(array_agg(distinct u.username), '{}') as users
           from runs r join users u on u.id = r.owner_id where r.flow_id = $1 and r.owner_id <> $2`,
        [flowId, ownerId],
      )).rows[0]!;
      return { runs: Number(row.runs), users: row.users };
    },

    async get(user: Principal, id: string): Promise<FlowRecord | undefined> {
      if (!isUuid(id)) return undefined;
      const row = (await pool.query<FlowRow>(`select ${flowColumns} from flows f join users u on u.id = f.owner_id where f.id = $3 and ${visibleTo}`, [user.id, user.role, id])).rows[0];
      return row && toFlow(row, user);
    },

    /** A flow whoever owns it, for callers authorised another way (a published app pins one of its versions). */
    async byId(id: string): Promise<FlowRecord | undefined> {
      if (!isUuid(id)) return undefined;
      const row = (await pool.query<FlowRow>(`select ${flowColumns} from flows f join users u on u.id = f.owner_id where f.id = $1`, [id])).rows[0];
      // Read on behalf of no one: nobody may edit through it.
      return row && { ...toFlow(row, { id: '', username: '', role: 'user' }), canEdit: false };
    },

    async create(user: Principal, input: { name: string; description: string; graph: FlowGraph; message: string }): Promise<string> {
      return inTransaction(pool, async (client) => {
        const row = await client.query<{ id: string }>('insert into flows (owner_id, name, description) values ($1, $2, $3) returning id', [user.id, input.name, input.description]);
        const id = row.rows[0]!.id;
        await insertVersion(client, id, 1, input.graph, input.message || 'created', user.id);
        return id;
      });
    },

    /** A new immutable version; name and description change with it when given. */
    async addVersion(user: Principal, id: string, input: { graph: FlowGraph; message: string; name?: string; description?: string }): Promise<number> {
      return inTransaction(pool, async (client) => {
        const row = await client.query<{ latest_version: number }>(
          `update flows set latest_version = latest_version + 1, updated_at = now(), name = coalesce($3, name), description = coalesce($4, description)
            where id = $1 and owner_id = $2 returning latest_version`,
          [id, user.id, input.name ?? null, input.description ?? null],
        );
        const number = row.rows[0]!.latest_version;
        await insertVersion(client, id, number, input.graph, input.message, user.id);
        return number;
      });
    },

    async versions(flowId: string): Promise<Array<Omit<FlowVersionRecord, 'graph'> & { nodes: number; edges: number }>> {
      const rows = await pool.query<{ number: number; message: string; created_by: string | null; created_at: Date; nodes: number; edges: number }>(
        `select v.number, v.message, coalesce(u.username, '(deleted user)') as created_by, v.created_at,
                jsonb_array_length(v.graph->'nodes') as nodes, jsonb_array_length(v.graph->'edges') as edges
           from flow_versions v left join users u on u.id = v.created_by where v.flow_id = $1 order by v.number desc`,
        [flowId],
      );
      return rows.rows.map((row) => ({ number: row.number, message: row.message, createdBy: row.created_by ?? '', createdAt: row.created_at.toISOString(), nodes: row.nodes, edges: row.edges }));
    },

    async version(flowId: string, number: number): Promise<FlowVersionRecord | undefined> {
      const row = (await pool.query<{ number: number; graph: FlowGraph; message: string; created_by: string | null; created_at: Date }>(
        `select v.number, v.graph, v.message, coalesce(u.username, '(deleted user)') as created_by, v.created_at
           from flow_versions v left join users u on u.id = v.created_by where v.flow_id = $1 and v.number = $2`,
        [flowId, number],
      )).rows[0];
      return row && { number: row.number, graph: row.graph, message: row.message, createdBy: row.created_by ?? '', createdAt: row.created_at.toISOString() };
    },

    async remove(user: Principal, id: string): Promise<boolean> {
      return ((await pool.query('delete from flows where id = $1 and owner_id = $2', [id, user.id])).rowCount ?? 0) > 0;
    },

    /** Replaces who the flow is shared with; returns the usernames that do not exist. */
    async share(user: Principal, id: string, input: { visibility: 'private' | 'shared'; users: string[]; roles: string[] }): Promise<{ unknownUsers: string[] }> {
      return inTransaction(pool, async (client) => {
        const found = (await client.query<{ id: string; username: string }>('select id, username from users where username = any($1)', [input.users])).rows;
        const unknownUsers = input.users.filter((name) => !found.some((row) => row.username === name));
        if (unknownUsers.length > 0) return { unknownUsers };
        await client.query('update flows set visibility = $3, shared_roles = $4, updated_at = now() where id = $1 and owner_id = $2', [id, user.id, input.visibility, input.roles]);
        await client.query('delete from flow_shares where flow_id = $1', [id]);
        if (found.length > 0) await client.query('insert into flow_shares (flow_id, user_id) select $1, unnest($2::uuid[])', [id, found.map((row) => row.id)]);
        return { unknownUsers: [] };
      });
    },
  };
}

export type FlowsRepo = ReturnType<typeof createFlowsRepo>;
