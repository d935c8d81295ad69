// OpenID Connect sign-in in real Chromium against a real OpenID provider (`oidc-provider`, a certified
// implementation) started here: the login page's button, the provider's own login and consent pages,
// back to Astra signed in. A first sign-in makes a pending user, or an admin when the groups claim
// says so; a tampered ID token, a wrong nonce and a replayed callback (code) are refused.
//
// The provider sits behind a small HTTP relay of this test's own: it passes everything through, and on
// request alters the ID token in one token response (as an attacker on the path would), so the test
// sees Astra refuse it. Nothing of Astra's is replaced.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import Provider from 'oidc-provider';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@astra/infra';
import { createAppHarness, type AppHarness } from '../../server/src/testing/app-harness';
import { chromiumPath, screenshotDir } from './browser-stack';

const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let harness: AppHarness;
let app: ServerType;
let appUrl: string;
let issuerUrl: string;
let providerServer: http.Server;
let relay: http.Server;
let browser: Browser;
/** Set to make the relay alter the next ID token the provider issues. */
let tamperNextIdToken = false;

const clientSecret = `secret-${randomBytes(16).toString('hex')}`;

/** The relay in front of the provider: passes each request through, altering one ID token when asked. */
function startRelay(port: number, target: number): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    const upstream = http.request({ host: '127.0.0.1', port: target, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        let body = Buffer.concat(chunks);
        if (tamperNextIdToken && request.url?.startsWith('/token') && answer.statusCode === 200) {
          tamperNextIdToken = false;
          const tokens = JSON.parse(body.toString()) as { id_token: string };
          const [header, payload, signature] = tokens.id_token.split('.') as [string, string, string];
          const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
          // The attacker makes themselves an admin; the signature is the provider's, over the original claims.
          claims.groups = ['admin'];
          tokens.id_token = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
          body = Buffer.from(JSON.stringify(tokens));
        }
        const headers = { ...answer.headers, 'content-length': String(body.length) };
        delete headers['transfer-encoding'];
        response.writeHead(answer.statusCode ?? 502, headers);
        response.end(body);
      });
    });
    upstream.on('error', () => response.writeHead(502).end());
    request.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  const [appPort, relayPort] = [await freePort(), await freePort()];
  appUrl = `http://127.0.0.1:${appPort}`;
  const issuer = `http://127.0.0.1:${relayPort}`;
  issuerUrl = issuer;
  const provider = new Provider(issuer, {
    clients: [{ client_id: 'astra', client_secret: clientSecret, redirect_uris: [`${appUrl}/auth/oidc/callback`], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post' }],
    claims: { openid: ['sub'], profile: ['preferred_username', 'groups'] },
    // Scope claims go into the ID token itself, as Keycloak or Entra ID put a groups claim there.
    conformIdTokenClaims: false,
    // The account is whatever login the provider's own form is given; "admin-…" logins are in the admin group.
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id, preferred_username: id, groups: id.startsWith('admin-') ? ['admin'] : ['staff'] }) }),
    cookies: { keys: [randomBytes(16).toString('hex')] },
  });
  providerServer = await new Promise((resolve) => {
    const server = http.createServer(provider.callback()).listen(0, '127.0.0.1', () => resolve(server));
  });
  relay = await startRelay(relayPort, (providerServer.address() as AddressInfo).port);

  harness = await createAppHarness({
    env: { ASTRA_PUBLIC_URL: appUrl, ASTRA_OIDC_ISSUER: issuer, ASTRA_OIDC_CLIENT_ID: 'astra', ASTRA_OIDC_CLIENT_SECRET: clientSecret, ASTRA_OIDC_SCOPES: 'openid profile', ASTRA_OIDC_LABEL: 'Test provider' },
  });
  app = await new Promise((resolve) => {
    const started = serve({ fetch: harness.app.fetch, hostname: '127.0.0.1', port: appPort }, () => resolve(started));
  });
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  (app as { closeAllConnections?: () => void } | undefined)?.closeAllConnections?.();
  await new Promise((resolve) => app?.close(resolve));
  relay?.closeAllConnections();
  await new Promise((resolve) => relay?.close(resolve));
  providerServer?.closeAllConnections();
  await new Promise((resolve) => providerServer?.close(resolve));
  await harness?.close();
});

async function freshPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  // The provider's sample pages load a web font; nothing here reaches the internet.
  await page.route(/fonts\.googleapis\.com/, (route) => route.abort());
  return page;
}

/**
 * Astra's login page → the provider's button → the provider's login and consent pages; answers the
 * callback's response and URL. `beforeConsent` gets the state of the sign-in under way.
 */
async function signInThroughProvider(page: Page, login: string, beforeConsent?: (state: string) => Promise<void>) {
  let callbackUrl = '';
  let state = '';
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === issuerUrl && url.pathname === '/auth' && url.searchParams.get('state')) state = url.searchParams.get('state')!;
    if (request.url().startsWith(`${appUrl}/auth/oidc/callback`)) callbackUrl = request.url();
  });
  await page.goto(`${appUrl}/`);
  const button = page.getByRole('link', { name: 'Sign in with Test provider' });
  await button.waitFor();
  await page.screenshot({ path: path.join(screenshotDir, 'oidc-login-page.png') });
  const callback = page.waitForResponse((response) => response.url().startsWith(`${appUrl}/auth/oidc/callback`));
  await button.click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).waitFor();
  expect(state).not.toBe('');
  await beforeConsent?.(state);
  await page.getByRole('button', { name: 'Continue' }).click();
  const response = await callback;
  return { status: response.status(), callbackUrl, page };
}

const userBySubject = async (login: string) => (await harness.pool.query<{ username: string; role: string }>('select username, role from users where oidc_subject = $1', [login])).rows[0];

describe('OpenID Connect sign-in', () => {
  it('signs a first-time user in through the provider as pending, and a replayed callback is refused', async () => {
    const login = `ada-${randomBytes(3).toString('hex')}`;
    const { status, callbackUrl, page } = await signInThroughProvider(await freshPage(), login);
    expect(status).toBe(302);
    await page.getByText('Your account is waiting for an admin to approve it.').waitFor();
    await page.screenshot({ path: path.join(screenshotDir, 'oidc-pending.png') });
    expect(await userBySubject(login)).toEqual({ username: login, role: 'pending' });
    const signIns = (await harness.pool.query("select outcome, detail->>'method' as method from audit_events where action = 'auth.sign-in' and actor = $1", [login])).rows;
    expect(signIns).toEqual([{ outcome: 'success', method: 'oidc' }]);

    // The same callback (state and code) a second time, as an attacker who saw it would send it.
    const replay = await (await freshPage()).goto(callbackUrl);
    expect(replay!.status()).toBe(401);
    expect(await replay!.text()).toMatch(/already used|unknown/);
    expect((await harness.pool.query('select count(*)::int as n from users where oidc_subject = $1', [login])).rows[0].n).toBe(1);
  });

  it('makes an admin when the groups claim says so', async () => {
    const login = `admin-${randomBytes(3).toString('hex')}`;
    const { status, page } = await signInThroughProvider(await freshPage(), login);
    expect(status).toBe(302);
    await page.getByRole('link', { name: 'Audit log' }).waitFor();
    await page.screenshot({ path: path.join(screenshotDir, 'oidc-admin.png') });
    expect(await userBySubject(login)).toEqual({ username: login, role: 'admin' });
  });

  it('refuses an ID token altered on the way (its signature no longer matches)', async () => {
    const login = `eve-${randomBytes(3).toString('hex')}`;
    tamperNextIdToken = true;
    const { status, page } = await signInThroughProvider(await freshPage(), login);
    expect(tamperNextIdToken).toBe(false);
    expect(status).toBe(401);
    expect(await page.locator('body').textContent()).toMatch(/refused/);
    expect(await userBySubject(login)).toBeUndefined();
    const failed = (await harness.pool.query("select detail->>'reason' as reason from audit_events where action = 'auth.sign-in' and detail->>'method' = 'oidc' and outcome = 'failure' order by id desc limit 1")).rows;
    expect(failed[0]?.reason, failed[0]?.reason).toMatch(/signature/i);
  });

  it('refuses an ID token whose nonce is not the one this sign-in sent', async () => {
    const login = `mallory-${randomBytes(3).toString('hex')}`;
    const { status, page } = await signInThroughProvider(await freshPage(), login, async (state) => {
      // The sign-in under way now expects another nonce than the one the provider will put in the ID token.
      const changed = await harness.pool.query('update oidc_logins set nonce = $2 where state = $1', [state, `other-${randomBytes(8).toString('hex')}`]);
      expect(changed.rowCount).toBe(1);
    });
    expect(status).toBe(401);
    expect(await page.locator('body').textContent()).toMatch(/nonce/);
    expect(await userBySubject(login)).toBeUndefined();
  });
});
