import { createRoute, z } from '@hono/zod-openapi';

const partNames = ['temporal', 'postgres', 'chroma', 'worker'] as const;
const publicPart = z.object({ up: z.boolean() });

export const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['health'],
  summary: 'Liveness: the server process answers',
  responses: { 200: { description: 'alive', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
});

const readyzBody = z.object({ ready: z.boolean(), parts: z.object(Object.fromEntries(partNames.map((name) => [name, publicPart])) as Record<(typeof partNames)[number], typeof publicPart>) });

export const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['health'],
  summary: 'Readiness of each part: Temporal, Postgres, Chroma, worker',
  responses: {
    200: { description: 'every part is up', content: { 'application/json': { schema: readyzBody } } },
    429: { description: 'too many calls from this address in a minute', content: { 'application/json': { schema: z.object({ error: z.string() }) } } },
    503: { description: 'some part is down', content: { 'application/json': { schema: readyzBody } } },
  },
});
