import { createRoute, z } from '@hono/zod-openapi';
import { passwordSchema, usernameSchema } from '../auth/credential-schemas';
import { errorContent, userBody } from './schemas';
import { apiTokenBody, sessionBody } from './sessions.routes';
import { keyBody } from './keys.routes';

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

const credentialsEnded = z.object({ sessions: z.number(), tokens: z.number(), keys: z.number() });

export const suspendUser = createRoute({
  method: 'post',
  path: '/api/users/{username}/suspend',
  tags: ['users'],
  summary: 'Suspend a user (admin): their sessions, API tokens and keys end at once, and nothing of theirs signs in until reinstated',
  request: { params: z.object({ username: usernameSchema }) },
  responses: {
    200: { description: 'suspended', content: { 'application/json': { schema: z.object({ user: userBody, ended: credentialsEnded }) } } },
    400: { description: 'an admin suspending themselves', content: errorContent },
    403: { description: 'not an admin', content: errorContent },
    404: { description: 'no such user', content: errorContent },
  },
});

export const reinstateUser = createRoute({
  method: 'post',
  path: '/api/users/{username}/reinstate',
  tags: ['users'],
  summary: 'Lift a suspension (admin); the user signs in afresh',
  request: { params: z.object({ username: usernameSchema }) },
  responses: {
    200: { description: 'reinstated', content: { 'application/json': { schema: z.object({ user: userBody }) } } },
    403: { description: 'not an admin', content: errorContent },
    404: { description: 'no such user', content: errorContent },
  },
});

export const signOutUser = createRoute({
  method: 'post',
  path: '/api/users/{username}/sign-out',
  tags: ['users'],
  summary: "End every session, API token and API key of a user (admin)",
  request: { params: z.object({ username: usernameSchema }) },
  responses: {
    200: { description: 'ended', content: { 'application/json': { schema: z.object({ ended: credentialsEnded }) } } },
    403: { description: 'not an admin', content: errorContent },
    404: { description: 'no such user', content: errorContent },
  },
});

export const userCredentials = createRoute({
  method: 'get',
  path: '/api/users/{username}/credentials',
  tags: ['users'],
  summary: "A user's live sessions, API tokens and API keys (admin)",
  request: { params: z.object({ username: usernameSchema }) },
  responses: {
    200: { description: 'their credentials', content: { 'application/json': { schema: z.object({ sessions: z.array(sessionBody), tokens: z.array(apiTokenBody), keys: z.array(keyBody) }) } } },
    403: { description: 'not an admin', content: errorContent },
    404: { description: 'no such user', content: errorContent },
  },
});

export const revokeUserSession = createRoute({
  method: 'delete',
  path: '/api/users/{username}/sessions/{id}',
  tags: ['users'],
  summary: "End one of a user's sessions (admin)",
  request: { params: z.object({ username: usernameSchema, id: z.string() }) },
  responses: {
    204: { description: 'ended' },
    403: { description: 'not an admin', content: errorContent },
    404: { description: 'no such session', content: errorContent },
  },
});

export const changeUserRole = createRoute({
  method: 'put',
  path: '/api/users/{username}/role',
  tags: ['users'],
  summary: "Change an approved user's role (admin); takes effect on their next request. Not your own: ask another admin",
  request: {
    params: z.object({ username: usernameSchema }),
    body: { content: { 'application/json': { schema: z.object({ role: z.enum(['admin', 'user']) }) } }, required: true },
  },
  responses: {
    200: { description: 'changed', content: { 'application/json': { schema: z.object({ user: userBody }) } } },
    400: { description: 'malformed request, your own role, or a user still pending approval', content: errorContent },
    403: { description: 'not an admin', content: errorContent },
    404: { description: 'no such user', content: errorContent },
  },
});
