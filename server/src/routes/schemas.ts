import { z } from '@hono/zod-openapi';

export const errorBody = z.object({ error: z.string(), issues: z.array(z.object({ path: z.string(), message: z.string() })).optional() });
export const errorContent = { 'application/json': { schema: errorBody } };

export const userBody = z.object({
  id: z.string(),
  username: z.string(),
  role: z.enum(['admin', 'user', 'pending']),
  createdAt: z.string(),
  approvedAt: z.string().nullable(),
});
