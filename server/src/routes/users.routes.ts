import { createRoute, z } from '@hono/zod-openapi';
import { passwordSchema, usernameSchema } from '../auth/credential-schemas';
import { errorContent, userBody } from './schemas';

export const listUsers = createRoute({
  method: 'get',
  path: '/api/users',
  tags: ['users'],
  summary: 'Every user (admin)',
  responses: {
    200: { description: 'users', content: { 'application/json': { schema: z.object({ users: z.array(userBody) }) } } },
    403: { description: 'not an admin', content: errorContent },
  },
});

export const createUser = createRoute({
  method: 'post',
  path: '/api/users',
  tags: ['users'],
  summary: 'Create a user (admin)',
  request: {
    body: {
      content: { 'application/json': { schema: z.object({ username: usernameSchema, password: passwordSchema, role: z.enum(['admin', 'user', 'pending']).default('user') }) } },
      required: true,
    },
  },
  responses: {
    201: { description: 'created', content: { 'application/json': { schema: z.object({ user: userBody }) } } },
    400: { description: 'malformed request', content: errorContent },
    403: { description: 'not an admin', content: errorContent },
    409: { description: 'username taken', content: errorContent },
  },
});

export const approveUser = createRoute({
  method: 'post',
  path: '/api/users/{username}/approve',
  tags: ['users'],
  summary: 'Approve a pending user (admin); optionally as admin',
  request: {
    params: z.object({ username: usernameSchema }),
    body: { content: { 'application/json': { schema: z.object({ role: z.enum(['admin', 'user']).default('user') }) } }, required: false },
  },
  responses: {
    200: { description: 'approved', content: { 'application/json': { schema: z.object({ user: userBody }) } } },
    403: { description: 'not an admin', content: errorContent },
    404: { description: 'no such user', content: errorContent },
  },
});
