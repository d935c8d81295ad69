import { createRoute, z } from '@hono/zod-openapi';
import { errorContent } from './schemas';

const modelBody = z.object({
  name: z.string(),
  kind: z.enum(['generation', 'embedding']),
  provider: z.enum(['local', 'ollama', 'openai']),
  contextLength: z.number().nullable(),
  dimension: z.number().nullable(),
  file: z.object({ path: z.string(), sha256: z.string(), sizeBytes: z.number(), architecture: z.string(), sourcePackage: z.string(), registeredAt: z.string() }).optional(),
  fineTune: z.object({ baseModel: z.string(), loraPath: z.string().nullable(), lineage: z.unknown() }).optional(),
});

export const listModels = createRoute({
  method: 'get',
  path: '/api/models',
  tags: ['models'],
  summary: 'The models the configured provider offers',
  responses: { 200: { description: 'models', content: { 'application/json': { schema: z.object({ provider: z.string(), models: z.array(modelBody) }) } } } },
});

export const showModel = createRoute({
  method: 'get',
  path: '/api/models/{name}',
  tags: ['models'],
  summary: 'One model, with its file record for local models',
  request: { params: z.object({ name: z.string().min(1).max(200) }) },
  responses: {
    200: { description: 'the model', content: { 'application/json': { schema: z.object({ model: modelBody }) } } },
    404: { description: 'unknown model; the message lists the available ones', content: errorContent },
  },
});
