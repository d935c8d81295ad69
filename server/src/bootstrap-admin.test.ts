// The files `npm start` leaves for the admin: `credentials` is written once and left alone on later
// starts while its token works; only the one-time login link is new each start, in its own file.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLocalCredentials, type LocalCredentials } from './bootstrap-admin';
import { createAppHarness, type AppHarness } from './testing/app-harness';

let harness: AppHarness;
let dataDir: string;

beforeAll(async () => {
  harness = await createAppHarness();
  // The shared database may have no admin yet; the first admin is whoever is oldest, so make sure one exists.
  await harness.newUser('admin');
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'astra-credentials-'));
});

afterAll(async () => {
  await harness?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const start = (existing?: LocalCredentials) =>
  writeLocalCredentials({ users: harness.users, credentials: harness.credentials, dataDir, publicUrl: 'http://127.0.0.1:4100' }, existing);
const credentialsFile = () => path.join(dataDir, 'credentials');
const readCredentials = async () => JSON.parse(await readFile(credentialsFile(), 'utf8')) as LocalCredentials & { loginUrl?: string };

describe('the credentials npm start writes', () => {
  it('writes credentials once, private, and leaves them untouched on the next start while the login link is new', async () => {
    const first = await start();
    expect(first.rewritten).toBe(true);
    const written = await readCredentials();
    expect(Object.keys(written).sort()).toEqual(['token', 'url', 'username']);
    expect((await harness.credentials.tokenPrincipal(written.token))?.role).toBe('admin');
    expect((await stat(credentialsFile())).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dataDir, 'login-link'))).mode & 0o777).toBe(0o600);
    const before = await stat(credentialsFile());
    const firstLink = (await readFile(path.join(dataDir, 'login-link'), 'utf8')).trim();
    expect(firstLink).toBe(first.loginUrl);

    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await start(written);
    expect(second.rewritten).toBe(false);
    const after = await stat(credentialsFile());
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(await readCredentials()).toEqual(written);
    const secondLink = (await readFile(path.join(dataDir, 'login-link'), 'utf8')).trim();
    expect(secondLink).not.toBe(firstLink);
    // The new link signs in once.
    const linkPath = new URL(secondLink).pathname;
    expect((await harness.app.request(`http://astra.test${linkPath}`, { redirect: 'manual' })).status).toBe(302);
    expect((await harness.app.request(`http://astra.test${linkPath}`, { redirect: 'manual' })).status).toBe(401);
  });

  it('rewrites a file an earlier version wrote with the password and a spent login link in it, without them', async () => {
    const written = await readCredentials();
    const old = { ...written, password: 'an-old-password', loginUrl: 'http://127.0.0.1:4100/auth/link/spent' };
    const next = await start(old);
    expect(next.rewritten).toBe(true);
    expect(await readCredentials()).toEqual(written);
  });
});
