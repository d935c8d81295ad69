import { createRoute, z } from '@hono/zod-openapi';
import { passwordSchema, usernameSchema } from '../auth/credential-schemas';
import { errorContent, userBody } from './schemas';

const loginBody = z.object({ username: usernameSchema, password: z.string().min(1).max(1024) });

export const login = createRoute({
  method: 'post',
  path: '/api/auth/login',
  tags: ['auth'],
  summary: 'Log in with a password; sets the session cookie',
  request: { body: { content: { 'application/json': { schema: loginBody } }, required: true } },
  responses: {
    200: { description: 'logged in', content: { 'application/json': { schema: z.object({ user: userBody.pick({ id: true, username: true, role: true }) }) } } },
    400: { description: 'malformed request', content: errorContent },
    401: { description: 'wrong username or password', content: errorContent },
    403: { description: 'the account is suspended, or password sign-in is off', content: errorContent },
    429: { description: 'too many failed attempts', content: errorContent },
  },
});

export const register = createRoute({
  method: 'post',
  path: '/api/auth/register',
  tags: ['auth'],
  summary: 'Ask for an account; it stays pending until an admin approves it',
  request: { body: { content: { 'application/json': { schema: z.object({ username: usernameSchema, password: passwordSchema }) } }, required: true } },
  responses: {
    201: { description: 'pending account created', content: { 'application/json': { schema: z.object({ user: userBody }) } } },
    400: { description: 'malformed request', content: errorContent },
    403: { description: 'sign-up is closed, or password sign-in is off', content: errorContent },
    409: { description: 'username taken', content: errorContent },
    429: { description: 'too many registrations from this address', content: errorContent },
  },
});

export const logout = createRoute({
  method: 'post',
  path: '/api/auth/logout',
  tags: ['auth'],
  summary: 'End this session',
  responses: { 204: { description: 'logged out' } },
});

export const me = createRoute({
  method: 'get',
  path: '/api/auth/me',
  tags: ['auth'],
  summary: 'Who the caller is',
  responses: { 200: { description: 'the caller', content: { 'application/json': { schema: z.object({ user: userBody.pick({ id: true, username: true, role: true }) }) } } } },
});

export const loginLink = createRoute({
  method: 'get',
  path: '/auth/link/{token}',
  tags: ['auth'],
  summary: 'One-time login link (printed by npm start); sets the session cookie and redirects home',
  request: { params: z.object({ token: z.string() }) },
  responses: {
    302: { description: 'logged in, redirected to /' },
    401: { description: 'link unknown, used or expired', content: errorContent },
  },
});
