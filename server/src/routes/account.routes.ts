import { createRoute, z } from '@hono/zod-openapi';
import { passwordSchema } from '../auth/credential-schemas';
import { errorContent } from './schemas';

export const changePassword = createRoute({
  method: 'post',
  path: '/api/account/password',
  tags: ['account'],
  summary: 'Change your own password (the current one is asked). Your other signed-in sessions end; this one, your API tokens and your API keys stay',
  request: {
    body: {
      content: { 'application/json': { schema: z.object({ currentPassword: z.string().min(1).max(1024), newPassword: passwordSchema }) } },
      required: true,
    },
  },
  responses: {
    200: { description: 'changed', content: { 'application/json': { schema: z.object({ endedSessions: z.number().int() }) } } },
    400: { description: 'malformed request, or an account without a password (OpenID Connect)', content: errorContent },
    403: { description: 'the current password is wrong, or password sign-in is off', content: errorContent },
  },
});

export const listUserNames = createRoute({
  method: 'get',
  path: '/api/user-names',
  tags: ['account'],
  summary: 'Usernames of approved users containing the text, to pick whom to share with (names only, at most 20)',
  request: { query: z.object({ q: z.string().trim().max(63).default('') }) },
  responses: {
    200: { description: 'matching usernames', content: { 'application/json': { schema: z.object({ users: z.array(z.object({ username: z.string() })) }) } } },
    400: { description: 'malformed request', content: errorContent },
  },
});
