// Admin-only routes of identity and access: the audit log and model access rules (no server-only
// imports here: the shared client and the editor read these definitions).
import { createRoute, z } from '@hono/zod-openapi';
import { auditEventSchema, auditFilterSchema } from '../audit/audit-log';
import { accessKind, accessRuleSchema } from '../auth/model-access';
import { errorContent } from './schemas';

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

export const listAudit = createRoute({
  method: 'get', path: '/api/admin/audit', tags: ['admin'], summary: 'The audit log, newest first, filtered (admin)',
  request: { query: auditFilterSchema },
  responses: {
    200: { description: 'audit events', content: json(z.object({ events: z.array(auditEventSchema) })) },
    400: { description: 'a bad filter', content: errorContent },
    403: { description: 'not an admin', content: errorContent },
  },
});

export const exportAudit = createRoute({
  method: 'get', path: '/api/admin/audit/export', tags: ['admin'], summary: 'The audit log filtered as for /api/admin/audit, as JSON lines (one event a line), newest first (admin)',
  request: { query: auditFilterSchema },
  responses: {
    // No schema: the body is application/x-ndjson, one audit event (as in /api/admin/audit) a line.
    200: { description: 'JSON lines (application/x-ndjson), one audit event a line' },
    400: { description: 'a bad filter', content: errorContent },
    403: { description: 'not an admin', content: errorContent },
  },
});

export const listModelAccess = createRoute({
  method: 'get', path: '/api/admin/model-access', tags: ['admin'], summary: 'Who may use each model and published app (admin); a name with no rule is open to every approved user',
  responses: {
    200: {
      description: 'the rules, and every model and app there is to restrict',
      content: json(z.object({ rules: z.array(accessRuleSchema), models: z.array(z.object({ name: z.string(), kind: z.string(), provider: z.string() })), apps: z.array(z.object({ slug: z.string(), title: z.string(), owner: z.string() })) })),
    },
    403: { description: 'not an admin', content: errorContent },
  },
});

export const setModelAccess = createRoute({
  method: 'put', path: '/api/admin/model-access/{kind}/{name}', tags: ['admin'], summary: 'Set who may use a model or app (admin); empty lists open it to everyone again',
  request: {
    params: z.object({ kind: accessKind, name: z.string().min(1).max(200) }),
    body: { content: json(z.strictObject({ users: z.array(z.string().trim().toLowerCase().min(1).max(63)).max(1000).default([]), roles: z.array(z.enum(['admin', 'user'])).max(2).default([]) })), required: true },
  },
  responses: {
    200: { description: 'the rule now', content: json(z.object({ rule: accessRuleSchema.nullable() })) },
    400: { description: 'an unknown user', content: errorContent },
    403: { description: 'not an admin', content: errorContent },
    404: { description: 'no such model or app', content: errorContent },
  },
});
