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

export const deleteCollection = createRoute({
  method: 'delete',
  path: '/api/collections/{name}',
  tags: ['collections'],
  summary: 'Delete a collection: its vectors, ledger and chunks',
  request: { params: z.object({ name: collectionName }) },
  responses: {
    200: { description: 'deleted', content: { 'application/json': { schema: z.object({ deleted: z.string(), documents: z.number(), chunks: z.number() }) } } },
    404: { description: 'no such collection', content: errorContent },
  },
});
