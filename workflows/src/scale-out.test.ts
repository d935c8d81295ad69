// Scale-out acceptance: three worker processes on one task queue of one Temporal run 200 flows at once
// (pure nodes, activities and a Wait), one worker is SIGKILLed mid-way, and every run still completes
// exactly once: the ledger has one succeeded execution per activity node per run (a second only where the
// kill cut off an attempt between its success and Temporal hearing of it), every node's state is recorded
// once as succeeded, and the only unfinished attempts are the ones the kill cut short.
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { otelWorkflowInterceptorPath } from '../../activities/src/tracing';
import { startWorkerProcess } from '../../activities/src/testing/worker-process';
import { graphOf } from '../../server/src/flows/testing/graphs';
import { requestIdInterceptorPath, runMetricsInterceptorPath, workflowsPath, type RunFlowInput, type workflows } from './index';

const services = inject('services');
const taskQueue = `scale-${randomBytes(4).toString('hex')}`;
const runs = 200;
let pool: pg.Pool;
let connection: Connection;
let client: Client;
let bundleDir: string;
const workers: Array<{ child: ChildProcess; identity: string }> = [];

// Pure (template v2, inside the workflow), activity (pass-through v1, template v1) and inline (Wait) nodes.
const flow = graphOf(
  [
    { id: 'in', type: 'io.input', params: { name: 'text' } },
    { id: 'wrap', type: 'text.template', version: 2, params: { template: '[{{input}}]' } },
    { id: 'hop', type: 'util.pass-through' },
    { id: 'pause', type: 'util.wait', params: { milliseconds: 300 } },
    { id: 'sign', type: 'text.template', params: { template: '{{input}} done' } },
    { id: 'out', type: 'io.output', params: { name: 'text' } },
  ],
  ['in.value>wrap.input', 'wrap.text>hop.value', 'hop.value>pause.value', 'pause.value>sign.input', 'sign.text>out.value'],
);
const activityNodes = ['hop', 'sign'];

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: services.databaseUrl });
  connection = await Connection.connect({ address: services.temporalAddress });
  client = new Client({ connection, namespace: services.namespace });
  // Bundled once, as an image does (ASTRA_WORKFLOW_BUNDLE), so three workers do not bundle on two cores.
  bundleDir = await mkdtemp(path.join(os.tmpdir(), 'astra-scale-'));
  const bundle = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: [runMetricsInterceptorPath, requestIdInterceptorPath, otelWorkflowInterceptorPath], logger: { info: () => undefined, warn: () => undefined, error: console.error, debug: () => undefined, trace: () => undefined, log: () => undefined } });
  await writeFile(path.join(bundleDir, 'workflows.js'), bundle.code);
  for (let i = 0; i < 3; i += 1) {
    const child = await startWorkerProcess(taskQueue, { env: { ASTRA_WORKFLOW_BUNDLE: path.join(bundleDir, 'workflows.js') } });
    workers.push({ child, identity: `${os.hostname()}:${child.pid}` });
  }
}, 240_000);

afterAll(async () => {
  for (const { child } of workers) child.kill('SIGKILL');
  await connection?.close();
  await pool?.end();
  await rm(bundleDir, { recursive: true, force: true });
});

const finishedRuns = async (runIds: string[]) =>
  Number((await pool.query<{ count: string }>("select count(*) from node_executions where run_id = any($1::uuid[]) and node_id = 'sign' and outcome = 'succeeded'", [runIds])).rows[0]!.count);

describe('three workers on one task queue', () => {
  it('complete 200 concurrent runs exactly once, although one of them is SIGKILLed mid-way', async () => {
    const inputs: RunFlowInput[] = Array.from({ length: runs }, (_, i) => ({ runId: randomUUID(), ownerId: randomUUID(), snapshot: { flowId: randomUUID(), flowVersion: 1, graph: flow }, inputs: { text: `run ${i}` } }));
    const runIds = inputs.map((input) => input.runId);
    const handles = await Promise.all(inputs.map((input) => client.workflow.start<typeof workflows.runFlow>('runFlow', { taskQueue, workflowId: `run-${input.runId}`, args: [input] })));

    // Mid-way: a good share done, most still to go.
    const deadline = Date.now() + 120_000;
    while ((await finishedRuns(runIds)) < runs / 4) {
      if (Date.now() > deadline) throw new Error(`only ${await finishedRuns(runIds)} runs finished in 2 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const victim = workers[0]!;
    victim.child.kill('SIGKILL');
    const finishedAtKill = await finishedRuns(runIds);
    expect(finishedAtKill).toBeLessThan(runs);
    const byWorker = (await pool.query<{ worker: string; count: string }>('select worker, count(*) from node_executions where run_id = any($1::uuid[]) group by worker', [runIds])).rows;
    // Every worker had taken a share of the work before the kill, the killed one included.
    for (const { identity } of workers) expect(byWorker.find((row) => row.worker === identity), `work on ${identity}`).toBeDefined();

    const results = await Promise.all(handles.map((handle) => handle.result()));
    expect(results).toEqual(inputs.map((input) => ({ status: 'succeeded', outputs: { text: { value: `[${input.inputs.text}] done` } } })));

    const ledger = (await pool.query<{ run_id: string; node_id: string; outcome: string | null; worker: string }>('select run_id, node_id, outcome, worker from node_executions where run_id = any($1::uuid[])', [runIds])).rows;
    const succeeded = new Map<string, string[]>();
    for (const row of ledger.filter((entry) => entry.outcome === 'succeeded')) succeeded.set(`${row.run_id}/${row.node_id}`, [...(succeeded.get(`${row.run_id}/${row.node_id}`) ?? []), row.worker]);
    expect(succeeded.size).toBe(runs * activityNodes.length);
    // Once each, but for an attempt the kill cut off after it had written its success and before Temporal
    // heard of it: Temporal ran that node again elsewhere (activities run at least once), with the same output.
    const twice = [...succeeded.entries()].filter(([, by]) => by.length > 1);
    for (const [node, by] of twice) {
      expect(by, node).toHaveLength(2);
      expect(by, node).toContain(victim.identity);
    }
    // The only attempts that never finished are the ones the kill cut short; none failed.
    expect(ledger.filter((entry) => entry.outcome !== 'succeeded').every((entry) => entry.outcome === null && entry.worker === victim.identity)).toBe(true);

    const states = (await pool.query<{ state: string; count: string }>('select state, count(*) from run_nodes where run_id = any($1::uuid[]) group by state', [runIds])).rows;
    expect(states).toEqual([{ state: 'succeeded', count: String(runs * flow.nodes.length) }]);
    const perRun = (await pool.query<{ nodes: string }>('select count(distinct node_id) as nodes from run_nodes where run_id = any($1::uuid[]) group by run_id', [runIds])).rows;
    expect(perRun).toHaveLength(runs);
    expect(perRun.every((row) => Number(row.nodes) === flow.nodes.length)).toBe(true);
    console.log(`scale-out: ${runs} runs on 3 workers, ${finishedAtKill} finished when one was killed; ${ledger.filter((entry) => entry.outcome === null).length} attempts cut short and retried; ${twice.length} finished on the killed worker unheard and ran again`);
  }, 420_000);
});
