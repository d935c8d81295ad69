// The durability promise for flows: SIGKILL the worker while a node generates, start another, and the run
// finishes with the result of an uninterrupted one; nodes that had succeeded never run again (the
// per-activity ledger has exactly one row for each). Also: a long flow continues as new and finishes.
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startWorkerProcess } from '../../activities/src/testing/worker-process';
import type { RunFlowInput, workflows } from '@astra/workflows';
import { graphOf, passThroughGrid } from '../../server/src/flows/testing/graphs';

const services = inject('services');
const taskQueue = `flow-crash-${randomBytes(4).toString('hex')}`;
let pool: pg.Pool;
let connection: Connection;
let client: Client;
const workers: ChildProcess[] = [];

/** A real worker process on this file's task queue, remembered so afterAll can kill what is left. */
async function startWorker(): Promise<ChildProcess> {
  const child = await startWorkerProcess(taskQueue);
  workers.push(child);
  return child;
}

const flow = graphOf(
  [
    { id: 'in', type: 'io.input', params: { name: 'text' } },
    { id: 'first', type: 'text.template', params: { template: 'first saw: {{input}}' } },
    { id: 'pause', type: 'models.generate', params: { maxTokens: 300 } },
    { id: 'second', type: 'text.template', params: { template: 'second saw: {{input}}' } },
    { id: 'out', type: 'io.output', params: { name: 'text' } },
  ],
  ['in.value>first.input', 'first.text>pause.prompt', 'pause.text>second.input', 'second.text>out.value'],
);

const input = (runId: string): RunFlowInput => ({ runId, ownerId: randomUUID(), snapshot: { flowId: randomUUID(), flowVersion: 1, graph: flow }, inputs: { text: 'a lighthouse. Tell me a long story about it.' } });
const ledger = async (runId: string) =>
  (await pool.query<{ node_id: string; attempt: number; outcome: string | null }>('select node_id, attempt, outcome from node_executions where run_id = $1 order by id', [runId])).rows;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: services.databaseUrl });
  connection = await Connection.connect({ address: services.temporalAddress });
  client = new Client({ connection, namespace: services.namespace });
});

afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await connection.close();
  await pool.end();
});

describe('a flow survives a killed worker', () => {
  it('finishes with the uninterrupted result, and nodes that had succeeded are not executed again', async () => {
    const firstWorker = await startWorker();
    const baselineId = randomUUID();
    const uninterrupted = await client.workflow.execute<typeof workflows.runFlow>('runFlow', { taskQueue, workflowId: `run-${baselineId}`, args: [input(baselineId)] });
    expect(uninterrupted.status).toBe('succeeded');
    expect(JSON.stringify(uninterrupted.outputs.text)).toContain('second saw: ');

    const runId = randomUUID();
    const handle = await client.workflow.start<typeof workflows.runFlow>('runFlow', { taskQueue, workflowId: `run-${runId}`, args: [input(runId)] });
    const deadline = Date.now() + 60_000;
    while (!(await ledger(runId)).some((row) => row.node_id === 'pause')) {
      if (Date.now() > deadline) throw new Error('the generate node never started');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    firstWorker.kill('SIGKILL');

    await startWorker();
    expect(await handle.result()).toEqual(uninterrupted);
    const rows = await ledger(runId);
    expect(rows.filter((row) => row.node_id === 'first')).toEqual([{ node_id: 'first', attempt: 1, outcome: 'succeeded' }]);
    expect(rows.filter((row) => row.node_id === 'second')).toEqual([{ node_id: 'second', attempt: 1, outcome: 'succeeded' }]);
    // The node the kill interrupted: its first attempt never finished, the new worker's did.
    expect(rows.filter((row) => row.node_id === 'pause')).toEqual([
      { node_id: 'pause', attempt: 1, outcome: null },
      { node_id: 'pause', attempt: 2, outcome: 'succeeded' },
    ]);
    const states = (await pool.query<{ node_id: string; state: string }>('select node_id, state from run_nodes where run_id = $1 order by node_id', [runId])).rows;
    expect(states.every((row) => row.state === 'succeeded')).toBe(true);
    expect(states).toHaveLength(5);
  }, 180_000);

  it('continues as new when its history grows long, and still runs every node once', async () => {
    const runId = randomUUID();
    const graph = passThroughGrid(1, 30);
    const handle = await client.workflow.start<typeof workflows.runFlow>('runFlow', {
      taskQueue,
      workflowId: `run-${runId}`,
      args: [{ runId, ownerId: randomUUID(), snapshot: { flowId: randomUUID(), flowVersion: 1, graph }, inputs: {}, continueAsNewAfterEvents: 40 }],
    });
    expect(await handle.result()).toEqual({ status: 'succeeded', outputs: {} });
    const latest = await client.workflow.getHandle(`run-${runId}`).describe();
    expect(latest.runId).not.toBe(handle.firstExecutionRunId);
    const rows = await ledger(runId);
    expect(rows).toHaveLength(30);
    expect(new Set(rows.map((row) => row.node_id)).size).toBe(30);
  }, 120_000);
});
