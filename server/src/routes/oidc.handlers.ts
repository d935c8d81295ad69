import type { Context } from 'hono';
import type { AppDeps, AppEnv, AppRouteHandler } from '../app-types';
import { OidcRefusal, type OidcSignIn } from '../auth/oidc';
import { auditRequest } from '../audit/audit-request';
import type * as routes from './oidc.routes';

const notConfigured = { error: 'OpenID Connect sign-in is not configured here (ASTRA_OIDC_ISSUER, ASTRA_OIDC_CLIENT_ID, ASTRA_OIDC_CLIENT_SECRET)' };

export const oidcHandlers = (deps: AppDeps, oidc: OidcSignIn | undefined, startSession: (c: Context<AppEnv>, userId: string) => Promise<void>) => {
  const audit = auditRequest(deps);
  return {
    signInProviders: ((c) => c.json({
      passwords: deps.env.ASTRA_LOCAL_PASSWORDS === 'on',
      signUp: deps.env.ASTRA_LOCAL_PASSWORDS === 'on' && deps.env.ASTRA_SIGNUP === 'open',
      oidc: oidc ? { label: oidc.label, startUrl: '/auth/oidc/start' } : null,
    }, 200)) satisfies AppRouteHandler<typeof routes.signInProviders>,

    oidcStart: (async (c) => {
      if (!oidc) return c.json(notConfigured, 404);
      try {
        return c.redirect((await oidc.start()).href, 302);
      } catch (error) {
        if (error instanceof OidcRefusal) return c.json({ error: error.message }, 502);
        throw error;
      }
    }) satisfies AppRouteHandler<typeof routes.oidcStart>,

    oidcCallback: (async (c) => {
      if (!oidc) return c.json(notConfigured, 404);
      const url = new URL(c.req.url);
      const refused = async (reason: string, status: 401 | 403 = 401, actor: { id: string | null; username: string } = { id: null, username: '(OpenID Connect)' }) => {
        await audit(c, 'auth.sign-in', actor.username, { outcome: 'failure', actor, detail: { method: 'oidc', reason } });
        return c.json({ error: reason }, status);
      };
      const providerError = url.searchParams.get('error');
      if (providerError) return refused(`the OpenID provider refused the sign-in: ${providerError}${url.searchParams.get('error_description') ? ` (${url.searchParams.get('error_description')})` : ''}`);
      let identity;
      try {
        identity = await oidc.finish(url);
      } catch (error) {
        if (error instanceof OidcRefusal) return refused(error.message);
        throw error;
      }
      const { user, created } = await oidc.userFor(identity);
      const actor = { id: user.id, username: user.username };
      if (created) await audit(c, 'user.create', user.username, { actor, detail: { role: user.role, via: 'oidc', issuer: identity.issuer } });
      if (user.suspended) return refused('this account is suspended; ask an admin', 403, actor);
      await startSession(c, user.id);
      await audit(c, 'auth.sign-in', user.username, { actor, detail: { method: 'oidc', issuer: identity.issuer } });
      return c.redirect('/', 302);
    }) satisfies AppRouteHandler<typeof routes.oidcCallback>,
  };
};
