// Runs keep their promises through the API, on real worker processes: a 3000-node flow of pure nodes
// (evaluated inside the workflow) continues as new several times and returns its outputs (or its late failure), a workflow terminated in Temporal shows failed
// with the reason, a client streaming tokens when the worker dies gets the completed answer after the
// retry, and a Map killed mid-way goes on from the items it had finished.
/* eslint-disable @typescript-eslint/no-explicit-any -- the test reads the API's JSON answers as a client would, loosely */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowGraph } from '@astra/workflows/flow';
import { startWorkerProcess } from '../../../activities/src/testing/worker-process';
import { createAppHarness, type AppHarness } from '../testing/app-harness';
import { graphOf, passThroughGrid } from '../flows/testing/graphs';
import { createRunReconciler, type RunReconciler } from '../flows/run-reconciler';
import { createLogger } from '../logger';

let harness: AppHarness;
let reconciler: RunReconciler;
let user: Awaited<ReturnType<AppHarness['newUser']>>;
const workers: ChildProcess[] = [];

async function startWorker(): Promise<ChildProcess> {
  const child = await startWorkerProcess(harness.taskQueue);
  workers.push(child);
  return child;
}

const call: AppHarness['call'] = (...args) => harness.call(...args);

async function runOf(token: string, name: string, graph: FlowGraph, inputs: Record<string, string> = {}): Promise<string> {
  const created = await call(token, 'POST', '/api/flows', { name, graph });
  expect(created.status, JSON.stringify(created.body).slice(0, 500)).toBe(201);
  const started = await call(token, 'POST', '/api/runs', { flowId: created.body.flow.id, inputs });
  expect(started.status, JSON.stringify(started.body).slice(0, 500)).toBe(201);
  return started.body.run.id as string;
}

async function finished(token: string, runId: string, timeoutMs: number): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await call(token, 'GET', `/api/runs/${runId}`);
    if (body.run.status !== 'running') return body.run;
    if (Date.now() > deadline) throw new Error(`run ${runId} still running after ${timeoutMs} ms: ${JSON.stringify(body.run.nodes.filter((n: any) => n.state === 'running').map((n: any) => n.nodeId))}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A chain of `length` pass-through nodes (version 2: pure) from an input to an output, optionally ending in `last`. */
function longChain(length: number, last?: { id: string; type: string; version: number; params: Record<string, unknown> }): FlowGraph {
  const chain = passThroughGrid(1, length, 2);
  const ends = graphOf(
    [{ id: 'in', type: 'io.input', params: { name: 'text' } }, { id: 'out', type: 'io.output', params: { name: 'text' } }, ...(last ? [last] : [])],
    ['in.value>n0_0.value', `n0_${length - 1}.value>${last ? last.id : 'out'}.value`, ...(last ? [`${last.id}.true>out.value`] : [])],
  );
  return { nodes: [...ends.nodes, ...chain.nodes], edges: [...ends.edges, ...chain.edges] };
}

beforeAll(async () => {
  harness = await createAppHarness();
  user = await harness.newUser('admin');
  reconciler = createRunReconciler({ pool: harness.pool, temporal: harness.temporal, logger: createLogger('silent') });
  reconciler.start(500);
  await startWorker();
});

afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await reconciler?.stop();
  await harness?.close();
});

describe('long flows through the API', () => {
  it('a 3000-node chain continues as new and returns its outputs; ending in a failing node it fails with that node\'s error', async () => {
    const okRun = await runOf(user.token, 'chain of 3000', longChain(3000), { text: 'all the way through' });
    const failingRun = await runOf(user.token, 'chain of 3000 ending badly', longChain(3000, { id: 'late', type: 'control.condition', version: 2, params: { operator: 'longer-than', value: 'many' } }), { text: 'x' });
    const ok = await finished(user.token, okRun, 900_000);
    expect(ok.status, ok.error).toBe('succeeded');
    expect(ok.outputs).toEqual({ text: 'all the way through' });
    const failed = await finished(user.token, failingRun, 900_000);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('node "late"');
    expect(failed.error).toContain('params.value');
    // Every node is in the run record, recorded by the workflow: none ran as an activity.
    const states = await harness.pool.query<{ state: string; count: number }>('select state, count(*)::int as count from run_nodes where run_id = $1 group by state', [okRun]);
    expect(states.rows).toEqual([{ state: 'succeeded', count: 3002 }]);
    expect((await harness.pool.query('select 1 from node_executions where run_id = any($1)', [[okRun, failingRun]])).rowCount).toBe(0);
    // 1000 pure nodes per execution: several generations, each carrying the run on.
    for (const runId of [okRun, failingRun]) {
      const executions = await harness.temporal.workflow.count(`WorkflowId = 'run-${runId}'`);
      expect(executions.count, `run ${runId} should have continued as new`).toBeGreaterThanOrEqual(3);
    }
  }, 1_000_000);
});

describe('every end of a workflow reaches the run record', () => {
  it('a run terminated in Temporal shows failed with the reason', async () => {
    const runId = await runOf(user.token, 'waits a long time', graphOf(
      [{ id: 'in', type: 'io.input', params: { name: 'text' } }, { id: 'pause', type: 'util.wait', params: { milliseconds: 3_600_000 } }, { id: 'out', type: 'io.output', params: { name: 'text' } }],
      ['in.value>pause.value', 'pause.value>out.value'],
    ), { text: 'x' });
    await until('the wait started', async () => ((await call(user.token, 'GET', `/api/runs/${runId}`)).body.run.nodes.find((n: any) => n.nodeId === 'pause')?.state === 'running' ? true : undefined));
    await harness.temporal.workflow.getHandle(`run-${runId}`).terminate('stopped by an operator');
    const run = await finished(user.token, runId, 30_000);
    expect(run.status).toBe('failed');
    expect(run.error).toContain('terminated');
    expect(run.error).toContain('stopped by an operator');
    expect(run.nodes.find((n: any) => n.nodeId === 'pause').state).toBe('cancelled');
  }, 60_000);
});

describe('a worker killed mid-way', () => {
  it('a client streaming tokens gets the completed answer after the retry', async () => {
    const runId = await runOf(user.token, 'tells a story', graphOf(
      [{ id: 'in', type: 'io.input', params: { name: 'text' } }, { id: 'talk', type: 'models.generate', params: { maxTokens: 300 } }, { id: 'out', type: 'io.output', params: { name: 'text' } }],
      ['in.value>talk.prompt', 'talk.text>out.value'],
    ), { text: 'Tell me a long story about a lighthouse keeper.' });
    const response = await harness.app.request(`http://astra.test/api/runs/${runId}/events`, { headers: { authorization: `Bearer ${user.token}` } });
    expect(response.status).toBe(200);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const events: Array<{ event: string; data: any }> = [];
    let buffer = '';
    let killed = false;
    const deadline = Date.now() + 240_000;
    while (!events.some((event) => event.event === 'run')) {
      if (Date.now() > deadline) throw new Error(`no end of the run within 240 s; last events: ${JSON.stringify(events.slice(-3))}`);
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      for (let at = buffer.indexOf('\n\n'); at >= 0; at = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        const data = block.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n');
        if (data) events.push({ event: /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message', data: JSON.parse(data) });
      }
      if (!killed && events.filter((event) => event.event === 'token').length >= 3) {
        killed = true;
        workers.shift()!.kill('SIGKILL');
        await startWorker();
      }
    }
    await reader.cancel();
    expect(killed).toBe(true);
    const end = events.find((event) => event.event === 'run')!;
    expect(end.data.status).toBe('succeeded');
    // The second attempt announces itself, and its tokens alone make the final answer.
    const retry = events.findIndex((event) => event.event === 'node' && event.data.nodeId === 'talk' && event.data.state === 'running' && event.data.attempt === 2);
    expect(retry).toBeGreaterThan(0);
    const retried = events.slice(retry).filter((event) => event.event === 'token').map((event) => event.data.text).join('');
    const run = await finished(user.token, runId, 10_000);
    expect(retried).toBe(run.outputs.text);
  }, 300_000);

  it('a Map that calls a model goes on from the items it had finished', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'astra-map-'));
    const topics = ['tides', 'lanterns', 'gulls', 'fog', 'storms', 'ships', 'rocks', 'stars'];
    for (const topic of topics) await writeFile(path.join(folder, `${topic}.txt`), `A short note about ${topic} near the lighthouse.`);
    const runId = await runOf(user.token, 'maps over notes', graphOf(
      [
        { id: 'folder', type: 'io.input', params: { name: 'folder' } },
        { id: 'load', type: 'sources.load-files' },
        { id: 'map', type: 'control.map', params: { template: 'In one sentence, what is {{item.title}}?', model: 'smollm2-135m-instruct', maxTokens: 60 } },
        { id: 'out', type: 'io.output', params: { name: 'answers' } },
      ],
      ['folder.value>load.path', 'load.documents>map.list', 'map.list>out.value'],
    ), { folder });
    // Killed once the Map's heartbeat names saved items, before it has done all of them.
    await until('the map saved some finished items', async () => {
      const { raw } = await harness.temporal.workflow.getHandle(`run-${runId}`).describe();
      const payload = raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0];
      if (!payload?.data?.length) return undefined;
      const details = JSON.parse(Buffer.from(payload.data).toString('utf8')) as { saved?: unknown[] };
      return (details.saved?.length ?? 0) > 0 ? true : undefined;
    }, 120_000);
    workers.shift()!.kill('SIGKILL');
    await startWorker();
    const run = await finished(user.token, runId, 240_000);
    expect(run.status, run.error).toBe('succeeded');
    expect(run.outputs.answers).toHaveLength(topics.length);
    const map = run.nodes.find((n: any) => n.nodeId === 'map');
    expect(map.attempts).toBe(2);
    const resumed = map.logs.map((entry: any) => entry.message).find((message: string) => message.startsWith('resuming after'));
    expect(resumed).toMatch(new RegExp(`^resuming after [1-7] of ${topics.length} items`));
  }, 300_000);
});
