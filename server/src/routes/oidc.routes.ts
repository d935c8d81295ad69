import { createRoute, z } from '@hono/zod-openapi';
import { errorContent } from './schemas';

export const signInProviders = createRoute({
  method: 'get', path: '/api/auth/providers', tags: ['auth'], summary: 'How one may sign in here (public: the login page asks before anyone is signed in)',
  responses: {
    200: {
      description: 'the ways to sign in',
      content: { 'application/json': { schema: z.object({ passwords: z.boolean(), signUp: z.boolean(), oidc: z.object({ label: z.string(), startUrl: z.string() }).nullable() }) } },
    },
  },
});

export const oidcStart = createRoute({
  method: 'get', path: '/auth/oidc/start', tags: ['auth'], summary: 'Begin an OpenID Connect sign-in: redirects to the provider (authorization code with PKCE)',
  responses: {
    302: { description: 'to the provider' },
    404: { description: 'OpenID Connect is not configured', content: errorContent },
    502: { description: 'the provider cannot be reached', content: errorContent },
  },
});

export const oidcCallback = createRoute({
  method: 'get', path: '/auth/oidc/callback', tags: ['auth'], summary: "The provider's answer: verified, then signed in (session cookie) and redirected home",
  responses: {
    302: { description: 'signed in, redirected to /' },
    401: { description: 'refused: unknown or replayed sign-in, bad ID token, wrong nonce, or the provider said no', content: errorContent },
    403: { description: 'the account is suspended', content: errorContent },
    404: { description: 'OpenID Connect is not configured', content: errorContent },
  },
});
