// Your own account and the admin's hold on roles, on the real stack: changing your password (the
// current one asked; your other sessions end, this one and your API tokens stay), an admin changing the
// role of an approved user (not their own, not a pending one), the usernames a signed-in user may pick
// to share with, and one audit row for each change.
/* eslint-disable @typescript-eslint/no-explicit-any -- the test reads the API's JSON answers as a client would, loosely */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppHarness, type AppHarness } from '../testing/app-harness';

let harness: AppHarness;
beforeAll(async () => {
  harness = await createAppHarness();
});
afterAll(() => harness.close());

const origin = 'http://127.0.0.1:3210';

async function send(method: string, route: string, options: { token?: string; cookie?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.cookie) Object.assign(headers, { cookie: options.cookie, origin });
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await harness.app.request(`${origin}${route}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined as any };
}

async function signIn(username: string, password: string): Promise<string> {
  const login = await send('POST', '/api/auth/login', { body: { username, password } });
  expect(login.status).toBe(200);
  return `astra_session=${/astra_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1]}`;
}

const auditRows = async (action: string, target: string) =>
  (await harness.pool.query('select actor, outcome, detail from audit_events where action = $1 and target = $2 order by id', [action, target])).rows;

describe('your account', () => {
  it('changes your password with the current one: other sessions end, this one and your API token stay', async () => {
    const user = await harness.newUser('user');
    const here = await signIn(user.username, user.password);
    const elsewhere = await signIn(user.username, user.password);

    const wrong = await send('POST', '/api/account/password', { cookie: here, body: { currentPassword: 'not my password', newPassword: 'a brand new password' } });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error).toBe('the current password is wrong');
    const short = await send('POST', '/api/account/password', { cookie: here, body: { currentPassword: user.password, newPassword: 'short' } });
    expect(short.status).toBe(400);
    expect(short.body.error).toContain('at least 10 characters');
    // Nothing changed yet: the other session still works.
    expect((await send('GET', '/api/auth/me', { cookie: elsewhere })).status).toBe(200);

    const changed = await send('POST', '/api/account/password', { cookie: here, body: { currentPassword: user.password, newPassword: 'a brand new password' } });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ endedSessions: 1 });
    expect((await send('GET', '/api/auth/me', { cookie: here })).status).toBe(200);
    expect((await send('GET', '/api/auth/me', { cookie: elsewhere })).status).toBe(401);
    expect((await send('GET', '/api/auth/me', { token: user.token })).status).toBe(200);
    expect((await send('POST', '/api/auth/login', { body: { username: user.username, password: user.password } })).status).toBe(401);
    await signIn(user.username, 'a brand new password');

    expect(await auditRows('user.password-change', user.username)).toEqual([
      { actor: user.username, outcome: 'failure', detail: { reason: 'wrong current password' } },
      { actor: user.username, outcome: 'success', detail: { endedSessions: 1 } },
    ]);
  });

  it('lets an admin change the role of an approved user, but not their own or a pending one', async () => {
    const admin = await harness.newUser('admin');
    const user = await harness.newUser('user');
    expect((await send('PUT', `/api/users/${user.username}/role`, { token: user.token, body: { role: 'admin' } })).status).toBe(403);

    const promoted = await send('PUT', `/api/users/${user.username}/role`, { token: admin.token, body: { role: 'admin' } });
    expect(promoted.status).toBe(200);
    expect(promoted.body.user).toMatchObject({ username: user.username, role: 'admin' });
    // It takes effect on the user's next request: an admin-only route opens.
    expect((await send('GET', '/api/users', { token: user.token })).status).toBe(200);
    expect((await send('PUT', `/api/users/${user.username}/role`, { token: admin.token, body: { role: 'user' } })).status).toBe(200);
    expect((await send('GET', '/api/users', { token: user.token })).status).toBe(403);

    const own = await send('PUT', `/api/users/${admin.username}/role`, { token: admin.token, body: { role: 'user' } });
    expect(own.status).toBe(400);
    expect(own.body.error).toBe('you cannot change your own role; ask another admin');
    const pending = `waiting-${Date.now().toString(36)}`;
    expect((await send('POST', '/api/users', { token: admin.token, body: { username: pending, password: 'a long password', role: 'pending' } })).status).toBe(201);
    const notYet = await send('PUT', `/api/users/${pending}/role`, { token: admin.token, body: { role: 'user' } });
    expect(notYet.status).toBe(400);
    expect(notYet.body.error).toContain('waiting for approval');
    expect((await send('PUT', '/api/users/nobody-here/role', { token: admin.token, body: { role: 'user' } })).status).toBe(404);
    const bad = await send('PUT', `/api/users/${user.username}/role`, { token: admin.token, body: { role: 'owner' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('role');

    expect(await auditRows('user.role-change', user.username)).toEqual([
      { actor: admin.username, outcome: 'success', detail: { from: 'user', role: 'admin' } },
      { actor: admin.username, outcome: 'success', detail: { from: 'admin', role: 'user' } },
    ]);
  });

  it('lists approved usernames for sharing to any signed-in user, names only', async () => {
    const admin = await harness.newUser('admin');
    const user = await harness.newUser('user');
    const tag = Date.now().toString(36);
    for (const name of [`pick-${tag}-ann`, `pick-${tag}-bob`]) expect((await send('POST', '/api/users', { token: admin.token, body: { username: name, password: 'a long password', role: 'user' } })).status).toBe(201);
    expect((await send('POST', '/api/users', { token: admin.token, body: { username: `pick-${tag}-pending`, password: 'a long password', role: 'pending' } })).status).toBe(201);
    expect((await send('POST', `/api/users/pick-${tag}-bob/suspend`, { token: admin.token })).status).toBe(200);

    const found = await send('GET', `/api/user-names?q=PICK-${tag}`, { token: user.token });
    expect(found.status).toBe(200);
    expect(found.body).toEqual({ users: [{ username: `pick-${tag}-ann` }] });
    expect((await send('GET', '/api/user-names?q=x')).status).toBe(401);
    expect((await send('GET', `/api/user-names?q=${'x'.repeat(64)}`, { token: user.token })).status).toBe(400);
  });
});
