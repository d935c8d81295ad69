// How OpenID Connect is configured: the groups claim → role mapping, the environment's checks, and
// ASTRA_LOCAL_PASSWORDS=off turning password sign-in and sign-up off (the sign-in itself runs in
// Chromium against a real provider: editor/tests/oidc.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppHarness, type AppHarness } from '../testing/app-harness';
import { parseServerEnv } from '../env';
import { roleFromClaims } from './oidc';

const base = { DATABASE_URL: 'postgres://unused', TEMPORAL_ADDRESS: 'unused:7233', CHROMA_URL: 'http://unused' };
const mapping = { roleClaim: 'groups', adminGroups: ['astra-admins'], userGroups: ['staff', 'engineering'] };

describe('OpenID Connect settings', () => {
  it('maps the groups claim to a role: admin, user, or pending for anyone else', () => {
    expect(roleFromClaims(mapping, { groups: ['staff', 'astra-admins'] })).toBe('admin');
    expect(roleFromClaims(mapping, { groups: ['engineering'] })).toBe('user');
    expect(roleFromClaims(mapping, { groups: ['visitors'] })).toBe('pending');
    expect(roleFromClaims(mapping, {})).toBe('pending');
    // Some providers send one space- or comma-separated string.
    expect(roleFromClaims({ ...mapping, roleClaim: 'roles' }, { roles: 'visitors astra-admins' })).toBe('admin');
  });

  it('refuses half a configuration and passwords off without a provider, naming what is missing', () => {
    expect(() => parseServerEnv({ ...base, ASTRA_OIDC_ISSUER: 'https://id.example.com' })).toThrow(/ASTRA_OIDC_CLIENT_ID/);
    expect(() => parseServerEnv({ ...base, ASTRA_LOCAL_PASSWORDS: 'off' })).toThrow(/ASTRA_LOCAL_PASSWORDS=off needs OpenID Connect/);
    const env = parseServerEnv({ ...base, ASTRA_OIDC_ISSUER: 'https://id.example.com/realms/x', ASTRA_OIDC_CLIENT_ID: 'astra', ASTRA_OIDC_CLIENT_SECRET: 's', ASTRA_OIDC_ADMIN_GROUPS: 'a, b' });
    expect(env.ASTRA_OIDC_ADMIN_GROUPS).toEqual(['a', 'b']);
    expect(env.ASTRA_LOCAL_PASSWORDS).toBe('on');
  });
});

describe('password sign-in turned off', () => {
  let harness: AppHarness;
  beforeAll(async () => {
    // The provider is never reached here: nothing below starts a sign-in with it.
    harness = await createAppHarness({ env: { ASTRA_OIDC_ISSUER: 'https://id.example.invalid', ASTRA_OIDC_CLIENT_ID: 'astra', ASTRA_OIDC_CLIENT_SECRET: 'secret', ASTRA_OIDC_LABEL: 'Example ID', ASTRA_LOCAL_PASSWORDS: 'off' } });
  });
  afterAll(() => harness.close());

  it('tells the login page to show only the provider, and refuses passwords and sign-up with 403', async () => {
    const providers = await harness.app.request('http://astra.test/api/auth/providers');
    expect(providers.status).toBe(200);
    expect(await providers.json()).toEqual({ passwords: false, signUp: false, oidc: { label: 'Example ID', startUrl: '/auth/oidc/start' } });
    const user = await harness.newUser('user');
    const login = await harness.app.request('http://astra.test/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user.username, password: user.password }) });
    expect(login.status).toBe(403);
    expect(((await login.json()) as { error: string }).error).toMatch(/ASTRA_LOCAL_PASSWORDS=off/);
    const register = await harness.app.request('http://astra.test/api/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'newcomer-x', password: 'a long enough password' }) });
    expect(register.status).toBe(403);
    // API tokens keep working: the CLI and notebooks are not a password sign-in.
    expect((await harness.call(user.token, 'GET', '/api/auth/me')).status).toBe(200);
  });

  it('answers a callback with no sign-in under way with 401, not a crash', async () => {
    const response = await harness.app.request('http://astra.test/auth/oidc/callback?code=abc&state=nothing-started');
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toMatch(/unknown, already used or expired/);
    const denied = await harness.app.request('http://astra.test/auth/oidc/callback?error=access_denied&error_description=the+user+said+no');
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as { error: string }).error).toMatch(/access_denied \(the user said no\)/);
  });
});
