// Routes whose every call costs real work are bounded: /readyz per address, self-checks per user
// (and admins only); a flood gets 429 with Retry-After, and the limit's message names it. Low
// limits here so the test needs few calls; the defaults are in rate-limits.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestWorker, type TestWorker } from '../../activities/src/testing/test-worker';
import { createAppHarness, type AppHarness } from './testing/app-harness';

let worker: TestWorker;
let harness: AppHarness;

beforeAll(async () => {
  worker = await startTestWorker();
  harness = await createAppHarness({ taskQueue: worker.taskQueue, rateLimits: { readinessPerAddressPerMinute: 3, selfChecksPerUserPerMinute: 1 } });
});

afterAll(async () => {
  await harness?.close();
  await worker?.stop();
});

const readyz = (address: string) => harness.app.request('http://astra.test/readyz', {}, { incoming: { socket: { remoteAddress: address } } });

describe('rate limits', () => {
  it('answers /readyz until one address has used its calls for the minute, then 429 with Retry-After; other addresses go on', async () => {
    for (let i = 0; i < 3; i += 1) expect((await readyz('198.51.100.7')).status).toBe(200);
    const refused = await readyz('198.51.100.7');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: string }).error).toMatch(/^\/readyz from one address is limited to 3 per minute; try again in \d+ s$/);
    expect((await readyz('198.51.100.8')).status).toBe(200);
  });

  it('lets only admins run self-checks, each so many a minute', async () => {
    const user = await harness.newUser('user');
    const admin = await harness.newUser('admin');
    expect((await harness.call(user.token, 'POST', '/api/status/self-check')).status).toBe(403);
    const first = await harness.call(admin.token, 'POST', '/api/status/self-check');
    expect(first.status).toBe(200);
    expect(first.body.ok).toBe(true);
    const second = await harness.call(admin.token, 'POST', '/api/status/self-check');
    expect(second.status).toBe(429);
    expect(second.body.error).toMatch(/^the self-check is limited to 1 per minute; try again in \d+ s$/);
    // The limit is per user: another admin still may.
    const other = await harness.newUser('admin');
    expect((await harness.call(other.token, 'POST', '/api/status/self-check')).status).toBe(200);
  }, 90_000);
});
