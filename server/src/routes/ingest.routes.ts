import { createRoute, z } from '@hono/zod-openapi';
import { collectionName } from './collections.routes';
import { errorContent, httpUrl } from './schemas';

const counts = {
  planned: z.number().nullable(),
  processed: z.number(),
  new: z.number(),
  updated: z.number(),
  skipped: z.number(),
  failed: z.number(),
  chunks: z.number(),
};

export const ingestStatusBody = z.object({
  workflowId: z.string(),
  collection: z.string(),
  source: z.string(),
  /** `completed_with_failures`: the run finished and some documents failed; `failed` also when every document failed. */
  status: z.enum(['running', 'completed', 'completed_with_failures', 'failed', 'cancelled', 'terminated', 'timed_out', 'unknown']),
  ...counts,
  outcome: z.enum(['ingested', 'partial', 'failed']),
  deleted: z.number().nullable(),
  failures: z.array(z.object({ source: z.string(), reason: z.string() })),
  error: z.string().nullable(),
});

export const startIngest = createRoute({
  method: 'post',
  path: '/api/ingest',
  tags: ['ingest'],
  summary: 'Start ingesting a folder or file on the server (admin) or a URL into a collection (created if new)',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              collection: collectionName,
              path: z.string().min(1).optional(),
              glob: z.string().min(1).optional(),
              url: httpUrl.optional(),
              embeddingModel: z.string().optional(),
              chunkTokens: z.number().int().positive().max(1_000_000).optional(),
              overlapTokens: z.number().int().nonnegative().max(1_000_000).optional(),
              batchSize: z.number().int().min(1).max(500).optional(),
            })
            .refine((body) => Boolean(body.path) !== Boolean(body.url), { message: 'give exactly one of path or url', path: ['path'] }),
        },
      },
    },
  },
  responses: {
    202: { description: 'started', content: { 'application/json': { schema: z.object({ workflowId: z.string(), collection: z.string() }) } } },
    400: { description: 'bad request', content: errorContent },
    403: { description: 'path ingestion needs the admin role, or the embedding model is one the caller may not use', content: errorContent },
  },
});

export const ingestStatus = createRoute({
  method: 'get',
  path: '/api/ingest/{workflowId}',
  tags: ['ingest'],
  summary: 'Progress and, once done, the summary of an ingest',
  request: { params: z.object({ workflowId: z.string().min(1).max(200) }) },
  responses: {
    200: { description: 'status', content: { 'application/json': { schema: ingestStatusBody } } },
    404: { description: 'no such ingest', content: errorContent },
  },
});

export const cancelIngest = createRoute({
  method: 'post',
  path: '/api/ingest/{workflowId}/cancel',
  tags: ['ingest'],
  summary: 'Cancel a running ingest; documents already indexed stay',
  request: { params: z.object({ workflowId: z.string().min(1).max(200) }) },
  responses: {
    202: { description: 'cancellation requested', content: { 'application/json': { schema: z.object({ workflowId: z.string() }) } } },
    404: { description: 'no such ingest', content: errorContent },
  },
});

export const uploadAndIngest = createRoute({
  method: 'post',
  path: '/api/uploads',
  tags: ['ingest'],
  summary: 'Upload one file (the raw bytes as the body) and ingest it into a collection (created if new)',
  request: {
    query: z.object({
      collection: collectionName,
      filename: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,199}$/, 'a file name of letters, digits, spaces and . _ ( ) -, with its extension'),
      embeddingModel: z.string().optional(),
    }),
  },
  responses: {
    202: { description: 'stored and ingest started', content: { 'application/json': { schema: z.object({ workflowId: z.string(), collection: z.string() }) } } },
    400: { description: 'bad request', content: errorContent },
    403: { description: 'the embedding model is one the caller may not use', content: errorContent },
    413: { description: 'larger than the upload limit', content: errorContent },
  },
});
