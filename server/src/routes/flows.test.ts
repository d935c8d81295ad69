// Flows through the API: versions, diff, restore, export/import, validation problems as 422 entries,
// the node catalogue, sharing, and isolation: another user's flows, versions and runs are simply not found.
/* eslint-disable @typescript-eslint/no-explicit-any -- the test reads the API's JSON answers as a client would, loosely */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowExport } from '@astra/workflows/flow';
import { startTestWorker, type TestWorker } from '../../../activities/src/testing/test-worker';
import { createAppHarness, type AppHarness } from '../testing/app-harness';
import { graphOf } from '../flows/testing/graphs';

let worker: TestWorker;
let harness: AppHarness;
type User = Awaited<ReturnType<AppHarness['newUser']>>;
let alice: User;
let bob: User;

const call: AppHarness['call'] = (...args) => harness.call(...args);

const greeting = (template: string) => graphOf(
  [{ id: 'name', type: 'io.input', params: { name: 'name' } }, { id: 'greet', type: 'text.template', params: { template } }, { id: 'out', type: 'io.output', params: { name: 'greeting' } }],
  ['name.value>greet.input', 'greet.text>out.value'],
);

async function waitForRun(token: string, id: string) {
  for (let i = 0; i < 300; i += 1) {
    const { body } = await call(token, 'GET', `/api/runs/${id}`);
    if (body.run.status !== 'running') return body.run;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`run ${id} did not finish`);
}

beforeAll(async () => {
  worker = await startTestWorker();
  harness = await createAppHarness({ taskQueue: worker.taskQueue });
  alice = await harness.newUser('user');
  bob = await harness.newUser('user');
});

afterAll(async () => {
  await harness?.close();
  await worker?.stop();
});

describe('node catalogue', () => {
  it('serves every node type with its ports and params as JSON Schema', async () => {
    const { status, body } = await call(alice.token, 'GET', '/api/node-types');
    expect(status).toBe(200);
    const types = body.nodeTypes.map((node: any) => node.type);
    for (const type of ['io.input', 'io.output', 'io.chat-input', 'io.chat-output', 'sources.load-files', 'sources.load-url', 'rag.chunk', 'rag.embed', 'rag.store', 'rag.retrieve', 'rag.answer', 'models.prompt-template', 'models.generate', 'text.template', 'control.condition', 'control.map', 'control.merge']) {
      expect(types).toContain(type);
    }
    const retrieve = body.nodeTypes.find((node: any) => node.type === 'rag.retrieve');
    expect(retrieve.inputs).toContainEqual(expect.objectContaining({ name: 'query', type: 'text', required: true }));
    expect(retrieve.params.properties.mode).toMatchObject({ enum: ['vector', 'keyword', 'hybrid'], default: 'hybrid' });
    expect(retrieve.params.properties.k).toMatchObject({ type: 'integer', minimum: 1, default: 5 });
    expect(body.portTypes.find((port: any) => port.type === 'text').accepts).toContain('documents');
  });

  it('offers the example flows as templates', async () => {
    const { templates } = (await call(alice.token, 'GET', '/api/flow-templates')).body;
    expect(templates.map((template: any) => template.id)).toEqual(expect.arrayContaining(['rag-ingest', 'rag-question-answering', 'rag-ingest-and-answer', 'document-summary']));
    expect(templates.every((template: any) => template.graph.nodes.length > 0)).toBe(true);
  });
});

describe('flows and versions', () => {
  it('saves immutable versions, diffs and restores them, and round-trips export → import', async () => {
    const created = await call(alice.token, 'POST', '/api/flows', { name: 'Greeter', description: 'says hello', graph: greeting('Hello, {{input}}!') });
    expect(created.status).toBe(201);
    const id = created.body.flow.id;
    expect(created.body.version.number).toBe(1);

    const changed = greeting('Good morning, {{input}}.');
    changed.nodes.push({ id: 'extra', type: 'util.pass-through', version: 1, params: {} });
    const saved = await call(alice.token, 'PUT', `/api/flows/${id}`, { graph: changed, message: 'morning' });
    expect(saved.body.version.number).toBe(2);
    expect((await call(alice.token, 'GET', `/api/flows/${id}/versions`)).body.versions.map((v: any) => [v.number, v.message, v.nodes])).toEqual([[2, 'morning', 4], [1, 'created', 3]]);
    expect((await call(alice.token, 'GET', `/api/flows/${id}/versions/1`)).body.version.graph).toEqual(greeting('Hello, {{input}}!'));

    const { diff } = (await call(alice.token, 'GET', `/api/flows/${id}/diff?from=1&to=2`)).body;
    expect(diff.nodes.added.map((node: any) => node.id)).toEqual(['extra']);
    expect(diff.nodes.changed).toEqual([expect.objectContaining({ id: 'greet', fields: ['params.template'] })]);

    const restored = await call(alice.token, 'POST', `/api/flows/${id}/versions/1/restore`);
    expect(restored.status).toBe(201);
    expect(restored.body.version).toMatchObject({ number: 3, message: 'restored version 1', graph: greeting('Hello, {{input}}!') });

    const exported = await call(alice.token, 'GET', `/api/flows/${id}/export?version=2`);
    expect(flowExport.parse(exported.body)).toEqual({ format: 'astra.flow', formatVersion: 1, name: 'Greeter', description: 'says hello', graph: changed });
    const imported = await call(alice.token, 'POST', '/api/flows/import', exported.body);
    expect(imported.status).toBe(201);
    expect(imported.body.version.graph).toEqual(changed);
    const reexported = await call(alice.token, 'GET', `/api/flows/${imported.body.flow.id}/export`);
    expect(reexported.body).toEqual(exported.body);

    expect((await call(alice.token, 'POST', '/api/flows/import', { format: 'langflow', graph: {} })).body.error).toMatch(/not an Astra flow export/);
    expect((await call(alice.token, 'GET', '/api/flows?q=greet')).body.flows.map((flow: any) => flow.id)).toContain(id);
  });

  it('answers 422 with each problem on its node and field', async () => {
    const graph = graphOf(
      [
        { id: 'q', type: 'io.input', params: { name: 'q' } },
        { id: 'find', type: 'rag.retrieve', params: { k: 0, mode: 'fuzzy' } },
        { id: 'emb', type: 'rag.embed' },
        { id: 'ghost', type: 'no.such-node' },
        { id: 'a', type: 'util.pass-through' },
        { id: 'b', type: 'util.pass-through' },
      ],
      ['q.value>emb.chunks', 'a.value>b.value', 'b.value>a.value'],
    );
    const { status, body } = await call(alice.token, 'POST', '/api/flows', { name: 'broken', graph });
    expect(status).toBe(422);
    const problems = body.problems.map((p: any) => [p.code, p.nodeId, p.path]);
    expect(problems).toEqual(expect.arrayContaining([
      ['invalid-params', 'find', 'params.k'],
      ['invalid-params', 'find', 'params.mode'],
      ['unknown-node-type', 'ghost', 'type'],
      ['port-type-mismatch', 'emb', 'inputs.chunks'],
      ['missing-input', 'find', 'inputs.query'],
      ['cycle', 'a', 'edges'],
    ]));
    expect(body.problems.find((p: any) => p.code === 'port-type-mismatch').message).toMatch(/a text output cannot feed a chunks input/);
    expect((await call(alice.token, 'GET', '/api/flows?q=broken')).body.flows).toEqual([]);
    expect((await call(alice.token, 'POST', '/api/flows/validate', { graph })).body.valid).toBe(false);
  });
});

describe('isolation between users', () => {
  it("answers 404 to every route on another user's flow, versions and runs, including ids in bodies", async () => {
    const id = (await call(alice.token, 'POST', '/api/flows', { name: 'private', graph: greeting('Hi {{input}}') })).body.flow.id;
    const run = await call(alice.token, 'POST', '/api/runs', { flowId: id, inputs: { name: 'Ada' } });
    expect(run.status).toBe(201);
    const finished = await waitForRun(alice.token, run.body.run.id);
    expect(finished.outputs).toEqual({ greeting: 'Hi Ada' });
    const runId = run.body.run.id;

    const attempts: Array<[string, string, unknown?]> = [
      ['GET', `/api/flows/${id}`], ['PUT', `/api/flows/${id}`, { graph: greeting('x') }], ['DELETE', `/api/flows/${id}`],
      ['GET', `/api/flows/${id}/versions`], ['GET', `/api/flows/${id}/versions/1`], ['GET', `/api/flows/${id}/diff?from=1&to=1`],
      ['POST', `/api/flows/${id}/versions/1/restore`], ['GET', `/api/flows/${id}/export`], ['PUT', `/api/flows/${id}/sharing`, { visibility: 'shared', users: [], roles: ['user'] }],
      ['POST', '/api/runs', { flowId: id, inputs: { name: 'x' } }],
      ['GET', `/api/runs/${runId}`], ['GET', `/api/runs/${runId}/events`], ['GET', `/api/runs/${runId}/nodes/greet/outputs`],
      ['POST', `/api/runs/${runId}/cancel`], ['POST', `/api/runs/${runId}/rerun`, { fromNode: 'greet' }],
    ];
    for (const [method, route, body] of attempts) {
      expect((await call(bob.token, method, route, body)).status, `${method} ${route}`).toBe(404);
    }
    expect((await call(bob.token, 'GET', '/api/flows')).body.flows.map((flow: any) => flow.id)).not.toContain(id);
    expect((await call(bob.token, 'GET', '/api/runs')).body.runs.map((r: any) => r.id)).not.toContain(runId);
    expect((await call(bob.token, 'GET', `/api/runs?flowId=${id}`)).body.runs).toEqual([]);

    // Shared with Bob: he may see and run it, not change it; his run is his own.
    expect((await call(alice.token, 'PUT', `/api/flows/${id}/sharing`, { visibility: 'shared', users: [bob.username], roles: [] })).status).toBe(200);
    expect((await call(bob.token, 'GET', `/api/flows/${id}`)).status).toBe(200);
    expect((await call(bob.token, 'PUT', `/api/flows/${id}`, { graph: greeting('x') })).status).toBe(403);
    const bobs = await call(bob.token, 'POST', '/api/runs', { flowId: id, inputs: { name: 'Bob' } });
    expect(bobs.status).toBe(201);
    expect((await waitForRun(bob.token, bobs.body.run.id)).outputs).toEqual({ greeting: 'Hi Bob' });
    expect((await call(alice.token, 'GET', `/api/runs/${bobs.body.run.id}`)).status).toBe(404);
    expect((await call(bob.token, 'GET', `/api/runs/${runId}`)).status).toBe(404);
    expect((await call(alice.token, 'PUT', `/api/flows/${id}/sharing`, { visibility: 'shared', users: ['nobody-here'], roles: [] })).body.error).toMatch(/no such user: nobody-here/);
  });

  it("refuses to delete a shared flow while other users have runs of it, and keeps their runs", async () => {
    const id = (await call(alice.token, 'POST', '/api/flows', { name: 'shared greeting', graph: greeting('Hello {{input}}') })).body.flow.id;
    const alices = await call(alice.token, 'POST', '/api/runs', { flowId: id, inputs: { name: 'Ada' } });
    await waitForRun(alice.token, alices.body.run.id);
    expect((await call(alice.token, 'PUT', `/api/flows/${id}/sharing`, { visibility: 'shared', users: [bob.username], roles: [] })).status).toBe(200);
    const bobs = await call(bob.token, 'POST', '/api/runs', { flowId: id, inputs: { name: 'Bob' } });
    await waitForRun(bob.token, bobs.body.run.id);

    const refused = await call(alice.token, 'DELETE', `/api/flows/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe(`flow "shared greeting" has 1 run by other users (${bob.username}), which deleting it would delete; stop sharing it to stop new runs`);
    expect((await call(bob.token, 'GET', `/api/runs/${bobs.body.run.id}`)).body.run.outputs).toEqual({ greeting: 'Hello Bob' });
    expect((await call(alice.token, 'GET', `/api/flows/${id}`)).status).toBe(200);

    // A flow only its owner ran is deleted with the owner's runs.
    const solo = (await call(alice.token, 'POST', '/api/flows', { name: 'solo greeting', graph: greeting('Hi {{input}}') })).body.flow.id;
    const soloRun = await call(alice.token, 'POST', '/api/runs', { flowId: solo, inputs: { name: 'Ada' } });
    await waitForRun(alice.token, soloRun.body.run.id);
    expect((await call(alice.token, 'DELETE', `/api/flows/${solo}`)).status).toBe(204);
    expect((await call(alice.token, 'GET', `/api/runs/${soloRun.body.run.id}`)).status).toBe(404);
  });

  it('pages the flow list, own flows first, and finds a name exactly', async () => {
    const carol = await harness.newUser('user');
    const mine = (await call(carol.token, 'POST', '/api/flows', { name: 'mine', graph: greeting('Hi {{input}}') })).body.flow.id;
    const theirs = (await call(alice.token, 'POST', '/api/flows', { name: 'mine', graph: greeting('Yo {{input}}') })).body.flow.id;
    await call(alice.token, 'PUT', `/api/flows/${theirs}/sharing`, { visibility: 'shared', users: [carol.username], roles: [] });
    for (const name of ['third', 'fourth']) {
      const flow = (await call(alice.token, 'POST', '/api/flows', { name, graph: greeting('x {{input}}') })).body.flow.id;
      await call(alice.token, 'PUT', `/api/flows/${flow}/sharing`, { visibility: 'shared', users: [carol.username], roles: [] });
    }
    const first = await call(carol.token, 'GET', '/api/flows?limit=2');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ total: 4, nextOffset: 2 });
    expect(first.body.flows[0].id).toBe(mine);
    const last = await call(carol.token, 'GET', '/api/flows?limit=2&offset=2');
    expect(last.body).toMatchObject({ total: 4, nextOffset: null });
    expect(last.body.flows).toHaveLength(2);
    expect((await call(carol.token, 'GET', '/api/flows?offset=10')).body).toEqual({ flows: [], total: 4, nextOffset: null });
    const named = await call(carol.token, 'GET', '/api/flows?name=mine');
    expect(named.body.flows.map((flow: any) => [flow.id, flow.canEdit])).toEqual([[mine, true], [theirs, false]]);
    expect((await call(carol.token, 'GET', '/api/flows?limit=0')).status).toBe(400);
    expect((await call(carol.token, 'GET', '/api/flows?limit=501')).status).toBe(400);
  });

  it('a pending user can run nothing', async () => {
    const pending = await harness.newUser('pending');
    const id = (await call(alice.token, 'POST', '/api/flows', { name: 'open', graph: greeting('Hi {{input}}') })).body.flow.id;
    await call(alice.token, 'PUT', `/api/flows/${id}/sharing`, { visibility: 'shared', users: [pending.username], roles: ['user'] });
    for (const [method, route, body] of [['POST', '/api/runs', { flowId: id, inputs: { name: 'x' } }], ['GET', '/api/flows'], ['POST', '/api/flows', { name: 'n', graph: greeting('x') }], ['GET', '/api/node-types']] as const) {
      expect((await call(pending.token, method, route, body)).status, `${method} ${route}`).toBe(403);
    }
    expect((await harness.pool.query('select count(*)::int as n from runs where owner_id = $1', [pending.id])).rows[0].n).toBe(0);
  });
});
