// The audit log: one row per action a person took (who, what, on what, when, from where), kept in
// PostgreSQL, where a trigger refuses any update, delete or truncate (migration 0011).
import type pg from 'pg';
import { z } from 'zod';

/** Every action the log records; one row each. */
export const auditActions = [
  'auth.sign-in',
  'user.create',
  'user.approve',
  'user.role-change',
  'user.password-change',
  'user.suspend',
  'user.unsuspend',
  'user.sign-out-everywhere',
  'session.revoke',
  'token.revoke',
  'flow.create',
  'flow.save',
  'flow.import',
  'flow.restore',
  'flow.delete',
  'flow.share',
  'app.publish',
  'app.update',
  'app.unpublish',
  'key.create',
  'key.revoke',
  'run.start',
  'run.cancel',
  'ingest.start',
  'ingest.cancel',
  'finetune.start',
  'model-access.change',
] as const;
export const auditAction = z.enum(auditActions);
export type AuditAction = z.infer<typeof auditAction>;

/** Where a request came from, as the log keeps it. */
export interface AuditOrigin {
  actorId: string | null;
  actor: string | null;
  ip: string | null;
  userAgent: string | null;
}

export interface AuditEntry extends AuditOrigin {
  action: AuditAction;
  target: string | null;
  outcome?: 'success' | 'failure';
  detail?: Record<string, unknown>;
}

export const auditEventSchema = z.object({
  id: z.string(),
  at: z.string(),
  actorId: z.string().nullable(),
  actor: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  outcome: z.enum(['success', 'failure']),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

export const auditFilterSchema = z.object({
  action: z.string().max(100).optional().describe('an action, or a prefix ending in "." such as "flow."'),
  actor: z.string().max(100).optional(),
  target: z.string().max(500).optional(),
  outcome: z.enum(['success', 'failure']).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(200),
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;

interface AuditRow {
  id: string;
  at: Date;
  actor_id: string | null;
  actor: string | null;
  action: string;
  target: string | null;
  outcome: 'success' | 'failure';
  ip: string | null;
  user_agent: string | null;
  detail: Record<string, unknown>;
}

const toEvent = (row: AuditRow): AuditEvent => ({
  id: String(row.id),
  at: row.at.toISOString(),
  actorId: row.actor_id,
  actor: row.actor,
  action: row.action,
  target: row.target,
  outcome: row.outcome,
  ip: row.ip,
  userAgent: row.user_agent,
  detail: row.detail,
});

export function createAuditLog(pool: pg.Pool) {
  return {
    async record(entry: AuditEntry): Promise<void> {
      await pool.query(
        'insert into audit_events (actor_id, actor, action, target, outcome, ip, user_agent, detail) values ($1, $2, $3, $4, $5, $6, $7, $8)',
        [entry.actorId, entry.actor, entry.action, entry.target, entry.outcome ?? 'success', entry.ip, entry.userAgent?.slice(0, 500) ?? null, entry.detail ?? {}],
      );
    },
    /** Newest first. */
    async list(filter: AuditFilter): Promise<AuditEvent[]> {
      const where: string[] = [];
      const values: unknown[] = [];
      const add = (sql: (n: string) => string, value: unknown) => {
        values.push(value);
        where.push(sql(`$${values.length}`));
      };
      if (filter.action) {
        if (filter.action.endsWith('.')) add((n) => `starts_with(action, ${n})`, filter.action);
        else add((n) => `action = ${n}`, filter.action);
      }
      if (filter.actor) add((n) => `actor = ${n}`, filter.actor);
      if (filter.target) add((n) => `target = ${n}`, filter.target);
      if (filter.outcome) add((n) => `outcome = ${n}`, filter.outcome);
      if (filter.since) add((n) => `at >= ${n}`, filter.since);
      if (filter.until) add((n) => `at < ${n}`, filter.until);
      values.push(filter.limit);
      const rows = await pool.query<AuditRow>(
        `select * from audit_events ${where.length ? `where ${where.join(' and ')}` : ''} order by at desc, id desc limit $${values.length}`,
        values,
      );
      return rows.rows.map(toEvent);
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
