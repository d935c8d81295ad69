import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { chromaClientFor, createActivities } from '@astra/activities';
import { workflowsPath, type workflows } from '@astra/workflows';

const services = inject('services');
let pool: pg.Pool;
let worker: Worker;
let running: Promise<void>;
let client: Client;
let connection: Connection;
const taskQueue = `self-check-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: services.databaseUrl });
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address: services.temporalAddress }),
    namespace: services.namespace,
    taskQueue,
    workflowsPath,
    activities: createActivities({ pool, chroma: chromaClientFor(services.chromaUrl) }),
  });
  running = worker.run();
  connection = await Connection.connect({ address: services.temporalAddress });
  client = new Client({ connection, namespace: services.namespace });
});

afterAll(async () => {
  worker.shutdown();
  await running;
  await connection.close();
  await pool.end();
});

describe('selfCheck workflow on the real dev server', () => {
  it('writes to Postgres and Chroma in an activity and reads both back', async () => {
    const checkId = `check-${randomBytes(6).toString('hex')}`;
    const note = `written at ${new Date().toISOString()}`;
    const result = await client.workflow.execute<typeof workflows.selfCheck>('selfCheck', {
      taskQueue,
      workflowId: checkId,
      args: [{ checkId, note }],
    });
    expect(result.postgres?.note).toBe(note);
    expect(result.chroma?.document).toBe(note);
    expect(result.chroma?.metadata).toEqual({ checkId });

    // Read both back again, outside the workflow, straight from the stores.
    const row = await pool.query('select note from self_checks where check_id = $1', [checkId]);
    expect(row.rows).toEqual([{ note }]);
    const collection = await chromaClientFor(services.chromaUrl).getCollection({ name: 'astra_self_checks' });
    const stored = await collection.get({ ids: [checkId] });
    expect(stored.documents).toEqual([note]);

    // Temporal kept the history: the workflow completed with both activities recorded.
    const history = await client.workflow.getHandle(checkId).fetchHistory();
    const scheduled = (history.events ?? []).filter((event) => event.activityTaskScheduledEventAttributes).map((event) => event.activityTaskScheduledEventAttributes?.activityType?.name);
    expect(scheduled).toEqual(['writeSelfCheck', 'readSelfCheck']);
  });

  it('is idempotent: running the same check twice leaves one row and one record', async () => {
    const checkId = `check-${randomBytes(6).toString('hex')}`;
    for (const suffix of ['a', 'b']) {
      await client.workflow.execute<typeof workflows.selfCheck>('selfCheck', { taskQueue, workflowId: `${checkId}-${suffix}`, args: [{ checkId, note: 'same note' }] });
    }
    const row = await pool.query('select count(*)::int as n from self_checks where check_id = $1', [checkId]);
    expect(row.rows[0]).toEqual({ n: 1 });
  });
});
