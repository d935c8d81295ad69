// Chat over published flows on the real stack, through the official clients over real HTTP: the
// `openai` client (streaming and not, citations, models.list, keys refused when revoked or scoped to
// another app, rate limits), the `ollama` client (chat, generate, embed), conversations with two
// turns whose history reaches the flow as messages, stop and regenerate.
/* eslint-disable @typescript-eslint/no-explicit-any -- the test reads the API's JSON answers as a client would, loosely */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import OpenAI from 'openai';
import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowGraph } from '@astra/workflows/flow';
import { startTestWorker, type TestWorker } from '../../../activities/src/testing/test-worker';
import { copyOfSampleCorpus } from '../../../activities/src/rag/testing/corpus';
import { createAppHarness, type AppHarness } from '../testing/app-harness';
import { graphOf } from '../flows/testing/graphs';
import { readSse } from '../testing/sse';
import { runAstra } from '../testing/cli';

let worker: TestWorker;
let harness: AppHarness;
let server: ServerType;
let base: string;
let owner: Awaited<ReturnType<AppHarness['newUser']>>;
let other: Awaited<ReturnType<AppHarness['newUser']>>;

const call: AppHarness['call'] = (...args) => harness.call(...args);
const jsonOf = (response: Response): Promise<any> => response.json();

const ragChat = (collection: string): FlowGraph => graphOf(
  [
    { id: 'chat', type: 'io.chat-input' },
    { id: 'retrieve', type: 'rag.retrieve', params: { collection, k: 3, mode: 'hybrid' } },
    { id: 'answer', type: 'rag.answer', params: { maxTokens: 60 } },
    { id: 'reply', type: 'io.chat-output' },
  ],
  ['chat.message>retrieve.query', 'chat.message>answer.question', 'retrieve.passages>answer.passages', 'answer.answer>reply.message'],
);

const plainChat = (maxTokens: number): FlowGraph => graphOf(
  [
    { id: 'chat', type: 'io.chat-input' },
    { id: 'generate', type: 'models.generate', params: { maxTokens } },
    { id: 'reply', type: 'io.chat-output' },
  ],
  ['chat.messages>generate.prompt', 'generate.text>reply.message'],
);

async function createFlow(token: string, name: string, graph: FlowGraph): Promise<string> {
  const created = await call(token, 'POST', '/api/flows', { name, graph });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.flow.id as string;
}

async function publish(token: string, flowId: string, slug: string, visibility = 'keys') {
  const published = await call(token, 'POST', '/api/apps', { flowId, slug, visibility });
  expect(published.status, JSON.stringify(published.body)).toBe(201);
  return published.body.app;
}

async function runToEnd(token: string, runId: string): Promise<Record<string, any>> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const { body } = await call(token, 'GET', `/api/runs/${runId}`);
    if (body.run.status !== 'running') return body.run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still running`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A conversation turn through the chat API, read to its end. */
async function say(token: string, conversationId: string, content: string) {
  const response = await fetch(`${base}/api/conversations/${conversationId}/messages`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ content }) });
  expect(response.status).toBe(200);
  return readSse(response);
}

beforeAll(async () => {
  worker = await startTestWorker();
  harness = await createAppHarness({ taskQueue: worker.taskQueue });
  server = serve({ fetch: harness.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The publisher: its own admin (Load Files reads the server's disk), never the bootstrap one.
  owner = await harness.newUser('admin');
  other = await harness.newUser('user');
  const corpus = await copyOfSampleCorpus(3);
  const ingest = await createFlow(owner.token, 'chat ingest', graphOf(
    [
      { id: 'folder', type: 'io.input', params: { name: 'folder' } },
      { id: 'load', type: 'sources.load-files' },
      { id: 'chunk', type: 'rag.chunk' },
      { id: 'embed', type: 'rag.embed' },
      { id: 'store', type: 'rag.store', params: { collection: 'chatdocs' } },
    ],
    ['folder.value>load.path', 'load.documents>chunk.documents', 'chunk.chunks>embed.chunks', 'chunk.chunks>store.chunks', 'embed.embeddings>store.embeddings'],
  ));
  const started = await call(owner.token, 'POST', '/api/runs', { flowId: ingest, inputs: { folder: corpus.dir } });
  expect((await runToEnd(owner.token, started.body.run.id)).status).toBe('succeeded');
}, 300_000);

afterAll(async () => {
  server?.close();
  await harness?.close();
  await worker?.stop();
});

describe('publishing', () => {
  it('publishes only chat flows, pins the version, refuses another owner, and unpublishes', async () => {
    const notChat = await createFlow(owner.token, 'not chat', graphOf([{ id: 'a', type: 'io.input', params: { name: 'q' } }, { id: 'b', type: 'io.output', params: { name: 'r' } }], ['a.value>b.value']));
    const refused = await call(owner.token, 'POST', '/api/apps', { flowId: notChat });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatch(/needs a Chat Input and a Chat Output/);

    const flowId = await createFlow(owner.token, 'Pinned chat', plainChat(8));
    const app = await publish(owner.token, flowId, 'pinned-chat', 'private');
    expect(app).toMatchObject({ slug: 'pinned-chat', version: 1, title: 'Pinned chat', visibility: 'private', canManage: true });
    expect((await call(owner.token, 'POST', '/api/apps', { flowId, slug: 'pinned-chat' })).status).toBe(409);
    expect((await call(other.token, 'PATCH', '/api/apps/pinned-chat', { title: 'mine' })).status).toBe(404);
    // A new flow version does not move the app; pinning it is an explicit act.
    const saved = await call(owner.token, 'PUT', `/api/flows/${flowId}`, { graph: plainChat(9), message: 'v2' });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect((await call(owner.token, 'GET', '/api/apps/pinned-chat')).body.app.version).toBe(1);
    expect((await call(owner.token, 'PATCH', '/api/apps/pinned-chat', { version: 2 })).body.app.version).toBe(2);
    // Only the message, the history and declared inputs reach a flow.
    const extra = await call(owner.token, 'POST', '/api/apps', { flowId, slug: 'x-chat', temperature: 1 });
    expect(extra.status).toBe(400);
    expect(extra.body.error).toMatch(/temperature/);
    expect((await call(owner.token, 'DELETE', '/api/apps/pinned-chat')).status).toBe(204);
    expect((await call(owner.token, 'GET', '/api/apps/pinned-chat')).status).toBe(404);
  });
});

describe('the OpenAI-compatible API with the official openai client', () => {
  it('lists the app, answers with citations streamed and not, refuses wrong keys, and limits rates', async () => {
    await publish(owner.token, await createFlow(owner.token, 'SQLite help', ragChat('chatdocs')), 'sqlite-help');
    await publish(owner.token, await createFlow(owner.token, 'Plain chat', plainChat(40)), 'plain-chat');
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: owner.token });

    const models = (await client.models.list()).data.map((model) => model.id);
    expect(models).toEqual(expect.arrayContaining(['sqlite-help', 'plain-chat', 'smollm2-135m-instruct']));

    const question = 'What does the ALTER TABLE command do?';
    const answer = await client.chat.completions.create({ model: 'sqlite-help', messages: [{ role: 'user', content: question }], temperature: 0 });
    const content = answer.choices[0]!.message.content ?? '';
    const extension = (answer as any).astra;
    expect(extension.citations.length).toBeGreaterThan(0);
    // Each source carries the passage the run retrieved, so a reader can open what was cited.
    for (const citation of extension.citations) expect(citation.passage, JSON.stringify(citation)).toMatch(/\S/);
    expect(content).toMatch(/\[\d\]/);
    expect(content).toMatch(/Sources:\n\[\d\] /);
    expect(answer.usage!.completion_tokens).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(answer.choices[0]!.finish_reason);
    // The run behind it is the caller's to see, and ran the pinned version.
    const run = (await call(owner.token, 'GET', `/api/runs/${extension.run_id}`)).body.run;
    expect(run.status).toBe('succeeded');

    const stream = await client.chat.completions.create({ model: 'sqlite-help', messages: [{ role: 'user', content: question }], stream: true, stream_options: { include_usage: true } });
    let streamed = '';
    let finish: string | null = null;
    let usage: any;
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(streamed).toBe(content);
    expect(finish).not.toBeNull();
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);

    // A key scoped to one app reaches it, and is refused for the other app in every header form.
    const created = await call(owner.token, 'POST', '/api/keys', { name: 'help desk', apps: ['sqlite-help'], ratePerMinute: 1000 });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const key = created.body.key as string;
    const keyed = new OpenAI({ baseURL: `${base}/v1`, apiKey: key });
    expect((await keyed.models.list()).data.map((model) => model.id)).toEqual(['sqlite-help']);
    const wrongApp = await keyed.chat.completions.create({ model: 'plain-chat', messages: [{ role: 'user', content: 'hi' }] }).then(() => undefined, (error: unknown) => error);
    expect(wrongApp).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const viaHeader = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'plain-chat', messages: [{ role: 'user', content: 'hi' }] }) });
    expect(viaHeader.status).toBe(403);
    expect((await jsonOf(viaHeader)).error).toMatchObject({ type: 'permission_error', code: 'model_not_allowed' });
    for (const route of ['/ollama/api/chat']) {
      const response = await fetch(`${base}${route}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'plain-chat', messages: [{ role: 'user', content: 'hi' }], stream: false }) });
      expect(response.status, route).toBe(403);
    }
    // A key reaches the chat surfaces only.
    expect((await fetch(`${base}/api/flows`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(403);
    // Unknown flow inputs are named.
    const badInput = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sqlite-help', messages: [{ role: 'user', content: 'hi' }], inputs: { nope: 'x' } }) });
    expect(badInput.status).toBe(400);
    expect((await jsonOf(badInput)).error.message).toMatch(/nope/);

    // Revoked: refused on the next request. Expired: refused with the reason.
    expect((await call(owner.token, 'DELETE', `/api/keys/${created.body.record.id}`)).status).toBe(204);
    expect(await keyed.models.list().then(() => undefined, (error: unknown) => error)).toBeInstanceOf(OpenAI.AuthenticationError);
    const expiring = (await call(owner.token, 'POST', '/api/keys', { name: 'short', expires: '1h' })).body;
    await harness.pool.query("update api_keys set expires_at = now() - interval '1 second' where id = $1", [expiring.record.id]);
    const expired = await fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${expiring.key}` } });
    expect(expired.status).toBe(401);
    expect((await jsonOf(expired)).error.message).toMatch(/expired/);

    // Per-key rate limit: the third request in a minute waits, told how long.
    const slow = (await call(owner.token, 'POST', '/api/keys', { name: 'slow', ratePerMinute: 2 })).body.key as string;
    const statuses = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 3; i += 1) {
      const response = await fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${slow}` } });
      statuses.push(response.status);
      retryAfter = response.headers.get('retry-after') ?? retryAfter;
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  }, 300_000);

  it('serves plain models and embeddings, and answers bad requests in OpenAI\'s error shape', async () => {
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: other.token });
    const answer = await client.chat.completions.create({ model: 'smollm2-135m-instruct', messages: [{ role: 'user', content: 'What is the capital of France?' }], max_tokens: 16, temperature: 0 });
    expect(answer.choices[0]!.message.content).toMatch(/Paris/);
    const embedded = await client.embeddings.create({ model: 'all-minilm-l6-v2', input: ['one', 'two'] });
    expect(embedded.data).toHaveLength(2);
    expect(embedded.data[0]!.embedding).toHaveLength(384);
    const missing = await client.chat.completions.create({ model: 'no-such-app', messages: [{ role: 'user', content: 'hi' }] }).then(() => undefined, (error: unknown) => error);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    const malformed = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${other.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'plain-chat', messages: 'hi' }) });
    expect(malformed.status).toBe(400);
    expect((await jsonOf(malformed)).error).toMatchObject({ type: 'invalid_request_error', param: 'messages' });
    // Someone else's "keys" app is not theirs to use.
    expect(await client.chat.completions.create({ model: 'sqlite-help', messages: [{ role: 'user', content: 'hi' }] }).then(() => undefined, (error: unknown) => error)).toBeInstanceOf(OpenAI.NotFoundError);
    // What Open WebUI sends: tools on the turn, assistant tool calls and tool results in the history.
    const owui = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'plain-chat', stream: false,
        tools: [{ type: 'function', function: { name: 'search_web', parameters: { type: 'object', properties: {} } } }],
        messages: [
          { role: 'user', content: 'Hello' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'search_web', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'c1', content: 'nothing found' },
          { role: 'assistant', content: 'Hi! How can I help?' },
          { role: 'user', content: [{ type: 'text', text: 'Say the word yes.' }] },
        ],
      }),
    });
    expect(owui.status).toBe(200);
    const body = await jsonOf(owui);
    const history = (await call(owner.token, 'GET', `/api/runs/${body.astra.run_id}/nodes/chat/outputs`)).body.outputs.history;
    expect(history).toEqual([{ role: 'user', content: 'Hello' }, { role: 'assistant', content: 'Hi! How can I help?' }]);
  }, 180_000);
});

describe('the Ollama-compatible API with the official ollama client', () => {
  it('chats, generates and embeds', async () => {
    const ollama = new Ollama({ host: `${base}/ollama`, headers: { authorization: `Bearer ${owner.token}` } });
    const tags = (await ollama.list()).models.map((model) => model.name);
    expect(tags).toEqual(expect.arrayContaining(['plain-chat:latest', 'smollm2-135m-instruct:latest']));
    const chatted = await ollama.chat({ model: 'plain-chat', messages: [{ role: 'user', content: 'What is the capital of France?' }] , stream: false });
    expect(chatted.message.content).toMatch(/Paris/);
    let streamed = '';
    for await (const part of await ollama.chat({ model: 'plain-chat', messages: [{ role: 'user', content: 'What is the capital of France?' }], stream: true })) streamed += part.message.content;
    expect(streamed).toBe(chatted.message.content);
    const generated = await ollama.generate({ model: 'smollm2-135m-instruct', prompt: 'What is the capital of France?', stream: false, options: { temperature: 0, num_predict: 16 } });
    expect(generated.response).toMatch(/Paris/);
    expect(generated.eval_count).toBeGreaterThan(0);
    const embedded = await ollama.embed({ model: 'all-minilm-l6-v2', input: ['one', 'two'] });
    expect(embedded.embeddings).toHaveLength(2);
    expect((await ollama.embeddings({ model: 'all-minilm-l6-v2', prompt: 'one' })).embedding).toHaveLength(384);
    expect((await ollama.version()).version).toMatch(/^\d+\.\d+\.\d+$/);
    const shown = await ollama.show({ model: 'plain-chat' });
    expect(shown.capabilities).toContain('completion');
    expect(await ollama.pull({ model: 'llama3' }).then(() => undefined, (error: unknown) => error)).toBeInstanceOf(Error);
  }, 180_000);
});

describe('conversations', () => {
  it('keeps two turns, hands the flow the history as messages, stops and regenerates', async () => {
    const created = await call(owner.token, 'POST', '/api/apps/plain-chat/conversations', {});
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.conversation.id as string;
    const first = await say(owner.token, id, 'My cat is called Zorblat.');
    expect(first.map((event) => event.event)).toEqual(expect.arrayContaining(['started', 'token', 'done']));
    const firstAnswer = first.find((event) => event.event === 'done')!.data.message;
    expect(firstAnswer.status).toBe('done');
    const second = await say(owner.token, id, 'What is my cat called?');
    const done = second.find((event) => event.event === 'done')!.data.message;
    // The flow saw both turns: the first question and its answer came in as structured history.
    const history = (await call(owner.token, 'GET', `/api/runs/${done.runId}/nodes/chat/outputs`)).body.outputs.messages;
    expect(history).toEqual([
      { role: 'user', content: 'My cat is called Zorblat.' },
      { role: 'assistant', content: firstAnswer.content },
      { role: 'user', content: 'What is my cat called?' },
    ]);
    expect(done.content).toMatch(/Zorblat/i);
    const stored = (await call(owner.token, 'GET', `/api/conversations/${id}`)).body.conversation;
    expect(stored.title).toBe('My cat is called Zorblat.');
    expect(stored.messages.map((m: any) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(stored.messages[3]).toMatchObject({ runId: done.runId, status: 'done' });
    expect(stored.messages[3].completionTokens).toBeGreaterThan(0);

    // Regenerate: a new run of the same turn, replacing the last answer.
    const again = await fetch(`${base}/api/conversations/${id}/regenerate`, { method: 'POST', headers: { authorization: `Bearer ${owner.token}` } });
    const regenerated = (await readSse(again)).find((event) => event.event === 'done')!.data.message;
    expect(regenerated.runId).not.toBe(done.runId);
    expect((await call(owner.token, 'GET', `/api/conversations/${id}`)).body.conversation.messages).toHaveLength(4);

    // Stop: the run is cancelled and the answer ends "stopped".
    const long = await publish(owner.token, await createFlow(owner.token, 'Long chat', plainChat(2000)), 'long-chat', 'private');
    const talk = (await call(owner.token, 'POST', `/api/apps/${long.slug}/conversations`, { title: 'long' })).body.conversation.id as string;
    const response = await fetch(`${base}/api/conversations/${talk}/messages`, { method: 'POST', headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ content: 'Write a very long story about the sea.' }) });
    const events = readSse(response, async (event) => {
      if (event.event === 'token') await call(owner.token, 'POST', `/api/conversations/${talk}/stop`);
    });
    const ended = (await events).at(-1)!;
    expect(ended.event).toBe('done');
    expect(ended.data.message.status).toBe('stopped');
    expect((await runToEnd(owner.token, ended.data.message.runId)).status).toBe('cancelled');

    // Renaming and deleting are the owner's; another user does not find it.
    expect((await call(other.token, 'GET', `/api/conversations/${id}`)).status).toBe(404);
    expect((await call(owner.token, 'PATCH', `/api/conversations/${id}`, { title: 'Cats' })).body.conversation.title).toBe('Cats');
    expect((await call(owner.token, 'POST', `/api/conversations/${id}/messages`, { content: 'hi', temperature: 2 })).status).toBe(400);
    expect((await call(owner.token, 'DELETE', `/api/conversations/${id}`)).status).toBe(204);
  }, 240_000);
});

describe('the CLI', () => {
  it('publishes, lists, chats, and makes, lists and revokes keys', async () => {
    const astra = (args: string[], stdin?: string) => runAstra(args, { url: base, token: owner.token, cwd: process.cwd(), stdin });
    await createFlow(owner.token, 'CLI chat', plainChat(24));
    const published = await astra(['publish', 'CLI chat', '--slug', 'cli-chat', '--visibility', 'keys']);
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toMatch(/published cli-chat +CLI chat {2}\(flow "CLI chat" v1, keys/);
    const again = await astra(['publish', 'CLI chat']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already published as "cli-chat" at version 1.*--version 1/);
    expect((await astra(['apps', 'list'])).stdout).toMatch(/^cli-chat /m);

    const once = await astra(['chat', 'cli-chat', '-m', 'What is the capital of France?']);
    expect(once.code, once.stderr).toBe(0);
    expect(once.stdout).toMatch(/Paris/);
    // Piped lines are a conversation: the second turn sees the first, and /history prints both.
    const piped = await astra(['chat', 'cli-chat'], 'What is the capital of France?\n/history\n');
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout).toMatch(/you › What is the capital of France\?\ncli-chat › .*Paris/s);

    const key = await astra(['keys', 'create', '--name', 'cli key', '--apps', 'cli-chat', '--expires', '30d']);
    expect(key.code, key.stderr).toBe(0);
    const secret = key.stdout.trim();
    expect(secret).toMatch(/^astra_k_/);
    const keyed = new OpenAI({ baseURL: `${base}/v1`, apiKey: secret });
    expect((await keyed.models.list()).data.map((model) => model.id)).toEqual(['cli-chat']);
    const listed = await astra(['keys', 'list']);
    expect(listed.stdout).toMatch(/cli key +live +apps: cli-chat {2}120\/min {2}expires 20/);
    expect((await astra(['keys', 'revoke', 'cli key'])).code).toBe(0);
    expect(await keyed.models.list().then(() => undefined, (error: unknown) => error)).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((await astra(['keys', 'list'])).stdout).toMatch(/cli key +revoked/);
    expect((await astra(['apps', 'unpublish', 'cli-chat'])).code).toBe(0);
    const gone = await astra(['chat', 'cli-chat', '-m', 'hi']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/no app "cli-chat"/);
  }, 300_000);
});
