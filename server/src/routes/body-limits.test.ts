// Bodies are bounded while they are read: a huge body to the public login route is cut off at the
// limit, whether it declares its length or streams without one. Every answer says nosniff, and API
// answers are never cached.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLimitBytes } from '../app';
import { createAppHarness, type AppHarness } from '../testing/app-harness';

let harness: AppHarness;
let user: { token: string };

beforeAll(async () => {
  harness = await createAppHarness();
  user = await harness.newUser('user');
});

afterAll(() => harness.close());

/** A body of `total` bytes that counts how much of it the server pulled. */
function countedStream(total: number, chunk = 64 * 1024): { body: ReadableStream<Uint8Array>; pulled: () => number } {
  let sent = 0;
  const piece = new Uint8Array(chunk).fill(0x61);
  return {
    body: new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= total) return controller.close();
        sent += piece.length;
        controller.enqueue(piece);
      },
    }),
    pulled: () => sent,
  };
}

const post = (route: string, init: RequestInit & { duplex?: 'half' }) => harness.app.request(`http://astra.test${route}`, { method: 'POST', ...init });

describe('request body limits', () => {
  it('refuses a declared oversized body to the public login route with 413 and a message, reading none of it', async () => {
    const stream = countedStream(200 * 1024 * 1024);
    const response = await post('/api/auth/login', {
      headers: { 'content-type': 'application/json', 'content-length': String(200 * 1024 * 1024) },
      body: stream.body,
      duplex: 'half',
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: 'request bodies are limited to 4 MiB (uploads to 100 MiB, at /api/uploads)' });
    expect(stream.pulled()).toBeLessThanOrEqual(64 * 1024);
  });

  it('stops reading a streamed body without a length at the limit', async () => {
    const stream = countedStream(200 * 1024 * 1024);
    const response = await post('/api/auth/register', { headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: stream.body, duplex: 'half' });
    expect(response.status).toBe(413);
    // Read up to the limit and one chunk past it, never the 200 MB.
    expect(stream.pulled()).toBeLessThanOrEqual(jsonLimitBytes + 2 * 64 * 1024);
    expect(stream.pulled()).toBeGreaterThan(jsonLimitBytes);
  });

  it('bounds authenticated JSON routes the same way and still takes bodies under the limit', async () => {
    const big = JSON.stringify({ name: 'x', graph: { nodes: [], edges: [] }, padding: 'p'.repeat(jsonLimitBytes) });
    const refused = await post('/api/flows', { headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' }, body: big });
    expect(refused.status).toBe(413);
    const small = await post('/api/auth/login', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'nobody', password: 'wrong' }) });
    expect(small.status).toBe(401);
  });

  it('lets uploads up to the upload limit through the JSON limit', async () => {
    // 5 MiB: over the JSON limit, far under the upload one; the bad collection name is refused after reading.
    const response = await post('/api/uploads?collection=Bad%20Name!&filename=big.txt', {
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(5 * 1024 * 1024).fill(0x61),
    });
    expect(response.status).not.toBe(413);
    expect(response.status).toBe(400);
  });
});

describe('response headers', () => {
  it('sends nosniff on every answer and no-store on API answers, errors included', async () => {
    const health = await harness.app.request('http://astra.test/healthz');
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    for (const response of [
      await harness.app.request('http://astra.test/api/auth/me', { headers: { authorization: `Bearer ${user.token}` } }),
      await harness.app.request('http://astra.test/api/flows'),
      await harness.app.request('http://astra.test/api/no-such-route', { headers: { authorization: `Bearer ${user.token}` } }),
    ]) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
  });
});
