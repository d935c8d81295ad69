// Runs of real flows on the real stack: the RAG pipeline streamed live and equal to the direct
// pipeline, retries of a transient failure, bad params failing once, re-run from a node reusing
// upstream outputs (the ledger proves nothing upstream ran again), cancellation and a 200-node flow.
import http from 'node:http';
/* eslint-disable @typescript-eslint/no-explicit-any -- the test reads the API's JSON answers as a client would, loosely */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { workflows } from '@astra/workflows';
import { validateFlow, type FlowGraph } from '@astra/workflows/flow';
import { startTestWorker, type TestWorker } from '../../../activities/src/testing/test-worker';
import { copyOfSampleCorpus } from '../../../activities/src/rag/testing/corpus';
import { createAppHarness, type AppHarness } from '../testing/app-harness';
import { graphOf, passThroughGrid, ragFlow } from '../flows/testing/graphs';

let worker: TestWorker;
let harness: AppHarness;
let admin: Awaited<ReturnType<AppHarness['newUser']>>;
let flaky: http.Server;
let flakyHits = 0;

const call: AppHarness['call'] = (...args) => harness.call(...args);

async function createFlow(token: string, name: string, graph: FlowGraph): Promise<string> {
  const created = await call(token, 'POST', '/api/flows', { name, graph });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.flow.id as string;
}

async function finished(token: string, runId: string, timeoutMs = 120_000): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await call(token, 'GET', `/api/runs/${runId}`);
    if (body.run.status !== 'running') return body.run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still running: ${JSON.stringify(body.run.nodes.map((n: any) => [n.nodeId, n.state]))}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Every SSE message of a run's event stream until it closes. */
async function readEvents(token: string, runId: string): Promise<Array<{ event: string; data: any }>> {
  const response = await harness.app.request(`http://astra.test/api/runs/${runId}/events`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  const text = await response.text();
  return text.split('\n\n').filter((block) => block.includes('data:')).map((block) => {
    const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message';
    const data = block.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n');
    return { event, data: JSON.parse(data) };
  });
}

const ledger = async (runId: string) =>
  (await harness.pool.query<{ node_id: string; attempt: number; outcome: string | null }>('select node_id, attempt, outcome from node_executions where run_id = $1 order by id', [runId])).rows;

beforeAll(async () => {
  flaky = http.createServer((_request, response) => {
    flakyHits += 1;
    if (flakyHits === 1) {
      response.writeHead(503).end('busy');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain' }).end('The lighthouse keeper logs the weather every hour.');
  });
  await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
  worker = await startTestWorker({ egressAllow: [`127.0.0.1:${(flaky.address() as AddressInfo).port}`] });
  harness = await createAppHarness({ taskQueue: worker.taskQueue });
  admin = await harness.newUser('admin');
});

afterAll(async () => {
  await harness?.close();
  await worker?.stop();
  flaky?.close();
});

describe('the RAG flow', () => {
  it('streams node states live, equals the direct pipeline, fails bad params at once, and re-runs from a node without re-embedding', async () => {
    const corpus = await copyOfSampleCorpus(3);
    const question = 'What does the ALTER TABLE command do?';
    const flowId = await createFlow(admin.token, 'rag', ragFlow('flowdocs'));

    const started = await call(admin.token, 'POST', '/api/runs', { flowId, inputs: { folder: corpus.dir, question } });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const runId = started.body.run.id as string;
    const events = await readEvents(admin.token, runId);
    const run = await finished(admin.token, runId);
    expect(run.status, run.error).toBe('succeeded');
    expect(run.nodes.map((node: any) => node.state)).toEqual(Array(9).fill('succeeded'));
    const retrieveNode = run.nodes.find((node: any) => node.nodeId === 'retrieve');
    expect(retrieveNode.inputPreview).toContain(`query: ${question}`);
    expect(retrieveNode.outputPreview).toMatch(/^passages: 3 items/);
    expect(retrieveNode.durationMs).toBeGreaterThanOrEqual(0);

    // Live: the snapshot first, then every activity node went running → succeeded, then the run ended.
    expect(events[0]!.event).toBe('snapshot');
    for (const nodeId of ['load', 'chunk', 'embed', 'store', 'retrieve', 'answer']) {
      const states = events.filter((e) => e.event === 'node' && e.data.nodeId === nodeId).map((e) => e.data.state);
      expect(states, nodeId).toEqual(expect.arrayContaining(['running', 'succeeded']));
    }
    expect(events.some((e) => e.event === 'progress' && e.data.nodeId === 'embed')).toBe(true);
    expect(events.some((e) => e.event === 'token' && e.data.nodeId === 'answer')).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: 'run', data: { status: 'succeeded' } });

    // The same pipeline run directly: the answerQuestion workflow over the collection the flow stored.
    const collection = (await harness.pool.query<{ id: string }>("select id from collections where owner_id = $1 and name = 'flowdocs'", [admin.id])).rows[0]!;
    const stored = (await harness.pool.query<{ n: number }>('select count(*)::int as n from chunks where collection_id = $1', [collection.id])).rows[0]!.n;
    const chunkNode = (await call(admin.token, 'GET', `/api/runs/${runId}/nodes/chunk/outputs`)).body.outputs.chunks as unknown[];
    expect(stored).toBe(chunkNode.length);
    const direct = await worker.client.workflow.execute<typeof workflows.answerQuestion>('answerQuestion', {
      taskQueue: worker.taskQueue,
      workflowId: `direct-${runId}`,
      args: [{ collectionId: collection.id, question, model: 'smollm2-135m-instruct', k: 3, mode: 'hybrid', maxTokens: 60 }],
    });
    expect(run.outputs.answer).toEqual(direct);
    expect(direct.citations.length).toBeGreaterThan(0);

    // Bad params: a model that does not exist fails the answer node at once, naming node and field.
    const broken = ragFlow('flowdocs', 'no-such-model');
    const saved = await call(admin.token, 'PUT', `/api/flows/${flowId}`, { graph: broken, message: 'try another model' });
    expect(saved.status).toBe(200);
    const bad = await finished(admin.token, (await call(admin.token, 'POST', '/api/runs', { flowId, inputs: { folder: corpus.dir, question } })).body.run.id);
    expect(bad.status).toBe('failed');
    expect(bad.error).toMatch(/Answer with Citations "answer": params\.model: no generation model "no-such-model"/);
    const badLedger = await ledger(bad.id);
    expect(badLedger.filter((row) => row.node_id === 'answer')).toEqual([{ node_id: 'answer', attempt: 1, outcome: 'failed' }]);

    // Fixed in a new version, re-run from the answer node: everything upstream is reused, nothing re-embedded.
    await call(admin.token, 'PUT', `/api/flows/${flowId}`, { graph: ragFlow('flowdocs'), message: 'back to SmolLM2' });
    const rerun = await call(admin.token, 'POST', `/api/runs/${bad.id}/rerun`, { fromNode: 'answer' });
    expect(rerun.status, JSON.stringify(rerun.body)).toBe(201);
    const again = await finished(admin.token, rerun.body.run.id);
    expect(again.status, again.error).toBe('succeeded');
    const states = Object.fromEntries(again.nodes.map((node: any) => [node.nodeId, node.state]));
    expect(states).toEqual({ folder: 'cached', question: 'cached', load: 'cached', chunk: 'cached', embed: 'cached', store: 'cached', retrieve: 'cached', answer: 'succeeded', result: 'succeeded' });
    expect((await ledger(again.id)).map((row) => row.node_id)).toEqual(['answer']);
    expect(again.outputs.answer).toEqual(direct);
    expect(again).toMatchObject({ rerunOf: bad.id, fromNode: 'answer' });
  }, 240_000);
});

describe('retries and failures', () => {
  it('retries a transient failure (HTTP 503) and succeeds on the next attempt', async () => {
    const url = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}/notes.txt`;
    const flowId = await createFlow(admin.token, 'flaky', graphOf(
      [{ id: 'url', type: 'io.input', params: { name: 'url' } }, { id: 'fetch', type: 'sources.load-url' }, { id: 'out', type: 'io.output', params: { name: 'documents' } }],
      ['url.value>fetch.url', 'fetch.documents>out.value'],
    ));
    const run = await finished(admin.token, (await call(admin.token, 'POST', '/api/runs', { flowId, inputs: { url } })).body.run.id);
    expect(run.status, run.error).toBe('succeeded');
    expect(run.outputs.documents[0].text).toContain('lighthouse keeper');
    expect(await ledger(run.id)).toEqual([
      { node_id: 'fetch', attempt: 1, outcome: 'failed' },
      { node_id: 'fetch', attempt: 2, outcome: 'succeeded' },
    ]);
    const fetchNode = run.nodes.find((node: any) => node.nodeId === 'fetch');
    expect(fetchNode.attempts).toBe(2);
    expect(fetchNode.logs.map((log: any) => log.message)).toContainEqual(expect.stringMatching(/attempt 1 failed: .*HTTP 503/));
  }, 60_000);

  it('a user who is not an admin cannot read server files through Load Files', async () => {
    const user = await harness.newUser('user');
    const flowId = await createFlow(user.token, 'files', graphOf([{ id: 'load', type: 'sources.load-files', params: { path: '/etc' } }], []));
    const run = await finished(user.token, (await call(user.token, 'POST', '/api/runs', { flowId })).body.run.id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/only admins/);
  });

  it('runs only the branch a condition picks; merge joins it and the other branch is skipped', async () => {
    const flowId = await createFlow(admin.token, 'branches', graphOf(
      [
        { id: 'in', type: 'io.input', params: { name: 'text' } },
        { id: 'check', type: 'control.condition', params: { operator: 'contains', value: 'urgent' } },
        { id: 'loud', type: 'text.template', params: { template: 'NOW: {{input}}' } },
        { id: 'calm', type: 'text.template', params: { template: 'later: {{input}}' } },
        { id: 'join', type: 'control.merge' },
        { id: 'out', type: 'io.output', params: { name: 'message' } },
      ],
      ['in.value>check.value', 'check.true>loud.input', 'check.false>calm.input', 'loud.text>join.a', 'calm.text>join.b', 'join.value>out.value'],
    ));
    const run = await finished(admin.token, (await call(admin.token, 'POST', '/api/runs', { flowId, inputs: { text: 'an Urgent note' } })).body.run.id);
    expect(run.status, run.error).toBe('succeeded');
    expect(run.outputs).toEqual({ message: 'NOW: an Urgent note' });
    expect(Object.fromEntries(run.nodes.map((node: any) => [node.nodeId, node.state]))).toMatchObject({ loud: 'succeeded', calm: 'skipped', join: 'succeeded' });
  });

  it('maps over a list of documents, and sends a prompt template to a model from a chat message', async () => {
    const corpus = await copyOfSampleCorpus(2);
    const flowId = await createFlow(admin.token, 'chatty', graphOf(
      [
        { id: 'folder', type: 'io.input', params: { name: 'folder' } },
        { id: 'load', type: 'sources.load-files' },
        { id: 'each', type: 'control.map', params: { template: '{{index}}: {{item.title}}' } },
        { id: 'titles', type: 'io.output', params: { name: 'titles' } },
        { id: 'chat', type: 'io.chat-input' },
        { id: 'prompt', type: 'models.prompt-template', params: { system: 'Answer in one word.', template: 'What is the capital of France? {{input}}' } },
        { id: 'gen', type: 'models.generate', params: { maxTokens: 8 } },
        { id: 'reply', type: 'io.chat-output' },
      ],
      ['folder.value>load.path', 'load.documents>each.list', 'each.list>titles.value', 'chat.message>prompt.input', 'prompt.messages>gen.prompt', 'gen.text>reply.message'],
    ));
    const run = await finished(admin.token, (await call(admin.token, 'POST', '/api/runs', { flowId, inputs: { folder: corpus.dir, message: 'Reply briefly.' } })).body.run.id);
    expect(run.status, run.error).toBe('succeeded');
    expect(run.outputs.message).toMatch(/Paris/);
    const documents = (await call(admin.token, 'GET', `/api/runs/${run.id}/nodes/load/outputs`)).body.outputs.documents;
    expect(run.outputs.titles).toEqual(documents.map((doc: any, i: number) => `${i}: ${doc.title}`));
    expect(run.outputs.titles).toHaveLength(2);
  }, 60_000);

  it('cancels a running run: the waiting node and the run end cancelled', async () => {
    const flowId = await createFlow(admin.token, 'slow', graphOf([{ id: 'wait', type: 'util.wait', params: { milliseconds: 60_000 } }, { id: 'after', type: 'util.pass-through' }], ['wait.value>after.value']));
    const runId = (await call(admin.token, 'POST', '/api/runs', { flowId })).body.run.id as string;
    const deadline = Date.now() + 30_000;
    while ((await call(admin.token, 'GET', `/api/runs/${runId}`)).body.run.nodes.find((node: any) => node.nodeId === 'wait').state !== 'running') {
      if (Date.now() > deadline) throw new Error('the wait node never started');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await call(admin.token, 'POST', `/api/runs/${runId}/cancel`)).status).toBe(202);
    const run = await finished(admin.token, runId, 30_000);
    expect(run.status).toBe('cancelled');
    expect(Object.fromEntries(run.nodes.map((node: any) => [node.nodeId, node.state]))).toEqual({ wait: 'cancelled', after: 'cancelled' });
    expect((await call(admin.token, 'POST', `/api/runs/${runId}/cancel`)).status).toBe(409);
  });

  it('refuses a run that lacks a required input, naming it', async () => {
    const flowId = await createFlow(admin.token, 'needs-input', graphOf([{ id: 'q', type: 'io.input', params: { name: 'question' } }, { id: 'out', type: 'io.output' }], ['q.value>out.value']));
    const refused = await call(admin.token, 'POST', '/api/runs', { flowId, inputs: { questoin: 'typo' } });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatch(/needs a value for input "question"/);
    expect(refused.body.error).toMatch(/no input "questoin"/);
  });
});

describe('a 200-node flow', () => {
  // How long validation takes is measured by `npm run bench:flow` (against its 1 s budget), not timed here.
  it('validates and runs every node to completion', async () => {
    const graph = passThroughGrid(20, 10);
    expect(validateFlow(graph).problems).toEqual([]);
    const flowId = await createFlow(admin.token, 'wide', graph);
    const run = await finished(admin.token, (await call(admin.token, 'POST', '/api/runs', { flowId })).body.run.id, 180_000);
    expect(run.status, run.error).toBe('succeeded');
    expect(run.nodes).toHaveLength(200);
    expect(run.nodes.every((node: any) => node.state === 'succeeded')).toBe(true);
    expect((await ledger(run.id)).length).toBe(200);
  }, 200_000);
});
