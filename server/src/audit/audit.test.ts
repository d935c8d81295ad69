// The audit log on the real stack: every action it promises leaves exactly one row (who, what, on
// what, from where), the table refuses updates, deletes and truncation, and admins read it filtered
// or exported as JSON lines. Runs and ingests start on a task queue no worker polls: starting and
// cancelling them is what is audited, not their work.
/* eslint-disable @typescript-eslint/no-explicit-any -- the test reads the API's JSON answers as a client would, loosely */
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAstra } from '../testing/cli';
import { createAppHarness, type AppHarness } from '../testing/app-harness';
import { graphOf } from '../flows/testing/graphs';
import { registerTestModel } from '../testing/test-model';

let harness: AppHarness;
let admin: Awaited<ReturnType<AppHarness['newUser']>>;
beforeAll(async () => {
  harness = await createAppHarness();
  admin = await harness.newUser('admin');
});
afterAll(() => harness.close());

const origin = 'http://127.0.0.1:3210';
const userAgent = 'audit-test/1.0';

/** A request as a browser or client sends it, with a user agent the log should keep. */
async function send(method: string, route: string, options: { token?: string; cookie?: string; body?: unknown; raw?: string } = {}) {
  const headers: Record<string, string> = { 'user-agent': userAgent };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.cookie) Object.assign(headers, { cookie: options.cookie, origin });
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await harness.app.request(`${origin}${route}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : options.raw ? { body: options.raw } : {}) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text && response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : undefined as any };
}

/** The audit rows of one action on one target. */
async function rows(action: string, target: string) {
  return (await harness.pool.query('select * from audit_events where action = $1 and target = $2', [action, target])).rows;
}

/** Exactly one row of that action on that target, by that actor. */
async function expectOneRow(action: string, target: string, actor: string, outcome = 'success') {
  const found = await rows(action, target);
  expect(found, `${action} on ${target}`).toHaveLength(1);
  expect(found[0]).toMatchObject({ action, target, actor, outcome, user_agent: userAgent });
  expect(found[0].ip).toBeTruthy();
  return found[0];
}

const plainChat = graphOf(
  [
    { id: 'chat', type: 'io.chat-input' },
    { id: 'generate', type: 'models.generate', params: { maxTokens: 8 } },
    { id: 'reply', type: 'io.chat-output' },
  ],
  ['chat.messages>generate.prompt', 'generate.text>reply.message'],
);

describe('the audit log', () => {
  it('records a sign-in that succeeds and one that fails, once each, with where it came from', async () => {
    const user = await harness.newUser('user');
    const wrong = await send('POST', '/api/auth/login', { body: { username: user.username, password: 'not the password' } });
    expect(wrong.status).toBe(401);
    const right = await send('POST', '/api/auth/login', { body: { username: user.username, password: user.password } });
    expect(right.status).toBe(200);
    const signIns = (await harness.pool.query("select * from audit_events where action = 'auth.sign-in' and actor = $1 order by id", [user.username])).rows;
    expect(signIns.map((row) => row.outcome)).toEqual(['failure', 'success']);
    expect(signIns[0].actor_id).toBeNull();
    expect(signIns[1].actor_id).toBe(user.id);
    expect(signIns.every((row) => row.user_agent === userAgent)).toBe(true);
  });

  it('records user and role changes, suspension and revoking sessions and tokens, once each', async () => {
    const username = `audited-${randomBytes(4).toString('hex')}`;
    expect((await send('POST', '/api/users', { token: admin.token, body: { username, password: 'a long enough password', role: 'pending' } })).status).toBe(201);
    await expectOneRow('user.create', username, admin.username);
    expect((await send('POST', `/api/users/${username}/approve`, { token: admin.token, body: { role: 'admin' } })).status).toBe(200);
    const approved = await expectOneRow('user.approve', username, admin.username);
    expect(approved.detail).toEqual({ from: 'pending', role: 'admin' });

    const login = await send('POST', '/api/auth/login', { body: { username, password: 'a long enough password' } });
    const cookie = `astra_session=${/astra_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1]}`;
    const sessions = await send('GET', '/api/sessions', { cookie });
    const sessionId = sessions.body.sessions[0].id as string;
    expect((await send('DELETE', `/api/sessions/${sessionId}`, { cookie })).status).toBe(204);
    await expectOneRow('session.revoke', sessionId, username);

    const target = await harness.newUser('user');
    const tokenId = (await harness.pool.query('select id from api_tokens where user_id = $1', [target.id])).rows[0].id as string;
    expect((await send('DELETE', `/api/tokens/${tokenId}`, { token: target.token })).status).toBe(204);
    // The token it was revoked with is gone: the row names its owner all the same.
    await expectOneRow('token.revoke', tokenId, target.username);

    expect((await send('POST', `/api/users/${target.username}/sign-out`, { token: admin.token })).status).toBe(200);
    await expectOneRow('user.sign-out-everywhere', target.username, admin.username);
    expect((await send('POST', `/api/users/${target.username}/suspend`, { token: admin.token })).status).toBe(200);
    await expectOneRow('user.suspend', target.username, admin.username);
    expect((await send('POST', `/api/users/${target.username}/reinstate`, { token: admin.token })).status).toBe(200);
    await expectOneRow('user.unsuspend', target.username, admin.username);
  });

  it('records flow saves, imports, restores, shares and deletes, once each', async () => {
    const user = await harness.newUser('user');
    const created = await send('POST', '/api/flows', { token: user.token, body: { name: 'audited flow', graph: plainChat } });
    expect(created.status).toBe(201);
    const id = created.body.flow.id as string;
    await expectOneRow('flow.create', id, user.username);
    expect((await send('PUT', `/api/flows/${id}`, { token: user.token, body: { graph: plainChat, message: 'second' } })).status).toBe(200);
    const saved = await expectOneRow('flow.save', id, user.username);
    expect(saved.detail.version).toBe(2);
    expect((await send('POST', `/api/flows/${id}/versions/1/restore`, { token: user.token })).status).toBe(201);
    await expectOneRow('flow.restore', id, user.username);
    expect((await send('PUT', `/api/flows/${id}/sharing`, { token: user.token, body: { visibility: 'shared', roles: ['user'] } })).status).toBe(200);
    await expectOneRow('flow.share', id, user.username);
    const imported = await send('POST', '/api/flows/import', { token: user.token, body: { format: 'astra.flow', formatVersion: 1, name: 'imported copy', graph: plainChat } });
    expect(imported.status).toBe(201);
    await expectOneRow('flow.import', imported.body.flow.id, user.username);
    expect((await send('DELETE', `/api/flows/${id}`, { token: user.token })).status).toBe(204);
    await expectOneRow('flow.delete', id, user.username);
  });

  it('records publishing, changing and unpublishing an app, and creating and revoking a key, once each', async () => {
    const user = await harness.newUser('user');
    const flowId = (await send('POST', '/api/flows', { token: user.token, body: { name: 'audited app flow', graph: plainChat } })).body.flow.id as string;
    const slug = `audited-${randomBytes(4).toString('hex')}`;
    expect((await send('POST', '/api/apps', { token: user.token, body: { flowId, slug, visibility: 'keys' } })).status).toBe(201);
    await expectOneRow('app.publish', slug, user.username);
    expect((await send('PATCH', `/api/apps/${slug}`, { token: user.token, body: { title: 'Renamed' } })).status).toBe(200);
    await expectOneRow('app.update', slug, user.username);

    const key = await send('POST', '/api/keys', { token: user.token, body: { name: 'audited key', apps: [slug] } });
    expect(key.status).toBe(201);
    const keyId = key.body.record.id as string;
    await expectOneRow('key.create', keyId, user.username);
    expect((await send('DELETE', `/api/keys/${keyId}`, { token: user.token })).status).toBe(204);
    await expectOneRow('key.revoke', keyId, user.username);

    expect((await send('DELETE', `/api/apps/${slug}`, { token: user.token })).status).toBe(204);
    await expectOneRow('app.unpublish', slug, user.username);
  });

  it('records run starts and cancels, fine-tunes and ingests, once each', async () => {
    const user = await harness.newUser('user');
    const flowId = (await send('POST', '/api/flows', { token: user.token, body: { name: 'audited run flow', graph: graphOf([{ id: 'in', type: 'io.input', params: { name: 'text' } }, { id: 'out', type: 'io.output', params: { name: 'text' } }], ['in.value>out.value']) } })).body.flow.id as string;
    const started = await send('POST', '/api/runs', { token: user.token, body: { flowId, inputs: { text: 'hello' } } });
    expect(started.status, started.text).toBe(201);
    const runId = started.body.run.id as string;
    await expectOneRow('run.start', runId, user.username);
    expect((await send('POST', `/api/runs/${runId}/cancel`, { token: user.token })).status).toBe(202);
    await expectOneRow('run.cancel', runId, user.username);

    const example = JSON.parse(await readFile(new URL('../../../examples/flows/fine-tune-and-serve.json', import.meta.url), 'utf8'));
    const tuneFlow = (await send('POST', '/api/flows/import', { token: user.token, body: example })).body.flow.id as string;
    const tune = await send('POST', '/api/runs', { token: user.token, body: { flowId: tuneFlow, inputs: { data: '{"prompt":"a","response":"b"}', name: `audited-${randomBytes(3).toString('hex')}` } } });
    expect(tune.status, tune.text).toBe(201);
    await expectOneRow('finetune.start', tune.body.run.id, user.username);
    expect(await rows('run.start', tune.body.run.id)).toHaveLength(0);
    await send('POST', `/api/runs/${tune.body.run.id}/cancel`, { token: user.token });

    const ingest = await send('POST', `/api/uploads?collection=audited-${randomBytes(3).toString('hex')}&filename=note.txt`, { token: user.token, raw: 'A short note to ingest.' });
    expect(ingest.status, ingest.text).toBe(202);
    const ingested = await expectOneRow('ingest.start', ingest.body.workflowId, user.username);
    expect(ingested.detail).toMatchObject({ upload: 'note.txt' });
    expect((await send('POST', `/api/ingest/${ingest.body.workflowId}/cancel`, { token: user.token })).status).toBe(202);
    await expectOneRow('ingest.cancel', ingest.body.workflowId, user.username);
  });

  it('records a model access change once, naming who may now use it', async () => {
    const user = await harness.newUser('user');
    const model = await registerTestModel(harness.pool);
    const changed = await send('PUT', `/api/admin/model-access/model/${model}`, { token: admin.token, body: { users: [user.username], roles: ['user'] } });
    expect(changed.status, changed.text).toBe(200);
    expect((await send('PUT', `/api/admin/model-access/model/${model}`, { token: admin.token, body: {} })).status).toBe(200);
    const found = (await harness.pool.query("select * from audit_events where action = 'model-access.change' and target = $1 order by id", [`model:${model}`])).rows;
    expect(found.map((row) => [row.actor, row.detail])).toEqual([
      [admin.username, { users: [user.username], roles: ['user'], open: false }],
      [admin.username, { users: [], roles: [], open: true }],
    ]);
  });

  it('is append-only: the database refuses to change, delete or truncate a row', async () => {
    const [row] = (await harness.pool.query("select id from audit_events order by id desc limit 1")).rows;
    await expect(harness.pool.query("update audit_events set actor = 'someone else' where id = $1", [row.id])).rejects.toThrow(/append-only/);
    await expect(harness.pool.query('delete from audit_events where id = $1', [row.id])).rejects.toThrow(/append-only/);
    await expect(harness.pool.query('truncate audit_events')).rejects.toThrow(/append-only/);
    expect((await harness.pool.query('select count(*)::int as n from audit_events where id = $1', [row.id])).rows[0].n).toBe(1);
  });

  it('lets admins filter the log and export it as JSON lines; nobody else reads it', async () => {
    const user = await harness.newUser('user');
    await send('POST', '/api/auth/login', { body: { username: user.username, password: 'wrong password here' } });
    await send('POST', '/api/auth/login', { body: { username: user.username, password: user.password } });
    const failures = await send('GET', `/api/admin/audit?actor=${user.username}&outcome=failure`, { token: admin.token });
    expect(failures.status).toBe(200);
    expect(failures.body.events).toHaveLength(1);
    expect(failures.body.events[0]).toMatchObject({ action: 'auth.sign-in', actor: user.username, outcome: 'failure', userAgent });
    const byPrefix = await send('GET', `/api/admin/audit?actor=${user.username}&action=auth.`, { token: admin.token });
    expect(byPrefix.body.events.map((event: any) => event.outcome)).toEqual(['success', 'failure']);

    const exported = await send('GET', `/api/admin/audit/export?actor=${user.username}`, { token: admin.token });
    expect(exported.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const lines = exported.text.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => line.outcome)).toEqual(['success', 'failure']);

    expect((await send('GET', '/api/admin/audit', { token: user.token })).status).toBe(403);
    const bad = await send('GET', '/api/admin/audit?since=yesterday', { token: admin.token });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/since/);
  });

  it('records the run a chat turn starts, from the chat API, /v1 and /ollama, once each', async () => {
    const user = await harness.newUser('user');
    const flowId = (await send('POST', '/api/flows', { token: user.token, body: { name: 'audited chat', graph: plainChat } })).body.flow.id as string;
    const slug = `audited-chat-${randomBytes(3).toString('hex')}`;
    expect((await send('POST', '/api/apps', { token: user.token, body: { flowId, slug } })).status).toBe(201);
    const headers = { authorization: `Bearer ${user.token}`, 'content-type': 'application/json', 'user-agent': userAgent };
    /** The run.start rows of this user's turns that came in through `via`. */
    const started = async (via: string | null) => (await harness.pool.query(
      "select * from audit_events where action = 'run.start' and actor = $1 and (($2::text is null and detail->>'via' is null) or detail->>'via' = $2)", [user.username, via])).rows;
    const eventually = async (via: string | null) => {
      for (let tries = 0; tries < 100 && (await started(via)).length === 0; tries += 1) await new Promise((resolve) => setTimeout(resolve, 100));
      return started(via);
    };
    // No worker polls this app's queue: each turn is stopped once its run has started, which is what is audited.
    const conversation = (await send('POST', `/api/apps/${slug}/conversations`, { token: user.token, body: {} })).body.conversation.id as string;
    const chatTurn = new AbortController();
    const reply = await harness.app.request(`${origin}/api/conversations/${conversation}/messages`, { method: 'POST', headers, body: JSON.stringify({ content: 'hello' }), signal: chatTurn.signal });
    const [fromChat] = await eventually(null);
    expect(fromChat).toMatchObject({ target: expect.any(String), outcome: 'success', user_agent: userAgent, detail: { app: slug, conversation } });
    chatTurn.abort();
    await reply.body?.cancel().catch(() => undefined);
    await send('POST', `/api/conversations/${conversation}/stop`, { token: user.token });

    for (const [via, route, body] of [
      ['/v1', '/v1/chat/completions', { model: slug, messages: [{ role: 'user', content: 'hello' }], stream: true }],
      ['/ollama', '/ollama/api/chat', { model: slug, messages: [{ role: 'user', content: 'hello' }], stream: true }],
    ] as const) {
      const turn = new AbortController();
      const answer = await harness.app.request(`${origin}${route}`, { method: 'POST', headers, body: JSON.stringify(body), signal: turn.signal });
      const rows = await eventually(via);
      expect(rows, via).toHaveLength(1);
      expect(rows[0]).toMatchObject({ outcome: 'success', user_agent: userAgent, detail: { app: slug, via } });
      turn.abort();
      await answer.body?.cancel().catch(() => undefined);
    }
    // Each run is audited once, under its own run id.
    const all = await started(null).then(async (chat) => [...chat, ...(await started('/v1')), ...(await started('/ollama'))]);
    expect(new Set(all.map((row) => row.target)).size).toBe(3);
  });

  it('`astra audit` filters the log over real HTTP, with the client\'s address, and --jsonl exports it', async () => {
    const server = serve({ fetch: harness.app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const user = await harness.newUser('user');
      const wrong = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'over-http' }, body: JSON.stringify({ username: user.username, password: 'wrong password here' }) });
      expect(wrong.status).toBe(401);
      const cli = { url, token: admin.token, cwd: os.tmpdir() };
      const listed = await runAstra(['audit', '--actor', user.username, '--since', '1h'], cli);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(new RegExp(`FAILED auth\\.sign-in\\s+${user.username}.*from 127\\.0\\.0\\.1`));
      const exported = await runAstra(['audit', '--actor', user.username, '--jsonl'], cli);
      const lines = exported.stdout.trim().split('\n').map((text) => JSON.parse(text));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ action: 'auth.sign-in', outcome: 'failure', ip: '127.0.0.1', userAgent: 'over-http' });
      const refused = await runAstra(['audit'], { ...cli, token: user.token });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/403.*admin/);
      const bad = await runAstra(['audit', '--since', 'last week'], cli);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--since "last week"/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
