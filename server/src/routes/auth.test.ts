import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppHarness, type AppHarness } from '../testing/app-harness';

let harness: AppHarness;
beforeAll(async () => {
  harness = await createAppHarness();
});
afterAll(() => harness.close());

const url = (path: string) => `http://127.0.0.1:3210${path}`;
const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
const sessionFrom = (response: Response) => /astra_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];

describe('password login and sessions', () => {
  it('logs in with the right password and sets an HttpOnly SameSite session cookie', async () => {
    const user = await harness.newUser('user');
    const response = await harness.app.request(url('/api/auth/login'), json({ username: user.username, password: user.password }));
    expect(response.status).toBe(200);
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const me = await harness.app.request(url('/api/auth/me'), { headers: { cookie: `astra_session=${sessionFrom(response)}` } });
    expect(((await me.json()) as { user: { username: string } }).user.username).toBe(user.username);
  });

  it('refuses a wrong password and an unknown user alike, and throttles guessing', async () => {
    const user = await harness.newUser('user');
    const wrong = await harness.app.request(url('/api/auth/login'), json({ username: user.username, password: 'not the password' }));
    expect(wrong.status).toBe(401);
    const unknown = await harness.app.request(url('/api/auth/login'), json({ username: 'nobody-here', password: 'whatever-it-is' }));
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual(await wrong.json());
    for (let attempt = 0; attempt < 10; attempt += 1) {
      await harness.app.request(url('/api/auth/login'), json({ username: user.username, password: `guess-${attempt}` }));
    }
    const throttled = await harness.app.request(url('/api/auth/login'), json({ username: user.username, password: user.password }));
    expect(throttled.status).toBe(429);
  });

  it('names the bad field of a malformed login', async () => {
    const response = await harness.app.request(url('/api/auth/login'), json({ username: 'x' }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; issues: Array<{ path: string }> };
    expect(body.issues.map((issue) => issue.path)).toEqual(expect.arrayContaining(['username', 'password']));
  });

  it('ends the session on logout', async () => {
    const user = await harness.newUser('user');
    const login = await harness.app.request(url('/api/auth/login'), json({ username: user.username, password: user.password }));
    const cookie = `astra_session=${sessionFrom(login)}`;
    const logout = await harness.app.request(url('/api/auth/logout'), { method: 'POST', headers: { cookie, origin: 'http://127.0.0.1:3210' } });
    expect(logout.status).toBe(204);
    expect((await harness.app.request(url('/api/auth/me'), { headers: { cookie } })).status).toBe(401);
  });

  it('refuses a cookie-authenticated change from another site (CSRF) but accepts it from its own page', async () => {
    const admin = await harness.newUser('admin');
    const login = await harness.app.request(url('/api/auth/login'), json({ username: admin.username, password: admin.password }));
    const cookie = `astra_session=${sessionFrom(login)}`;
    const body = { username: `csrf-${Date.now()}`, password: 'long enough password' };
    const evil = await harness.app.request(url('/api/users'), json(body, { cookie, origin: 'https://evil.example' }));
    expect(evil.status).toBe(403);
    expect(await harness.users.findByUsername(body.username)).toBeUndefined();
    const own = await harness.app.request(url('/api/users'), json(body, { cookie, origin: 'http://127.0.0.1:3210' }));
    expect(own.status).toBe(201);
  });
});

describe('roles', () => {
  it('lets a pending user log in but do nothing until an admin approves', async () => {
    const username = `applicant-${Date.now()}`;
    const password = 'a long enough password';
    const registered = await harness.app.request(url('/api/auth/register'), json({ username, password }));
    expect(registered.status).toBe(201);
    const login = await harness.app.request(url('/api/auth/login'), json({ username, password }));
    expect(login.status).toBe(200);
    const cookie = `astra_session=${sessionFrom(login)}`;
    expect((await harness.app.request(url('/api/auth/me'), { headers: { cookie } })).status).toBe(200);
    const blocked = await harness.app.request(url('/api/status'), { headers: { cookie } });
    expect(blocked.status).toBe(403);
    expect(((await blocked.json()) as { error: string }).error).toMatch(/approve/);

    const admin = await harness.newUser('admin');
    const approve = await harness.app.request(url(`/api/users/${username}/approve`), json({}, { authorization: `Bearer ${admin.token}` }));
    expect(approve.status).toBe(200);
    expect((await harness.app.request(url('/api/status'), { headers: { cookie } })).status).toBe(200);
  });

  it('keeps user management to admins', async () => {
    const user = await harness.newUser('user');
    const headers = { authorization: `Bearer ${user.token}` };
    expect((await harness.app.request(url('/api/users'), { headers })).status).toBe(403);
    expect((await harness.app.request(url('/api/users'), json({ username: 'sneaky', password: 'long enough password' }, headers))).status).toBe(403);
    expect(await harness.users.findByUsername('sneaky')).toBeUndefined();
  });

  it('stores passwords as argon2id and tokens only as hashes', async () => {
    const user = await harness.newUser('user');
    const stored = await harness.pool.query<{ password_hash: string }>('select password_hash from users where username = $1', [user.username]);
    expect(stored.rows[0]!.password_hash).toMatch(/^\$argon2id\$/);
    const tokens = await harness.pool.query<{ token_hash: string }>('select token_hash from api_tokens where user_id = $1', [user.id]);
    expect(tokens.rows).toHaveLength(1);
    expect(tokens.rows[0]!.token_hash).not.toContain(user.token);
    expect(tokens.rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a duplicate username with 409 and a weak password with 400', async () => {
    const admin = await harness.newUser('admin');
    const headers = { authorization: `Bearer ${admin.token}` };
    const taken = await harness.app.request(url('/api/users'), json({ username: admin.username, password: 'long enough password' }, headers));
    expect(taken.status).toBe(409);
    const weak = await harness.app.request(url('/api/users'), json({ username: `weak-${Date.now()}`, password: 'short' }, headers));
    expect(weak.status).toBe(400);
    expect(((await weak.json()) as { error: string }).error).toMatch(/password/);
  });
});

describe('one-time login links', () => {
  it('logs in once and never again', async () => {
    const user = await harness.newUser('admin');
    const link = await harness.credentials.createLoginLink(user.id);
    const first = await harness.app.request(url(`/auth/link/${link}`));
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('/');
    const cookie = `astra_session=${sessionFrom(first)}`;
    expect((await harness.app.request(url('/api/auth/me'), { headers: { cookie } })).status).toBe(200);
    const second = await harness.app.request(url(`/auth/link/${link}`));
    expect(second.status).toBe(401);
  });

  it('refuses an expired link', async () => {
    const user = await harness.newUser('user');
    const link = await harness.credentials.createLoginLink(user.id, -1_000);
    expect((await harness.app.request(url(`/auth/link/${link}`))).status).toBe(401);
  });
});
