import { createRoute, z } from '@hono/zod-openapi';
import { errorContent } from './schemas';

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

export const sessionBody = z.object({
  id: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string(),
  expiresAt: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  /** The session this request came with. */
  current: z.boolean(),
});

export const apiTokenBody = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  lastIp: z.string().nullable(),
  lastUserAgent: z.string().nullable(),
});

export const listSessions = createRoute({
  method: 'get', path: '/api/sessions', tags: ['sessions'], summary: 'Your signed-in sessions: created, last used, from where',
  responses: { 200: { description: 'sessions', content: json(z.object({ sessions: z.array(sessionBody) })) } },
});

export const revokeSession = createRoute({
  method: 'delete', path: '/api/sessions/{id}', tags: ['sessions'], summary: 'End one of your sessions; it stops working on its next request',
  request: { params: z.object({ id: z.string() }) },
  responses: { 204: { description: 'ended' }, 404: { description: 'no such session', content: errorContent } },
});

export const listTokens = createRoute({
  method: 'get', path: '/api/tokens', tags: ['sessions'], summary: 'Your API tokens (never the tokens themselves): created, last used, from where',
  responses: { 200: { description: 'tokens', content: json(z.object({ tokens: z.array(apiTokenBody) })) } },
});

export const revokeToken = createRoute({
  method: 'delete', path: '/api/tokens/{id}', tags: ['sessions'], summary: 'Revoke one of your API tokens (by id or name); it stops working on its next request',
  request: { params: z.object({ id: z.string() }) },
  responses: { 204: { description: 'revoked' }, 404: { description: 'no such token', content: errorContent } },
});
