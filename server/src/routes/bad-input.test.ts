// Input that used to reach the database or a recursive parser and come back as a 500 is a 400
// naming the field: NUL characters, lone surrogates, 10,000-deep params, version numbers of 2^31,
// non-http URLs for ingest and schedules, schedules firing faster than the shortest interval, and an
// unknown model for /api/ask.
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkSizeFor, createCollectionsRepo } from '@astra/activities';
import { graphOf } from '../flows/testing/graphs';
import { createAppHarness, type AppHarness } from '../testing/app-harness';

let harness: AppHarness;
let user: { token: string; id: string };
let flowId: string;

const greeting = (template: string) =>
  graphOf(
    [{ id: 'name', type: 'io.input', params: { name: 'name' } }, { id: 'greet', type: 'text.template', params: { template } }, { id: 'out', type: 'io.output', params: { name: 'greeting' } }],
    ['name.value>greet.input', 'greet.text>out.value'],
  );

/** Sends `body` as it is: a string is sent verbatim, so it can hold JSON escapes no JSON.stringify would write. */
async function send(method: string, route: string, body?: unknown): Promise<{ status: number; body: { error?: string; issues?: Array<{ path: string }> } }> {
  const response = await harness.app.request(`http://astra.test${route}`, {
    method,
    headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as { error?: string } };
}

beforeAll(async () => {
  harness = await createAppHarness();
  user = await harness.newUser('user');
  const created = await send('POST', '/api/flows', { name: 'fine', graph: greeting('Hi {{input}}') });
  expect(created.status).toBe(201);
  flowId = (created.body as unknown as { flow: { id: string } }).flow.id;
  await createCollectionsRepo(harness.pool).findOrCreate({ ownerId: user.id, name: 'notes', embeddingModel: 'all-minilm-l6-v2', ...chunkSizeFor(256) });
});

afterAll(() => harness.close());

describe('bad input is a 400 naming the field', () => {
  it('refuses a NUL character in a stored string', async () => {
    const { status, body } = await send('POST', '/api/flows', { name: 'nul\u0000name', graph: greeting('x') });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid request: name: contains a NUL character (\\u0000), which cannot be stored');
  });

  it('refuses a lone surrogate deep in a node param, with the path to it', async () => {
    const graph = JSON.stringify(greeting('PLACEHOLDER')).replace('PLACEHOLDER', 'half an emoji: \\ud83d');
    const { status, body } = await send('POST', '/api/flows', `{"name": "surrogate", "graph": ${graph}}`);
    expect(status).toBe(400);
    expect(body.error).toMatch(/^invalid request: graph\.nodes\.1\.params\.template: contains a lone UTF-16 surrogate/);
  });

  it('refuses 10,000-deep nesting in params without overflowing anything', async () => {
    const graph = JSON.stringify(greeting('x')).replace('"template":"x"', `"template":"x","extra":${'['.repeat(10_000)}${']'.repeat(10_000)}`);
    const { status, body } = await send('POST', '/api/flows', `{"name": "deep", "graph": ${graph}}`);
    expect(status).toBe(400);
    expect(body.error).toMatch(/^invalid request: graph\.nodes\.1\.params\.extra(\.0)+: nests deeper than 64 levels$/);
  });

  it('refuses a NUL character in a query string', async () => {
    const { status, body } = await send('GET', '/api/flows?search=a%00b');
    expect(status).toBe(400);
    expect(body.error).toMatch(/^invalid request: search: contains a NUL character/);
  });

  it('refuses version numbers of 2^31 and more, in paths, queries and bodies', async () => {
    for (const route of [`/api/flows/${flowId}/versions/2147483648`, `/api/flows/${flowId}/export?version=99999999999`, `/api/flows/${flowId}/diff?from=1&to=2147483648`]) {
      const { status, body } = await send('GET', route);
      expect(status, route).toBe(400);
      expect(body.error, route).toMatch(/^invalid request: (n|version|to): Too big/i);
    }
    const run = await send('POST', '/api/runs', { flowId, version: 2 ** 31, inputs: { name: 'x' } });
    expect(run.status).toBe(400);
    expect(run.body.error).toMatch(/^invalid request: version: Too big/i);
    // Within range but absent: still a 404, not a 500.
    expect((await send('GET', `/api/flows/${flowId}/versions/2147483647`)).status).toBe(404);
  });

  it('refuses file: and other non-http URLs for ingest and schedules', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.com/a.txt', 'data:text/plain,hello']) {
      const ingest = await send('POST', '/api/ingest', { collection: 'notes', url });
      expect(ingest.status, url).toBe(400);
      expect(ingest.body.error, url).toMatch(/^invalid request: url: only http: and https: URLs can be ingested, not (file|ftp|data):/);
      const schedule = await send('POST', '/api/schedules', { name: 'nightly', collection: 'notes', url, every: '1d' });
      expect(schedule.status, url).toBe(400);
      expect(schedule.body.error, url).toMatch(/url: only http: and https: URLs can be ingested/);
    }
  });

  it('refuses schedules that would fire more often than the shortest interval (1m by default), naming the field', async () => {
    const schedule = (spec: Record<string, string>) => send('POST', '/api/schedules', { name: 'often', collection: 'notes', url: 'https://example.com/feed.html', ...spec });
    const everySecond = await schedule({ every: '1s' });
    expect(everySecond.status).toBe(400);
    expect(everySecond.body.error).toBe('invalid request: every: "1s" is shorter than the shortest interval allowed, 1m');
    expect(everySecond.body.issues).toEqual([{ path: 'every', message: '"1s" is shorter than the shortest interval allowed, 1m' }]);
    expect((await schedule({ every: '59s' })).body.error).toMatch(/^invalid request: every: "59s" is shorter/);
    const seconds = await schedule({ cron: '* * * * * *' });
    expect(seconds.status).toBe(400);
    expect(seconds.body.error).toBe('invalid request: cron: give five fields (minute hour day-of-month month day-of-week), not 6: a seconds field is not allowed');
    expect((await schedule({ cron: '@every 1s' })).body.error).toMatch(/^invalid request: cron: for an interval give every/);
    expect((await harness.pool.query('select count(*)::int as n from schedules where owner_id = $1', [user.id])).rows[0].n).toBe(0);
  });

  it('refuses a path that reaches the data folder through a symlink', async () => {
    const admin = await harness.newUser('admin');
    const folder = await mkdtemp(path.join(os.tmpdir(), 'astra-link-'));
    try {
      await symlink(harness.dataDir, path.join(folder, 'innocent'));
      const response = await harness.app.request('http://astra.test/api/ingest', {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ collection: 'linked', path: path.join(folder, 'innocent') }),
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(/^path: .*innocent is inside Astra's data folder \(through a link to .*\), which is never ingested$/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('documents the shared 400 and 413 answers on every operation, as the fuzzer found them missing', async () => {
    const { status, body } = await send('GET', '/api/openapi.json');
    expect(status).toBe(200);
    const paths = (body as unknown as { paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>> }).paths;
    const operations = Object.entries(paths).flatMap(([route, ops]) => Object.entries(ops).map(([method, op]) => ({ name: `${method.toUpperCase()} ${route}`, op })));
    expect(operations.length).toBeGreaterThan(60);
    for (const { name, op } of operations) {
      expect(Object.keys(op.responses), name).toContain('400');
      if (op.requestBody) expect(Object.keys(op.responses), name).toContain('413');
    }
    // One the fuzzer sent: a name the route's schema refuses is that documented 400, naming the field.
    const refused = await send('DELETE', '/api/collections/%C2%84');
    expect(refused.status).toBe(400);
    expect(refused.body.issues?.map((issue) => issue.path)).toEqual(['name']);
  });

  it('answers /api/ask with an unknown model with a 400 naming the model, not a 200 stream', async () => {
    const { status, body } = await send('POST', '/api/ask', { collection: 'notes', question: 'anything?', model: 'no-such-model' });
    expect(status).toBe(400);
    expect(body.error).toMatch(/^invalid request: model: unknown generation model "no-such-model"; available: .*smollm2-135m-instruct/);
  });
});
