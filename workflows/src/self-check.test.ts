import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { chromaClientFor } from '@astra/activities';
import type { workflows } from '@astra/workflows';
import { startTestWorker, type TestWorker } from '../../activities/src/testing/test-worker';

const services = inject('services');
let worker: TestWorker;

beforeAll(async () => {
  worker = await startTestWorker();
});
afterAll(() => worker.stop());

describe('selfCheck workflow on the real dev server', () => {
  it('writes to Postgres and Chroma in an activity and reads both back', async () => {
    const checkId = `check-${randomBytes(6).toString('hex')}`;
    const note = `written at ${new Date().toISOString()}`;
    const result = await worker.client.workflow.execute<typeof workflows.selfCheck>('selfCheck', {
      taskQueue: worker.taskQueue,
      workflowId: checkId,
      args: [{ checkId, note }],
    });
    expect(result.postgres?.note).toBe(note);
    expect(result.chroma?.document).toBe(note);
    expect(result.chroma?.metadata).toEqual({ checkId });

    // Read both back again, outside the workflow, straight from the stores.
    const row = await worker.pool.query('select note from self_checks where check_id = $1', [checkId]);
    expect(row.rows).toEqual([{ note }]);
    const collection = await chromaClientFor(services.chromaUrl).getCollection({ name: 'astra_self_checks' });
    const stored = await collection.get({ ids: [checkId] });
    expect(stored.documents).toEqual([note]);

    // Temporal kept the history: the workflow completed with both activities recorded.
    const history = await worker.client.workflow.getHandle(checkId).fetchHistory();
    const scheduled = (history.events ?? []).filter((event) => event.activityTaskScheduledEventAttributes).map((event) => event.activityTaskScheduledEventAttributes?.activityType?.name);
    expect(scheduled).toEqual(['writeSelfCheck', 'readSelfCheck']);
  });

  it('is idempotent: running the same check twice leaves one row and one record', async () => {
    const checkId = `check-${randomBytes(6).toString('hex')}`;
    for (const suffix of ['a', 'b']) {
      await worker.client.workflow.execute<typeof workflows.selfCheck>('selfCheck', { taskQueue: worker.taskQueue, workflowId: `${checkId}-${suffix}`, args: [{ checkId, note: 'same note' }] });
    }
    const row = await worker.pool.query('select count(*)::int as n from self_checks where check_id = $1', [checkId]);
    expect(row.rows[0]).toEqual({ n: 1 });
  });
});
