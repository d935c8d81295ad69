// The Temporal server itself dies: a dev server of this test's own, on a SQLite file, is SIGKILLed
// while a run waits on its durable timer, then restarted on the same file and port. The worker and
// the client reconnect by themselves, the run finishes with the result of an uninterrupted one, and
// nodes that had succeeded before the crash are not executed again (the ledger has one row each).
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawnWorkerProcess } from '../../activities/src/testing/worker-spawn';
import { freePort } from '../../infra/src/ports';
import { startTemporalDevServer, type RunningTemporal } from '../../infra/src/services/temporal';
import type { RunFlowInput, RunFlowResult, workflows } from '@astra/workflows';
import { graphOf } from '../../server/src/flows/testing/graphs';

const services = inject('services');
const taskQueue = `temporal-crash-${randomBytes(4).toString('hex')}`;
let dir: string;
let port: number;
let temporal: RunningTemporal;
let worker: ChildProcess;
let pool: pg.Pool;
let connection: Connection;
let client: Client;

const startTemporal = () => startTemporalDevServer({ port, namespace: 'default', dbFile: path.join(dir, 'temporal.db'), logDir: dir });

const flow = graphOf(
  [
    { id: 'in', type: 'io.input', params: { name: 'text' } },
    { id: 'first', type: 'text.template', params: { template: 'first saw: {{input}}' } },
    { id: 'pause', type: 'util.wait', params: { milliseconds: 5000 } },
    { id: 'second', type: 'text.template', params: { template: 'second saw: {{input}}' } },
    { id: 'out', type: 'io.output', params: { name: 'text' } },
  ],
  ['in.value>first.input', 'first.text>pause.value', 'pause.value>second.input', 'second.text>out.value'],
);
const input = (runId: string): RunFlowInput => ({ runId, ownerId: randomUUID(), snapshot: { flowId: randomUUID(), flowVersion: 1, graph: flow }, inputs: { text: 'a lighthouse' } });

/** The run's result, asking again while the server is away (a long poll cut by the crash is not an answer). */
async function resultOf(workflowId: string, timeoutMs: number): Promise<RunFlowResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await client.workflow.getHandle<typeof workflows.runFlow>(workflowId).result();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'astra-temporal-crash-'));
  await chmod(dir, 0o755);
  port = await freePort();
  temporal = await startTemporal();
  pool = new pg.Pool({ connectionString: services.databaseUrl });
  connection = await Connection.connect({ address: temporal.address });
  client = new Client({ connection, namespace: 'default' });
  worker = await spawnWorkerProcess(taskQueue, { temporalAddress: temporal.address, databaseUrl: services.databaseUrl, chromaUrl: services.chromaUrl });
});

afterAll(async () => {
  worker?.kill('SIGKILL');
  await connection?.close();
  await temporal?.stop();
  await pool?.end();
  await rm(dir, { recursive: true, force: true });
});

describe('the Temporal server killed mid-run', () => {
  it('finishes the run with the uninterrupted result once it is back, running no finished node again', async () => {
    const baselineId = randomUUID();
    await client.workflow.start<typeof workflows.runFlow>('runFlow', { taskQueue, workflowId: `run-${baselineId}`, args: [input(baselineId)] });
    const uninterrupted = await resultOf(`run-${baselineId}`, 60_000);
    expect(uninterrupted).toEqual({ status: 'succeeded', outputs: { text: { value: 'second saw: first saw: a lighthouse' } } });

    const runId = randomUUID();
    await client.workflow.start<typeof workflows.runFlow>('runFlow', { taskQueue, workflowId: `run-${runId}`, args: [input(runId)] });
    const deadline = Date.now() + 60_000;
    while ((await pool.query("select 1 from run_nodes where run_id = $1 and node_id = 'pause' and state = 'running'", [runId])).rowCount === 0) {
      if (Date.now() > deadline) throw new Error('the wait never started');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await temporal.process.stop('SIGKILL', 0);
    temporal = await startTemporal();

    expect(await resultOf(`run-${runId}`, 120_000)).toEqual(uninterrupted);
    const ledger = (await pool.query<{ node_id: string; outcome: string }>('select node_id, outcome from node_executions where run_id = $1 order by id', [runId])).rows;
    expect(ledger).toEqual([{ node_id: 'first', outcome: 'succeeded' }, { node_id: 'second', outcome: 'succeeded' }]);
    const states = (await pool.query<{ node_id: string; state: string }>('select node_id, state from run_nodes where run_id = $1', [runId])).rows;
    expect(states).toHaveLength(5);
    expect(states.every((row) => row.state === 'succeeded')).toBe(true);
  }, 240_000);
});
