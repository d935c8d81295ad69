// OpenID Connect sign-in with `openid-client`: the authorization code flow with PKCE, against any
// standard provider found by discovery. State, nonce and the PKCE verifier are kept server-side and used
// once; the ID token's signature (the provider's JWKS) and claims (issuer, audience, expiry, nonce) are
// verified before anyone is signed in. A first sign-in creates the user: pending, or with the role its
// groups claim maps to.
import type pg from 'pg';
import * as client from 'openid-client';
import type { Role } from './users-repo';
import type { ServerEnv } from '../env';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Where the provider sends the browser back: <public URL>/auth/oidc/callback. */
  redirectUri: string;
  scopes: string;
  /** The claim that lists the user's groups, and which groups make an admin or a user. */
  roleClaim: string;
  adminGroups: string[];
  userGroups: string[];
  /** The provider's name on the login button. */
  label: string;
}

export class OidcRefusal extends Error {}

/** Only a loopback issuer may be plain http (a provider on this machine, as in tests); any other needs https. */
const loopback = (url: URL) => url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

/** The role the groups claim maps to: admin, user, or pending when it names none of the configured groups. */
export function roleFromClaims(settings: Pick<OidcSettings, 'roleClaim' | 'adminGroups' | 'userGroups'>, claims: Record<string, unknown>): Role {
  const raw = claims[settings.roleClaim];
  const groups = Array.isArray(raw) ? raw.filter((group): group is string => typeof group === 'string') : typeof raw === 'string' ? raw.split(/[\s,]+/) : [];
  if (groups.some((group) => settings.adminGroups.includes(group))) return 'admin';
  if (groups.some((group) => settings.userGroups.includes(group))) return 'user';
  return 'pending';
}

/** A username from the provider's claims: preferred_username, email's local part or the subject, made valid. */
function usernameFrom(claims: Record<string, unknown>): string {
  const wanted = [claims.preferred_username, typeof claims.email === 'string' ? claims.email.split('@')[0] : undefined, claims.sub].find((value): value is string => typeof value === 'string' && value !== '');
  const cleaned = (wanted ?? 'user').toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 50);
  return cleaned.length >= 2 ? cleaned : `user-${cleaned}`;
}

const loginLifetimeMinutes = 10;

/**
 * What openid-client found wrong, in words: its message, then the deeper causes it wraps (as "JWT
 * signature verification failed"), the claim a comparison failed on, the provider's own description.
 */
function refusalDetail(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth += 1) {
    const { message, claim, error: code, error_description: description, cause } = current as { message?: unknown; claim?: unknown; error?: unknown; error_description?: unknown; cause?: unknown };
    if (typeof message === 'string' && !parts.includes(message)) parts.push(message);
    if (typeof claim === 'string') parts.push(`the ID token's "${claim}" claim`);
    if (typeof code === 'string') parts.push(typeof description === 'string' ? `${code}: ${description}` : code);
    current = cause;
  }
  return parts.join('; ') || String(error);
}

export function createOidcSignIn(pool: pg.Pool, settings: OidcSettings) {
  let configuration: Promise<client.Configuration> | undefined;
  const config = () => {
    configuration ??= client.discovery(new URL(settings.issuer), settings.clientId, settings.clientSecret, undefined, {
      execute: [client.enableNonRepudiationChecks, ...(loopback(new URL(settings.issuer)) ? [client.allowInsecureRequests] : [])],
    }).catch((error: unknown) => {
      configuration = undefined;
      throw new OidcRefusal(`the OpenID provider at ${settings.issuer} could not be discovered: ${(error as Error).message}`);
    });
    return configuration;
  };

  return {
    label: settings.label,
    /** Where to send the browser to sign in; the state, nonce and verifier stay here. */
    async start(): Promise<URL> {
      const found = await config();
      const codeVerifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      await pool.query(`delete from oidc_logins where created_at < now() - interval '${loginLifetimeMinutes} minutes'`);
      await pool.query('insert into oidc_logins (state, nonce, code_verifier) values ($1, $2, $3)', [state, nonce, codeVerifier]);
      return client.buildAuthorizationUrl(found, {
        redirect_uri: settings.redirectUri,
        scope: settings.scopes,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
    },

    /**
     * The provider's answer: the sign-in it began, used once (a replayed callback finds no state), the
     * code exchanged and the ID token verified. Answers the verified claims.
     */
    async finish(callbackUrl: URL): Promise<{ issuer: string; subject: string; claims: Record<string, unknown> }> {
      const state = callbackUrl.searchParams.get('state');
      if (!state) throw new OidcRefusal('the sign-in answer carries no state; start again from the login page');
      const login = (await pool.query<{ nonce: string; code_verifier: string }>(
        `delete from oidc_logins where state = $1 and created_at > now() - interval '${loginLifetimeMinutes} minutes' returning nonce, code_verifier`,
        [state],
      )).rows[0];
      if (!login) throw new OidcRefusal('this sign-in is unknown, already used or expired; start again from the login page');
      const found = await config();
      // The callback as the provider addressed it, on the configured redirect URI (a proxy may have rewritten the host).
      const current = new URL(settings.redirectUri);
      current.search = callbackUrl.search;
      let tokens;
      try {
        tokens = await client.authorizationCodeGrant(found, current, { pkceCodeVerifier: login.code_verifier, expectedState: state, expectedNonce: login.nonce, idTokenExpected: true });
      } catch (error) {
        throw new OidcRefusal(`the OpenID provider's answer was refused: ${refusalDetail(error)}`);
      }
      const claims = tokens.claims();
      if (!claims) throw new OidcRefusal('the OpenID provider sent no ID token');
      return { issuer: claims.iss, subject: claims.sub, claims: { ...claims } };
    },

    /** The user this identity is, made on its first sign-in (pending, or the role its groups map to). */
    async userFor(identity: { issuer: string; subject: string; claims: Record<string, unknown> }): Promise<{ user: { id: string; username: string; role: Role; suspended: boolean }; created: boolean }> {
      const mapped = roleFromClaims(settings, identity.claims);
      const known = (await pool.query<{ id: string; username: string; role: Role; suspended_at: Date | null }>(
        'select id, username, role, suspended_at from users where oidc_issuer = $1 and oidc_subject = $2',
        [identity.issuer, identity.subject],
      )).rows[0];
      if (known) {
        // The groups claim raises a role on later sign-ins too (a pending user added to the admin group); it never lowers one an admin set.
        const rank: Record<Role, number> = { pending: 0, user: 1, admin: 2 };
        if (rank[mapped] > rank[known.role]) {
          await pool.query('update users set role = $2, approved_at = coalesce(approved_at, now()) where id = $1', [known.id, mapped]);
          known.role = mapped;
        }
        return { user: { id: known.id, username: known.username, role: known.role, suspended: known.suspended_at !== null }, created: false };
      }
      const base = usernameFrom(identity.claims);
      for (let attempt = 0; attempt < 20; attempt += 1) {
        const username = attempt === 0 ? base : `${base.slice(0, 50)}-${attempt + 1}`;
        const inserted = (await pool.query<{ id: string }>(
          `insert into users (username, role, approved_at, oidc_issuer, oidc_subject) values ($1, $2, case when $2 = 'pending' then null else now() end, $3, $4)
           on conflict do nothing returning id`,
          [username, mapped, identity.issuer, identity.subject],
        )).rows[0];
        if (inserted) return { user: { id: inserted.id, username, role: mapped, suspended: false }, created: true };
      }
      throw new OidcRefusal(`no free username near "${base}" for this account; ask an admin`);
    },
  };
}

export type OidcSignIn = ReturnType<typeof createOidcSignIn>;

/** The sign-in the environment configures, or undefined without ASTRA_OIDC_ISSUER. */
export function oidcFromEnv(pool: pg.Pool, env: ServerEnv): OidcSignIn | undefined {
  if (!env.ASTRA_OIDC_ISSUER || !env.ASTRA_OIDC_CLIENT_ID || !env.ASTRA_OIDC_CLIENT_SECRET) return undefined;
  return createOidcSignIn(pool, {
    issuer: env.ASTRA_OIDC_ISSUER,
    clientId: env.ASTRA_OIDC_CLIENT_ID,
    clientSecret: env.ASTRA_OIDC_CLIENT_SECRET,
    redirectUri: `${env.publicUrl.replace(/\/$/, '')}/auth/oidc/callback`,
    scopes: env.ASTRA_OIDC_SCOPES,
    roleClaim: env.ASTRA_OIDC_ROLE_CLAIM,
    adminGroups: env.ASTRA_OIDC_ADMIN_GROUPS,
    userGroups: env.ASTRA_OIDC_USER_GROUPS,
    label: env.ASTRA_OIDC_LABEL ?? new URL(env.ASTRA_OIDC_ISSUER).hostname,
  });
}
