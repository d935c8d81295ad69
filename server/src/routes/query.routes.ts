import { createRoute, z } from '@hono/zod-openapi';
import { collectionName } from './collections.routes';
import { errorContent } from './schemas';

export const queryCollection = createRoute({
  method: 'post',
  path: '/api/query',
  tags: ['query'],
  summary: 'Retrieve the passages of a collection that best match a question',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            collection: collectionName,
            query: z.string().trim().min(1, 'the query is empty').max(4000),
            k: z.number().int().min(1).max(100).default(5),
            mode: z.enum(['hybrid', 'vector', 'keyword']).default('hybrid'),
            minScore: z.number().min(-1).max(1).optional(),
            mmrLambda: z.number().min(0).max(1).optional(),
          }),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'results, best first',
      content: {
        'application/json': {
          schema: z.object({
            results: z.array(z.object({ source: z.string(), chunkId: z.string(), score: z.number(), title: z.string().nullable(), headingPath: z.array(z.string()), text: z.string() })),
          }),
        },
      },
    },
    400: { description: 'bad request (empty collection, query too long)', content: errorContent },
    403: { description: 'a model the caller may not use (an admin restricted it)', content: errorContent },
    404: { description: 'no such collection', content: errorContent },
  },
});

/** The events of the /api/ask stream, one schema each, parsed by the CLI. */
export const askEvents = {
  token: z.object({ text: z.string() }),
  answer: z.object({
    answer: z.string(),
    citations: z.array(z.object({ number: z.number(), source: z.string(), title: z.string().nullable(), cited: z.boolean() })),
  }),
  error: z.object({ error: z.string() }),
};

export const askCollection = createRoute({
  method: 'post',
  path: '/api/ask',
  tags: ['query'],
  summary: 'Answer a question from a collection: a server-sent event stream of tokens, then the answer with numbered citations',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            collection: collectionName,
            question: z.string().trim().min(1, 'the question is empty').max(4000),
            k: z.number().int().min(1).max(20).default(5),
            mode: z.enum(['hybrid', 'vector', 'keyword']).default('hybrid'),
            model: z.string().optional(),
            style: z.enum(['auto', 'extractive', 'generative']).default('auto').describe('extractive quotes the passages with their [n]; auto does so for a small model'),
          }),
        },
      },
    },
  },
  responses: {
    200: { description: 'text/event-stream: `token` events ({text}), then `answer` ({answer, citations}) or `error` ({error})' },
    400: { description: 'bad request', content: errorContent },
    403: { description: 'a model the caller may not use (an admin restricted it)', content: errorContent },
    404: { description: 'no such collection', content: errorContent },
  },
});
