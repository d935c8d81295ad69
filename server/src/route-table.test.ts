import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppHarness, type AppHarness } from './testing/app-harness';
import { isPublic } from './auth/public-routes';

let harness: AppHarness;
beforeAll(async () => {
  harness = await createAppHarness();
});
afterAll(() => harness.close());

/** A concrete path for a route pattern such as /api/users/:username/approve. */
const concrete = (pattern: string) => pattern.replace(/:[A-Za-z_]+(\{[^}]*\})?/g, 'someone').replace(/\*/g, 'x');

/** The spellings an attacker tries to slip past a path-based auth check. */
function variants(path: string): string[] {
  const segments = path.split('/').filter(Boolean);
  return [
    path,
    path.toUpperCase(),
    path.replace(/^\//, '//'),
    path.replace(/\//g, '//'),
    `${path}/`,
    `/${segments.map((s) => `%2e/${s}`).join('/')}`,
    `/${segments[0]}/%2e%2e/${segments.join('/')}`,
    `/healthz/%2e%2e${path}`,
    `/api/auth/login/..${path}`,
    `${path}%2f`,
    `${path};`,
    `${path}?x=/healthz`,
  ];
}

describe('route table', () => {
  const routes = () => harness.app.routes.filter((route) => route.method !== 'ALL');

  it('has the routes the foundation promises', () => {
    const table = routes().map((route) => `${route.method} ${route.path}`);
    for (const expected of ['GET /healthz', 'GET /readyz', 'POST /api/auth/login', 'GET /api/status', 'GET /api/users', 'POST /api/users', 'POST /api/users/:username/approve']) {
      expect(table).toContain(expected);
    }
  });

  it('answers 401 without credentials on every non-public route, for every path variant', async () => {
    let checked = 0;
    for (const route of routes()) {
      const path = concrete(route.path);
      for (const variant of variants(path)) {
        // Requests are parsed as WHATWG URLs (`/%2e/x` is `/x`) before any check, so judge the parsed path.
        const request = new Request(`http://astra.test${variant}`, { method: route.method });
        if (isPublic(route.method, new URL(request.url).pathname)) continue;
        const response = await harness.app.request(request);
        expect(response.status, `${route.method} ${variant}`).toBe(401);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('refuses a bogus bearer token and a bogus session cookie', async () => {
    const attempts: Array<Record<string, string>> = [{ authorization: 'Bearer astra_t_not-a-real-token' }, { cookie: 'astra_session=astra_s_forged' }, { authorization: 'Basic YWRtaW46YWRtaW4=' }];
    for (const headers of attempts) {
      const response = await harness.app.request('http://astra.test/api/status', { headers });
      expect(response.status).toBe(401);
    }
  });

  it('serves exactly the public list without credentials', async () => {
    expect((await harness.app.request('http://astra.test/healthz')).status).toBe(200);
    const ready = await harness.app.request('http://astra.test/readyz');
    expect([200, 503]).toContain(ready.status);
    const body = (await ready.json()) as { parts: Record<string, { up: boolean; detail?: string }> };
    expect(Object.keys(body.parts).sort()).toEqual(['chroma', 'postgres', 'temporal', 'worker']);
    // The public report says up or down, nothing about addresses.
    expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|postgres:\/\//);
  });
});
