import { createRoute, z } from '@hono/zod-openapi';
import { appSlug } from '../chat/apps-repo';
import { errorContent } from './schemas';

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

export const keyBody = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  /** null: every app you may use. */
  apps: z.array(z.object({ id: z.string(), slug: z.string().nullable() })).nullable(),
  ratePerMinute: z.number(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  lastIp: z.string().nullable(),
  lastUserAgent: z.string().nullable(),
  revokedAt: z.string().nullable(),
  createdAt: z.string(),
});

export const listKeys = createRoute({
  method: 'get', path: '/api/keys', tags: ['keys'], summary: 'Your API keys (never the keys themselves)',
  responses: { 200: { description: 'keys', content: json(z.object({ keys: z.array(keyBody) })) } },
});

export const createKey = createRoute({
  method: 'post', path: '/api/keys', tags: ['keys'], summary: 'Create an API key for chat clients; the key is shown once',
  request: {
    body: {
      content: json(z.strictObject({
        name: z.string().trim().min(1).max(100),
        /** Slugs of the apps it reaches; absent: every app you may use (and the plain models). */
        apps: z.array(appSlug).min(1).max(100).optional(),
        /** How long it lives, as "30d", "12h" or "2w"; absent: until revoked. */
        expires: z.string().max(20).optional(),
        ratePerMinute: z.number().int().min(1).max(100_000).default(120),
      })),
      required: true,
    },
  },
  responses: {
    201: { description: 'created', content: json(z.object({ key: z.string(), record: keyBody })) },
    400: { description: 'malformed', content: errorContent },
    404: { description: 'an app you cannot use', content: errorContent },
  },
});

export const revokeKey = createRoute({
  method: 'delete', path: '/api/keys/{id}', tags: ['keys'], summary: 'Revoke one of your keys (by id or name); it stops working at once',
  request: { params: z.object({ id: z.string() }) },
  responses: { 204: { description: 'revoked' }, 404: { description: 'no such live key', content: errorContent } },
});
