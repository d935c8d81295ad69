// Model access control on the real stack: once an admin names who may use a model or app, everyone
// else gets 403 naming it from every surface that can call it (a run's Generate node, chat, /v1, the
// Ollama API) and does not see it in any list (/api/models, /v1/models, /ollama/api/tags, /api/apps).
// Each test restricts a model of its own (registered like a fine-tune), so other tests are untouched.
/* eslint-disable @typescript-eslint/no-explicit-any -- the test reads the API's JSON answers as a client would, loosely */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const call: AppHarness['call'] = (...args) => harness.call(...args);

const chatWith = (model: string) => graphOf(
  [
    { id: 'chat', type: 'io.chat-input' },
    { id: 'generate', type: 'models.generate', params: { model, maxTokens: 8 } },
    { id: 'reply', type: 'io.chat-output' },
  ],
  ['chat.messages>generate.prompt', 'generate.text>reply.message'],
);

/** What each list shows this caller. */
async function listed(token: string) {
  const [models, v1, tags, apps] = await Promise.all([call(token, 'GET', '/api/models'), call(token, 'GET', '/v1/models'), call(token, 'GET', '/ollama/api/tags'), call(token, 'GET', '/api/apps')]);
  return {
    models: models.body.models.map((model: any) => model.name) as string[],
    v1: v1.body.data.map((model: any) => model.id) as string[],
    tags: tags.body.models.map((model: any) => model.name.replace(/:latest$/, '')) as string[],
    apps: apps.body.apps.map((app: any) => app.slug) as string[],
  };
}

async function restrict(kind: 'model' | 'app', name: string, body: { users?: string[]; roles?: string[] }) {
  const answer = await call(admin.token, 'PUT', `/api/admin/model-access/${kind}/${name}`, body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

describe('model access control', () => {
  it('leaves a model nobody restricted open to every user', async () => {
    const model = await registerTestModel(harness.pool);
    const user = await harness.newUser('user');
    const shown = await listed(user.token);
    expect(shown.models).toContain(model);
    expect(shown.v1).toContain(model);
    expect(shown.tags).toContain(model);
    const { body } = await call(admin.token, 'GET', '/api/admin/model-access');
    expect(body.rules.find((rule: any) => rule.name === model)).toBeUndefined();
    expect(body.models.map((entry: any) => entry.name)).toContain(model);
  });

  it('refuses a restricted model with 403 naming it on every surface, and hides it from every list', async () => {
    const model = await registerTestModel(harness.pool);
    const allowed = await harness.newUser('user');
    const refused = await harness.newUser('user');
    const answer = await restrict('model', model, { users: [allowed.username] });
    expect(answer.rule).toEqual({ kind: 'model', name: model, users: [allowed.username], roles: [] });

    const hidden = await listed(refused.token);
    for (const list of [hidden.models, hidden.v1, hidden.tags]) expect(list).not.toContain(model);
    expect(hidden.models).toContain('smollm2-135m-instruct');
    expect((await call(refused.token, 'GET', `/api/models/${model}`)).status).toBe(404);

    const v1 = await call(refused.token, 'POST', '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] });
    expect(v1.status).toBe(403);
    expect(v1.body.error).toMatchObject({ type: 'permission_error', code: 'model_not_allowed' });
    expect(v1.body.error.message).toContain(`"${model}"`);
    const streamed = await call(refused.token, 'POST', '/v1/chat/completions', { model, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(streamed.status).toBe(403);
    for (const route of ['/ollama/api/chat', '/ollama/api/generate']) {
      const ollama = await call(refused.token, 'POST', route, { model: `${model}:latest`, messages: [{ role: 'user', content: 'hi' }], prompt: 'hi', stream: false });
      expect(ollama.status, route).toBe(403);
      expect(ollama.body.error).toContain(`"${model}"`);
    }

    // Asking a collection with it: refused before any collection is looked up or stream opened.
    const ask = await call(refused.token, 'POST', '/api/ask', { collection: 'anything', question: 'hi', model });
    expect(ask.status).toBe(403);
    expect(ask.body.error).toContain(`"${model}"`);

    // The Generate node: refused at run start, for the run's owner.
    const flowId = (await call(refused.token, 'POST', '/api/flows', { name: 'calls a restricted model', graph: chatWith(model) })).body.flow.id as string;
    const run = await call(refused.token, 'POST', '/api/runs', { flowId, inputs: { message: 'hi' } });
    expect(run.status).toBe(403);
    expect(run.body.error).toContain(`"${model}"`);
    expect((await harness.pool.query('select count(*)::int as n from runs where flow_id = $1', [flowId])).rows[0].n).toBe(0);

    // The one it was granted to sees it and may run it; so may an admin.
    const shown = await listed(allowed.token);
    for (const list of [shown.models, shown.v1, shown.tags]) expect(list).toContain(model);
    const allowedFlow = (await call(allowed.token, 'POST', '/api/flows', { name: 'calls a granted model', graph: chatWith(model) })).body.flow.id as string;
    const allowedRun = await call(allowed.token, 'POST', '/api/runs', { flowId: allowedFlow, inputs: { message: 'hi' } });
    expect(allowedRun.status, JSON.stringify(allowedRun.body)).toBe(201);
    await call(allowed.token, 'POST', `/api/runs/${allowedRun.body.run.id}/cancel`);
    expect((await listed(admin.token)).v1).toContain(model);
  });

  it('grants by role, and opens a model again when the lists are emptied', async () => {
    const model = await registerTestModel(harness.pool);
    const user = await harness.newUser('user');
    await restrict('model', model, { roles: ['admin'] });
    expect((await listed(user.token)).v1).not.toContain(model);
    await restrict('model', model, { roles: ['user'] });
    expect((await listed(user.token)).v1).toContain(model);
    await restrict('model', model, { roles: ['admin'] });
    const opened = await restrict('model', model, {});
    expect(opened.rule).toBeNull();
    expect((await listed(user.token)).v1).toContain(model);
  });

  it('refuses chat with an app whose flow calls a model the caller may not use, in the chat API and /v1', async () => {
    const model = await registerTestModel(harness.pool);
    const owner = await harness.newUser('user');
    const guest = await harness.newUser('user');
    const flowId = (await call(owner.token, 'POST', '/api/flows', { name: 'app over a restricted model', graph: chatWith(model) })).body.flow.id as string;
    const slug = `access-${randomBytes(4).toString('hex')}`;
    expect((await call(owner.token, 'POST', '/api/apps', { flowId, slug, visibility: 'shared', users: [guest.username] })).status).toBe(201);
    await restrict('model', model, { users: [owner.username] });

    const conversation = await call(guest.token, 'POST', `/api/apps/${slug}/conversations`, {});
    expect(conversation.status).toBe(201);
    const sent = await call(guest.token, 'POST', `/api/conversations/${conversation.body.conversation.id}/messages`, { content: 'hi' });
    expect(sent.status).toBe(403);
    expect(sent.body.error).toContain(`"${model}"`);
    const v1 = await call(guest.token, 'POST', '/v1/chat/completions', { model: slug, messages: [{ role: 'user', content: 'hi' }] });
    expect(v1.status).toBe(403);
    expect(v1.body.error.message).toContain(`"${model}"`);
  });

  it('restricts a published app: others with the app shared do not see it and get 403 naming it', async () => {
    const owner = await harness.newUser('user');
    const guest = await harness.newUser('user');
    const flowId = (await call(owner.token, 'POST', '/api/flows', { name: 'restricted app', graph: chatWith('smollm2-135m-instruct') })).body.flow.id as string;
    const slug = `access-${randomBytes(4).toString('hex')}`;
    expect((await call(owner.token, 'POST', '/api/apps', { flowId, slug, visibility: 'shared', users: [guest.username] })).status).toBe(201);
    expect((await listed(guest.token)).apps).toContain(slug);
    await restrict('app', slug, { users: [owner.username] });

    const hidden = await listed(guest.token);
    expect(hidden.apps).not.toContain(slug);
    expect(hidden.v1).not.toContain(slug);
    expect(hidden.tags).not.toContain(slug);
    const v1 = await call(guest.token, 'POST', '/v1/chat/completions', { model: slug, messages: [{ role: 'user', content: 'hi' }] });
    expect(v1.status).toBe(403);
    expect(v1.body.error.message).toContain(`app "${slug}"`);
    expect((await listed(owner.token)).v1).toContain(slug);
  });

  it('keeps access rules to admins and names what is wrong with a bad one', async () => {
    const model = await registerTestModel(harness.pool);
    const user = await harness.newUser('user');
    expect((await call(user.token, 'GET', '/api/admin/model-access')).status).toBe(403);
    expect((await call(user.token, 'PUT', `/api/admin/model-access/model/${model}`, { users: [user.username] })).status).toBe(403);
    const unknownModel = await call(admin.token, 'PUT', '/api/admin/model-access/model/no-such-model', { roles: ['user'] });
    expect(unknownModel.status).toBe(404);
    expect(unknownModel.body.error).toContain('no-such-model');
    const unknownUser = await call(admin.token, 'PUT', `/api/admin/model-access/model/${model}`, { users: ['nobody-by-this-name'] });
    expect(unknownUser.status).toBe(400);
    expect(unknownUser.body.error).toContain('nobody-by-this-name');
    const badKind = await call(admin.token, 'PUT', `/api/admin/model-access/dataset/${model}`, { roles: ['user'] });
    expect(badKind.status).toBe(400);
    expect((await listed(user.token)).v1).toContain(model);
  });
});
