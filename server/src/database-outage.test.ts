// PostgreSQL stopped in the middle of a run: while it is down the API answers 503 naming the database
// (no hang, no stack trace); when it is back the server and the worker recover by themselves, the live
// run-event listener listens again, the run finishes with its uninterrupted result, and no row of the
// run is lost or written twice; a node's own bookkeeping waits out an outage longer than its retries.
// The test runs its own PostgreSQL (the shared one serves other files).
/* eslint-disable @typescript-eslint/no-explicit-any -- the test reads the API's JSON answers as a client would, loosely */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { FlowGraph } from '@astra/workflows/flow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabasePool, runEventsChannel } from '@astra/activities';
import { startWorkerProcess } from '../../activities/src/testing/worker-process';
import { startOwnPostgres, type OwnService } from '../../infra/src/testing/own-services';
import { graphOf } from './flows/testing/graphs';
import { migrate } from './db/migrate';
import { createAppHarness, type AppHarness } from './testing/app-harness';

const taskQueue = `db-outage-${randomBytes(4).toString('hex')}`;
let database: OwnService;
let pool: pg.Pool;
let worker: ChildProcess | undefined;
let harness: AppHarness | undefined;
let user: Awaited<ReturnType<AppHarness['newUser']>>;

/** A request that must answer, whatever it answers, within a bound: a hang fails the test with `what`. */
async function call(method: string, route: string, body?: unknown): Promise<{ status: number; text: string; json: Record<string, any> | undefined }> {
  const request = harness!.app.request(`http://astra.test${route}`, {
    method,
    headers: { authorization: `Bearer ${user.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${method} ${route} did not answer within 20 s`)), 20_000);
  });
  try {
    const response = await Promise.race([request, hung]);
    const text = await response.text();
    return { status: response.status, text, json: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined };
  } finally {
    clearTimeout(timer);
  }
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Saves `graph` as a flow and starts a run of it. */
async function startRun(name: string, graph: FlowGraph, inputs: Record<string, string>): Promise<{ flowId: string; runId: string }> {
  const created = await call('POST', '/api/flows', { name, graph });
  expect(created.status, created.text).toBe(201);
  const started = await call('POST', '/api/runs', { flowId: created.json!.flow.id, inputs });
  expect(started.status, started.text).toBe(201);
  return { flowId: created.json!.flow.id as string, runId: started.json!.run.id as string };
}

/** The run once it has ended. */
const finishedRun = (runId: string) => until('the run finished', 180_000, async () => {
  const answer = await call('GET', `/api/runs/${runId}`);
  return answer.json?.run.status !== 'running' ? answer.json!.run : undefined;
});

// Template nodes with waits between them, so the run is mid-way when the database goes and has
// database work left (ledger rows, node states, the run's end) once it is back.
const chain = ['first', 'second', 'third', 'fourth'];
const flow = graphOf(
  [
    { id: 'in', type: 'io.input', params: { name: 'text' } },
    ...chain.flatMap((id, i) => [
      { id, type: 'text.template', params: { template: `${id} saw: {{input}}` } },
      ...(i < chain.length - 1 ? [{ id: `pause-${id}`, type: 'util.wait', params: { milliseconds: 1500 } }] : []),
    ]),
    { id: 'out', type: 'io.output', params: { name: 'text' } },
  ],
  [
    'in.value>first.input',
    ...chain.slice(0, -1).flatMap((id, i) => [`${id}.text>pause-${id}.value`, `pause-${id}.value>${chain[i + 1]}.input`]),
    'fourth.text>out.value',
  ],
);
const expected = 'fourth saw: third saw: second saw: first saw: a lighthouse';

beforeAll(async () => {
  database = await startOwnPostgres('astra_outage');
  // The test's own reads of the ledger go through a pool that, like the product's, survives the outage.
  pool = createDatabasePool(database.url, { max: 2, onConnectionLost: () => undefined });
  await migrate(pool);
  worker = await startWorkerProcess(taskQueue, { databaseUrl: database.url });
  harness = await createAppHarness({ taskQueue, databaseUrl: database.url });
  user = await harness.newUser('user');
}, 180_000);

afterAll(async () => {
  worker?.kill('SIGKILL');
  await harness?.close();
  await pool?.end();
  await database?.dispose();
});

describe('PostgreSQL stopped mid-run', () => {
  it('answers 503 while it is down, recovers by itself, and the run finishes with every row exactly once', async () => {
    const { flowId, runId } = await startRun('outage chain', flow, { text: 'a lighthouse' });

    await until('the first template node succeeded', 60_000, async () =>
      (await pool.query("select 1 from node_executions where run_id = $1 and node_id = 'first' and outcome = 'succeeded'", [runId])).rowCount ? true : undefined);
    await database.stop();

    // Down: every route that needs the database says so, in seconds, with no stack or address.
    for (const [method, route] of [['GET', `/api/runs/${runId}`], ['GET', '/api/flows'], ['POST', '/api/runs']] as const) {
      const answer = await call(method, route, method === 'POST' ? { flowId, inputs: { text: 'during the outage' } } : undefined);
      expect(answer.status, `${method} ${route}: ${answer.text}`).toBe(503);
      expect(answer.json?.error).toMatch(/^the database is unavailable: /);
      expect(answer.text).not.toMatch(/\bat .+:\d+:\d+|127\.0\.0\.1|postgres:\/\//);
    }
    // The worker feels it too: a node activity fails its attempt on the missing database and waits for a
    // retry, or the run's own bookkeeping (a local activity, which Temporal does not list) retries until the
    // database is back. The outage lasts until a failed attempt shows, or 15 s at least.
    const workflow = harness!.temporal.workflow.getHandle(`run-${runId}`);
    const downSince = Date.now();
    const felt = await until('a node activity attempt failed, or 15 s passed, while the database was down', 60_000, async () => {
      const { raw } = await workflow.describe();
      const failed = raw.pendingActivities?.find((activity) => (activity.attempt ?? 1) > 1 && activity.lastFailure?.message);
      if (failed) return failed.lastFailure?.message ?? '';
      return Date.now() - downSince > 15_000 ? 'bookkeeping waited' : undefined;
    });
    expect(felt).toBeTruthy();

    await database.start();

    // Back: the same server and worker processes serve again, with no restart.
    const recovered = await until('the API answers again after the database came back', 60_000, async () => {
      const answer = await call('GET', `/api/runs/${runId}`);
      return answer.status === 200 ? answer : undefined;
    });
    expect(recovered.json!.run.id).toBe(runId);
    expect(worker!.exitCode, 'the worker process stayed up through the outage').toBeNull();

    // The live-event listener listens again: a notification published now reaches a subscriber.
    const stream = `outage-probe-${randomBytes(4).toString('hex')}`;
    let heard = false;
    const unsubscribe = harness!.runEvents.subscribe(stream, () => (heard = true));
    try {
      await until('the run-event listener heard a notification after the outage', 60_000, async () => {
        await pool.query('select pg_notify($1, $2)', [runEventsChannel, JSON.stringify({ stream, type: 'probe' })]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        return heard ? true : undefined;
      });
    } finally {
      unsubscribe();
    }

    const run = await finishedRun(runId);
    expect(run.status, run.error ?? '').toBe('succeeded');
    expect(run.outputs).toEqual({ text: expected });

    // No row lost or duplicated: one run, one state row per node (all succeeded), and in the ledger
    // exactly one succeeded execution per template node, never two rows for the same attempt.
    expect((await pool.query('select 1 from runs where id = $1', [runId])).rowCount).toBe(1);
    const states = (await pool.query<{ node_id: string; state: string }>('select node_id, state from run_nodes where run_id = $1 order by node_id', [runId])).rows;
    expect(states.map((row) => row.node_id)).toEqual(flow.nodes.map((node) => node.id).sort());
    expect(states.filter((row) => row.state !== 'succeeded')).toEqual([]);
    const ledger = (await pool.query<{ node_id: string; attempt: number; outcome: string | null }>('select node_id, attempt, outcome from node_executions where run_id = $1 order by id', [runId])).rows;
    for (const nodeId of chain) {
      expect(ledger.filter((row) => row.node_id === nodeId && row.outcome === 'succeeded'), nodeId).toHaveLength(1);
    }
    const attempts = ledger.map((row) => `${row.node_id}#${row.attempt}`);
    expect(new Set(attempts).size, attempts.join(', ')).toBe(attempts.length);
    expect(ledger.some((row) => row.node_id === 'first' && row.attempt === 1 && row.outcome === 'succeeded')).toBe(true);
  }, 420_000);

  it('a node whose bookkeeping meets an outage longer than its retries waits it out instead of failing', async () => {
    // Generate has 3 attempts a second or two apart: before, its bookkeeping failing on the missing
    // database used them all within seconds and the node failed. Now it waits inside its attempt.
    const { runId } = await startRun('outage generate', graphOf(
      [{ id: 'in', type: 'io.input', params: { name: 'text' } }, { id: 'talk', type: 'models.generate', params: { maxTokens: 120 } }, { id: 'out', type: 'io.output', params: { name: 'text' } }],
      ['in.value>talk.prompt', 'talk.text>out.value'],
    ), { text: 'Tell me about a lighthouse.' });
    await until('the generate node started', 60_000, async () =>
      (await pool.query("select 1 from node_executions where run_id = $1 and node_id = 'talk'", [runId])).rowCount ? true : undefined);
    await database.stop();
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    await database.start();

    const run = await finishedRun(runId);
    expect(run.status, run.error ?? '').toBe('succeeded');
    expect(run.outputs.text).toBeTruthy();
    const ledger = (await pool.query<{ attempt: number; outcome: string | null }>("select attempt, outcome from node_executions where run_id = $1 and node_id = 'talk' order by id", [runId])).rows;
    expect(ledger).toEqual([{ attempt: 1, outcome: 'succeeded' }]);
  }, 300_000);
});
