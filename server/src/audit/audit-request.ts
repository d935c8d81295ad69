import type { Context } from 'hono';
import type { AppDeps, AppEnv } from '../app-types';
import { requestPlace } from '../auth/request-place';
import type { AuditAction, AuditEntry } from './audit-log';

/**
 * Records one action of the request's caller in the audit log, with where the request came from.
 * `actor` names someone else when the request has no signed-in user yet (a sign-in).
 */
export function auditRequest(deps: AppDeps) {
  return async (
    c: Context<AppEnv>,
    action: AuditAction,
    target: string | null,
    extra: { detail?: Record<string, unknown>; outcome?: AuditEntry['outcome']; actor?: { id: string | null; username: string } } = {},
  ): Promise<void> => {
    const user = extra.actor ?? (c.get('user') as AppEnv['Variables']['user'] | undefined);
    const place = requestPlace(c, deps.env.ASTRA_TRUSTED_PROXIES);
    const key = c.get('user')?.key;
    await deps.audit.record({
      actorId: user?.id ?? null,
      actor: user?.username ?? null,
      action,
      target,
      outcome: extra.outcome,
      ip: place.ip,
      userAgent: place.userAgent,
      detail: { ...(key ? { viaKey: key.id } : {}), ...extra.detail },
    });
  };
}

export type AuditRequest = ReturnType<typeof auditRequest>;
