import { createRoute, z } from '@hono/zod-openapi';
import { errorContent } from './schemas';

export const collectionName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a collection name is 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit');

export const collectionBody = z.object({
  name: z.string(),
  embeddingModel: z.string(),
  chunkTokens: z.number(),
  overlapTokens: z.number(),
  createdAt: z.string(),
  documents: z.number(),
  failed: z.number(),
  chunks: z.number(),
});

export const listCollections = createRoute({
  method: 'get',
  path: '/api/collections',
  tags: ['collections'],
  summary: "The caller's collections with document and chunk counts",
  responses: { 200: { description: 'collections', content: { 'application/json': { schema: z.object({ collections: z.array(collectionBody) }) } } } },
});

export const showCollection = createRoute({
  method: 'get',
  path: '/api/collections/{name}',
  tags: ['collections'],
  summary: 'One collection, with its recent ingests',
  request: { params: z.object({ name: collectionName }) },
  responses: {
    200: {
      description: 'the collection',
      content: {
        'application/json': {
          schema: z.object({
            collection: collectionBody,
            ingests: z.array(z.object({ workflowId: z.string(), source: z.string(), startedAt: z.string(), finishedAt: z.string().nullable(), summary: z.unknown() })),
          }),
        },
      },
    },
    404: { description: 'no such collection', content: errorContent },
  },
});

export const collectionDocument = z.object({
  source: z.string(),
  title: z.string().nullable(),
  status: z.enum(['indexed', 'failed']),
  error: z.string().nullable(),
  /** Chunks it is split into (0 when it failed). */
  chunks: z.number(),
  /** Bumped each time a changed copy is ingested. */
  version: z.number(),
  updatedAt: z.string(),
});

export const listDocuments = createRoute({
  method: 'get',
  path: '/api/collections/{name}/documents',
  tags: ['collections'],
  summary: "A collection's documents, each with its chunk count and when it was last ingested",
  request: { params: z.object({ name: collectionName }), query: z.object({ limit: z.coerce.number().int().min(1).max(5000).default(1000) }) },
  responses: {
    200: { description: 'documents, most recently ingested first', content: { 'application/json': { schema: z.object({ documents: z.array(collectionDocument), total: z.number() }) } } },
    404: { description: 'no such collection', content: errorContent },
  },
});

export const deleteCollection = createRoute({
  method: 'delete',
  path: '/api/collections/{name}',
  tags: ['collections'],
  summary: 'Delete a collection: its vectors, ledger and chunks, and the schedules that feed it',
  request: { params: z.object({ name: collectionName }) },
  responses: {
    200: {
      description: 'deleted',
      content: { 'application/json': { schema: z.object({ deleted: z.string(), documents: z.number(), chunks: z.number(), schedulesDeleted: z.array(z.string()).describe('schedules that ingested into it, deleted with it (they would have nothing to feed)') }) } },
    },
    404: { description: 'no such collection', content: errorContent },
  },
});

export const rebuildStatusBody = z.object({
  collection: z.string(),
  workflowId: z.string(),
  status: z.enum(['running', 'completed', 'failed', 'cancelled', 'terminated', 'timed_out']),
  /** What the ledger holds, known once the rebuild has planned. */
  documents: z.number().nullable(),
  chunks: z.number().nullable(),
  /** Chunks embedded and stored again so far. */
  done: z.number(),
  /** Once completed: vectors Chroma holds, and stale ones removed. */
  vectors: z.number().nullable(),
  removed: z.number().nullable(),
  error: z.string().nullable(),
});

export const startRebuild = createRoute({
  method: 'post',
  path: '/api/collections/{name}/rebuild',
  tags: ['collections'],
  summary: "Rebuild a collection's vectors in Chroma from the Postgres ledger (a durable workflow)",
  request: { params: z.object({ name: collectionName }) },
  responses: {
    202: { description: 'started', content: { 'application/json': { schema: z.object({ workflowId: z.string(), collection: z.string() }) } } },
    404: { description: 'no such collection', content: errorContent },
    409: { description: 'a rebuild or an ingest of the collection is running', content: errorContent },
  },
});

export const rebuildStatus = createRoute({
  method: 'get',
  path: '/api/collections/{name}/rebuild',
  tags: ['collections'],
  summary: "Progress and, once done, the outcome of the collection's latest rebuild",
  request: { params: z.object({ name: collectionName }) },
  responses: {
    200: { description: 'status', content: { 'application/json': { schema: rebuildStatusBody } } },
    404: { description: 'no such collection, or it was never rebuilt', content: errorContent },
  },
});
