// Capacity placed by node queues, and the request id carried to the workers: a run started through the
// API on two real worker processes, one serving the main queue (workflows, nodes naming no queue) and
// one serving only `generation`. The Generate node runs on the second, the template on the first, and
// both workers' JSON log lines name the request that started the run (the X-Request-Id it answered).
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkerProcess } from '../../../activities/src/testing/worker-process';
import { graphOf } from '../flows/testing/graphs';
import { createAppHarness, type AppHarness } from '../testing/app-harness';

let harness: AppHarness;
let token: string;
const workers: Array<{ child: ChildProcess; identity: string; lines: Array<Record<string, unknown>> }> = [];

/** A worker process serving these queues, its JSON log lines collected. */
async function startWorker(queues: string) {
  const child = await startWorkerProcess(harness.taskQueue, { env: { ASTRA_WORKER_QUEUES: queues, ASTRA_WORKER_LOG_LEVEL: 'DEBUG' } });
  const lines: Array<Record<string, unknown>> = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const complete = text.split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete) {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // Not a log line (a library printing on its own).
      }
    }
  });
  const worker = { child, identity: `${os.hostname()}:${child.pid}`, lines };
  workers.push(worker);
  return worker;
}

beforeAll(async () => {
  harness = await createAppHarness();
  token = (await harness.newUser('user')).token;
});

afterAll(async () => {
  for (const { child } of workers) child.kill('SIGKILL');
  await harness?.close();
});

describe('node queues and the request id', () => {
  it('runs each node on a worker serving its queue, and both workers log the request id', async () => {
    const main = await startWorker('default,ingest');
    const generation = await startWorker('generation');
    const graph = graphOf(
      [
        { id: 'in', type: 'io.input', params: { name: 'text' } },
        { id: 'talk', type: 'models.generate', params: { maxTokens: 4 } },
        { id: 'sign', type: 'text.template', params: { template: 'said: {{input}}' } },
        { id: 'out', type: 'io.output', params: { name: 'text' } },
      ],
      ['in.value>talk.prompt', 'talk.text>sign.input', 'sign.text>out.value'],
    );
    const created = await harness.call(token, 'POST', '/api/flows', { name: 'placed', graph });
    expect(created.status).toBe(201);
    const response = await harness.app.request('http://astra.test/api/runs', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ flowId: created.body.flow.id, inputs: { text: 'Say hello.' } }),
    });
    expect(response.status).toBe(201);
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const runId = ((await response.json()) as { run: { id: string } }).run.id;

    const deadline = Date.now() + 120_000;
    let run: { status: string; outputs: Record<string, unknown> };
    for (;;) {
      run = (await harness.call(token, 'GET', `/api/runs/${runId}`)).body.run as typeof run;
      if (run.status !== 'running') break;
      if (Date.now() > deadline) throw new Error('the run did not finish in 2 minutes');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(run.status).toBe('succeeded');
    expect(JSON.stringify(run.outputs)).toContain('said: ');

    const ledger = (await harness.pool.query<{ node_id: string; worker: string; outcome: string }>('select node_id, worker, outcome from node_executions where run_id = $1 order by node_id', [runId])).rows;
    expect(ledger).toEqual([
      { node_id: 'sign', worker: main.identity, outcome: 'succeeded' },
      { node_id: 'talk', worker: generation.identity, outcome: 'succeeded' },
    ]);

    const mentions = (worker: (typeof workers)[number]) => worker.lines.filter((line) => line.requestId === requestId);
    expect(mentions(generation).some((line) => line.activityType === 'nodeGenerate')).toBe(true);
    expect(mentions(main).some((line) => line.activityType === 'nodeTextTemplate')).toBe(true);
    // Workflow log lines (the SDK's own, at DEBUG) carry it too: "Workflow completed" comes after the run
    // record says succeeded (the workflow writes the record, then completes), so it is waited for.
    const logged = Date.now() + 30_000;
    while (!mentions(main).some((line) => line.workflowType === 'runFlow' && line.activityType === undefined && line.msg === 'Workflow completed')) {
      if (Date.now() > logged) throw new Error(`no workflow log line with the request id: ${JSON.stringify(main.lines.filter((line) => line.activityType === undefined).slice(-5))}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // And no line of this run's names another request.
    expect(main.lines.filter((line) => line.requestId !== undefined).every((line) => line.requestId === requestId)).toBe(true);
    expect(generation.lines.filter((line) => line.requestId !== undefined).every((line) => line.requestId === requestId)).toBe(true);
  }, 240_000);

  it('refuses a queue name it does not know, naming the ones there are', async () => {
    await expect(startWorkerProcess(harness.taskQueue, { env: { ASTRA_WORKER_QUEUES: 'default,gpu' } })).rejects.toThrow(/ASTRA_WORKER_QUEUES.*names "gpu"; the queues are default, ingest, generation, training/);
  });
});
