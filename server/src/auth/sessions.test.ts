// Sessions and tokens you can see: each user lists their sessions and API tokens (created, last used,
// from where) and revokes any; admins revoke any user's; an idle session ends; suspending a user ends
// their sessions, tokens and keys at once. Every revocation takes effect on the very next request.
/* eslint-disable @typescript-eslint/no-explicit-any -- the test reads the API's JSON answers as a client would, loosely */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppHarness, type AppHarness } from '../testing/app-harness';

let harness: AppHarness;
let admin: Awaited<ReturnType<AppHarness['newUser']>>;
beforeAll(async () => {
  harness = await createAppHarness({ env: { ASTRA_SESSION_IDLE_MINUTES: '30' } });
  admin = await harness.newUser('admin');
});
afterAll(() => harness.close());

const origin = 'http://127.0.0.1:3210';

async function send(method: string, route: string, headers: Record<string, string> = {}, body?: unknown) {
  const response = await harness.app.request(`${origin}${route}`, {
    method,
    headers: { ...headers, ...(headers.cookie ? { origin } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : (text as any) };
}

async function signIn(username: string, password: string, userAgent: string) {
  const response = await send('POST', '/api/auth/login', { 'user-agent': userAgent }, { username, password });
  expect(response.status).toBe(200);
  return { cookie: `astra_session=${/astra_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')![1]}`, 'user-agent': userAgent };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('sessions and tokens you can see', () => {
  it('lists your sessions with where they came from, and revoking one ends it on its next request', async () => {
    const user = await harness.newUser('user');
    const laptop = await signIn(user.username, user.password, 'Laptop browser');
    const phone = await signIn(user.username, user.password, 'Phone browser');
    const listed = await send('GET', '/api/sessions', laptop);
    expect(listed.status).toBe(200);
    expect(listed.body.sessions).toHaveLength(2);
    const mine = listed.body.sessions.find((session: any) => session.current);
    const other = listed.body.sessions.find((session: any) => !session.current);
    expect(mine.userAgent).toBe('Laptop browser');
    expect(other.userAgent).toBe('Phone browser');
    for (const session of listed.body.sessions) {
      expect(session.ip).toBeTruthy();
      expect(Date.parse(session.createdAt)).toBeGreaterThan(Date.now() - 60_000);
      expect(Date.parse(session.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(session.createdAt));
    }

    expect((await send('GET', '/api/auth/me', phone)).status).toBe(200);
    expect((await send('DELETE', `/api/sessions/${other.id}`, laptop)).status).toBe(204);
    expect((await send('GET', '/api/auth/me', phone)).status).toBe(401);
    expect((await send('GET', '/api/auth/me', laptop)).status).toBe(200);
    // Someone else's session is not yours to end.
    const stranger = await harness.newUser('user');
    expect((await send('DELETE', `/api/sessions/${mine.id}`, bearer(stranger.token))).status).toBe(404);
    expect((await send('GET', '/api/auth/me', laptop)).status).toBe(200);
  });

  it('lists your API tokens with when and where they were last used, and revoking one refuses its next request', async () => {
    const user = await harness.newUser('user');
    const second = await harness.credentials.createApiToken(user.id, 'second');
    expect((await send('GET', '/api/status', { ...bearer(second), 'user-agent': 'ci-script/2' })).status).toBe(200);
    const listed = await send('GET', '/api/tokens', bearer(user.token));
    const byName = Object.fromEntries(listed.body.tokens.map((token: any) => [token.name, token]));
    expect(byName.second).toMatchObject({ lastUserAgent: 'ci-script/2' });
    expect(byName.second.lastIp).toBeTruthy();
    expect(byName.second.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed.body)).not.toContain(second);
    expect((await send('DELETE', `/api/tokens/${byName.second.id}`, bearer(user.token))).status).toBe(204);
    expect((await send('GET', '/api/status', bearer(second))).status).toBe(401);
    expect((await send('GET', '/api/status', bearer(user.token))).status).toBe(200);
  });

  it('ends a session left idle longer than ASTRA_SESSION_IDLE_MINUTES', async () => {
    const user = await harness.newUser('user');
    const browser = await signIn(user.username, user.password, 'Idle browser');
    expect((await send('GET', '/api/auth/me', browser)).status).toBe(200);
    // Thirty-one minutes pass without a request.
    await harness.pool.query("update sessions set last_used_at = now() - interval '31 minutes' where user_id = $1", [user.id]);
    expect((await send('GET', '/api/auth/me', browser)).status).toBe(401);
    expect((await send('GET', '/api/sessions', bearer(user.token))).body.sessions).toEqual([]);
  });

  it('keeps a session used within the idle timeout alive', async () => {
    const user = await harness.newUser('user');
    const browser = await signIn(user.username, user.password, 'Busy browser');
    await harness.pool.query("update sessions set last_used_at = now() - interval '29 minutes' where user_id = $1", [user.id]);
    expect((await send('GET', '/api/auth/me', browser)).status).toBe(200);
    const lastUsed = (await harness.pool.query('select last_used_at from sessions where user_id = $1', [user.id])).rows[0].last_used_at as Date;
    expect(lastUsed.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it("lets an admin see and end any user's sessions, tokens and keys; not a user", async () => {
    const user = await harness.newUser('user');
    const browser = await signIn(user.username, user.password, 'Their browser');
    const key = await send('POST', '/api/keys', bearer(user.token), { name: 'their key' });
    expect(key.status).toBe(201);
    const seen = await send('GET', `/api/users/${user.username}/credentials`, bearer(admin.token));
    expect(seen.status).toBe(200);
    expect(seen.body.sessions.map((session: any) => session.userAgent)).toEqual(['Their browser']);
    expect(seen.body.tokens.map((token: any) => token.name)).toEqual(['test']);
    expect(seen.body.keys.map((entry: any) => entry.name)).toEqual(['their key']);
    expect((await send('GET', `/api/users/${admin.username}/credentials`, bearer(user.token))).status).toBe(403);

    expect((await send('DELETE', `/api/users/${user.username}/sessions/${seen.body.sessions[0].id}`, bearer(admin.token))).status).toBe(204);
    expect((await send('GET', '/api/auth/me', browser)).status).toBe(401);

    const ended = await send('POST', `/api/users/${user.username}/sign-out`, bearer(admin.token));
    expect(ended.body.ended).toEqual({ sessions: 0, tokens: 1, keys: 1 });
    expect((await send('GET', '/api/status', bearer(user.token))).status).toBe(401);
    const keyed = await send('GET', '/v1/models', bearer(key.body.key));
    expect(keyed.status).toBe(401);
    expect(keyed.body.error.message).toMatch(/revoked/);
  });

  it('suspending a user ends their sessions, tokens and keys at once, and they cannot sign in until reinstated', async () => {
    const user = await harness.newUser('user');
    const browser = await signIn(user.username, user.password, 'Suspended browser');
    const key = (await send('POST', '/api/keys', bearer(user.token), { name: 'suspended key' })).body.key as string;
    expect((await send('GET', '/v1/models', bearer(key))).status).toBe(200);

    const suspended = await send('POST', `/api/users/${user.username}/suspend`, bearer(admin.token));
    expect(suspended.status).toBe(200);
    expect(suspended.body.user.suspendedAt).not.toBeNull();
    expect(suspended.body.ended).toEqual({ sessions: 1, tokens: 1, keys: 1 });
    expect((await send('GET', '/api/auth/me', browser)).status).toBe(401);
    expect((await send('GET', '/api/status', bearer(user.token))).status).toBe(401);
    expect((await send('GET', '/v1/models', bearer(key))).status).toBe(401);
    const refused = await send('POST', '/api/auth/login', {}, { username: user.username, password: user.password });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatch(/suspended/);
    // A login link made before the suspension opens nothing either.
    const link = await harness.credentials.createLoginLink(user.id);
    expect((await send('GET', `/auth/link/${link}`)).status).toBe(401);

    expect((await send('POST', `/api/users/${admin.username}/suspend`, bearer(admin.token))).status).toBe(400);
    expect((await send('POST', `/api/users/${user.username}/suspend`, bearer(user.token))).status).toBe(401);

    expect((await send('POST', `/api/users/${user.username}/reinstate`, bearer(admin.token))).body.user.suspendedAt).toBeNull();
    await signIn(user.username, user.password, 'Back again');
  });

  it('deleting a user ends their sessions and tokens with them', async () => {
    const user = await harness.newUser('user');
    const browser = await signIn(user.username, user.password, 'Deleted browser');
    await harness.pool.query('delete from users where id = $1', [user.id]);
    expect((await send('GET', '/api/auth/me', browser)).status).toBe(401);
    expect((await send('GET', '/api/status', bearer(user.token))).status).toBe(401);
  });
});
