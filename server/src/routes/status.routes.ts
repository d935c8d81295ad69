import { createRoute, z } from '@hono/zod-openapi';
import { errorContent } from './schemas';

const part = z.object({ up: z.boolean(), latencyMs: z.number(), detail: z.string() });

export const status = createRoute({
  method: 'get',
  path: '/api/status',
  tags: ['status'],
  summary: 'The readiness report with details of each part',
  responses: {
    200: {
      description: 'report',
      content: {
        'application/json': {
          schema: z.object({
            ready: z.boolean(),
            version: z.string(),
            serverUrl: z.string(),
            temporalUiUrl: z.string().nullable(),
            user: z.object({ username: z.string(), role: z.string() }),
            parts: z.object({ temporal: part, postgres: part, chroma: part, worker: part }),
          }),
        },
      },
    },
  },
});

export const selfCheck = createRoute({
  method: 'post',
  path: '/api/status/self-check',
  tags: ['status'],
  summary: 'Admins: runs the self-check workflow: a real workflow whose activity writes to Postgres and Chroma and reads both back',
  responses: {
    200: {
      description: 'what the workflow wrote and read back',
      content: {
        'application/json': {
          schema: z.object({
            ok: z.boolean(),
            workflowId: z.string(),
            durationMs: z.number(),
            postgres: z.object({ note: z.string(), createdAt: z.string() }).nullable(),
            chroma: z.object({ document: z.string().nullable() }).nullable(),
          }),
        },
      },
    },
    403: { description: 'admins only', content: errorContent },
    429: { description: 'too many self-checks in a minute', content: errorContent },
    504: { description: 'the workflow did not finish in time (is a worker running?)', content: errorContent },
  },
});
