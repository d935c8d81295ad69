// Login throttling: a guesser is cut short, the owner is not locked out, names that do not exist
// look the same as names that do, and the login link's secret stays out of the log.
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedPath } from '../app';
import type { AppEnv } from '../app-types';
import { clientAddress } from '../routes/auth.handlers';
import { createAppHarness, type AppHarness } from '../testing/app-harness';
import { createLoginThrottle } from './login-throttle';

let harness: AppHarness;
let owner: { username: string; password: string };

beforeAll(async () => {
  harness = await createAppHarness();
  owner = await harness.newUser('admin');
});

afterAll(() => harness.close());

/** A login from the given address, as the Node server would hand it to the app. */
const login = (ip: string, username: string, password: string) =>
  harness.app.request(
    'http://astra.test/api/auth/login',
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) },
    { incoming: { socket: { remoteAddress: ip } } },
  );

describe('login throttling over HTTP', () => {
  it('stops one address guessing a password, while the owner signs in from their own address', async () => {
    for (let i = 0; i < 5; i++) expect((await login('203.0.113.7', owner.username, `guess-${i}`)).status).toBe(401);
    const blocked = await login('203.0.113.7', owner.username, 'guess-5');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await blocked.json()) as { error: string }).error).toMatch(/^too many failed logins from this address; try again in \d+ s$/);
    // The right password from the guessing address waits too: it cannot be used to test guesses.
    expect((await login('203.0.113.7', owner.username, owner.password)).status).toBe(429);
    // Ten wrong passwords from elsewhere used to lock the account for everyone; the owner still gets in.
    expect((await login('198.51.100.2', owner.username, owner.password)).status).toBe(200);
  });

  it('treats a username that does not exist exactly like one that does', async () => {
    for (let i = 0; i < 5; i++) expect((await login('203.0.113.9', 'nobody-here', `guess-${i}`)).status).toBe(401);
    expect((await login('203.0.113.9', 'nobody-here', 'guess-5')).status).toBe(429);
  });
});

describe('the client address', () => {
  const app = new Hono<AppEnv>().get('/', (c) => c.text(clientAddress(c, ['10.0.0.9'])));
  const from = async (socket: string, forwarded?: string) =>
    (await app.request('/', { headers: forwarded ? { 'x-forwarded-for': forwarded } : {} }, { incoming: { socket: { remoteAddress: socket } } })).text();

  it('believes X-Forwarded-For only from a trusted proxy, taking the nearest hop the proxy did not add', async () => {
    expect(await from('10.0.0.9', '198.51.100.1, 203.0.113.5')).toBe('203.0.113.5');
    expect(await from('10.0.0.9', '203.0.113.5, 10.0.0.9')).toBe('203.0.113.5');
    expect(await from('203.0.113.5', '1.1.1.1')).toBe('203.0.113.5');
    expect(await from('10.0.0.9')).toBe('10.0.0.9');
  });
});

describe('the throttle itself', () => {
  it('slows a username attacked from many addresses, except from addresses that signed in as it before', async () => {
    const throttle = createLoginThrottle({ failuresPerUsernamePerHour: 10 });
    await throttle.succeeded('10.0.0.1', 'alice');
    for (let i = 0; i < 10; i++) await throttle.failed(`192.0.2.${i}`, 'alice');
    expect(await throttle.wait('192.0.2.200', 'alice')).toBeGreaterThan(0);
    expect(await throttle.wait('10.0.0.1', 'alice')).toBeUndefined();
    expect(await throttle.wait('192.0.2.200', 'bob')).toBeUndefined();
  });

  it('limits one address over all usernames, and resets a pair on success', async () => {
    const throttle = createLoginThrottle({ failuresPerAddressPerHour: 8, failuresPerPair: 3 });
    for (let i = 0; i < 2; i++) await throttle.failed('192.0.2.1', 'carol');
    await throttle.succeeded('192.0.2.1', 'carol');
    await throttle.failed('192.0.2.1', 'carol');
    expect(await throttle.wait('192.0.2.1', 'carol')).toBeUndefined();
    for (let i = 0; i < 8; i++) await throttle.failed('192.0.2.1', `user-${i}`);
    expect(await throttle.wait('192.0.2.1', 'someone-new')).toBeGreaterThan(0);
    expect(await throttle.wait('192.0.2.2', 'someone-new')).toBeUndefined();
  });

  it('limits registrations per address', async () => {
    const throttle = createLoginThrottle({ registrationsPerAddressPerHour: 2 });
    expect(await throttle.registration('192.0.2.5')).toBeUndefined();
    expect(await throttle.registration('192.0.2.5')).toBeUndefined();
    expect(await throttle.registration('192.0.2.5')).toBeGreaterThan(0);
    expect(await throttle.registration('192.0.2.6')).toBeUndefined();
  });
});

describe('the request log', () => {
  it('never keeps a login link secret, however the path is spelled', () => {
    expect(loggedPath('/auth/link/astra_l_secret123')).toBe('/auth/link/…');
    expect(loggedPath('//AUTH//link/astra_l_secret123/extra')).toBe('//AUTH//link/…/extra');
    expect(loggedPath('/api/flows')).toBe('/api/flows');
  });
});
