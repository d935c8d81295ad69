import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestWorker, type TestWorker } from '../../../activities/src/testing/test-worker';
import { createAppHarness, type AppHarness } from '../testing/app-harness';
import { temporalScheduleId } from './schedules.handlers';

interface Schedule {
  name: string;
  collection: string;
  source: string;
  glob: string | null;
  every: string | null;
  cron: string | null;
  state: 'active' | 'paused' | 'missing';
  note: string | null;
  nextRuns: string[];
  actionsTaken: number;
  actionsSkipped: number;
  recentRuns: Array<{ workflowId: string; scheduledAt: string; startedAt: string }>;
}

let worker: TestWorker;
let harness: AppHarness;
let admin: { token: string; username: string; id: string };
let other: { token: string; username: string; id: string };
let corpus: string;

const call = (token: string, method: string, route: string, body?: unknown) =>
  harness.app.request(`http://astra.test${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

const listOf = async (token: string) => {
  const response = await call(token, 'GET', '/api/schedules');
  expect(response.status).toBe(200);
  return ((await response.json()) as { schedules: Schedule[] }).schedules;
};

const temporalState = (ownerId: string, name: string) => harness.temporal.schedule.getHandle(temporalScheduleId(ownerId, name)).describe();

beforeAll(async () => {
  worker = await startTestWorker();
  // Seconds-long intervals, so the test sees schedules fire (the default shortest is 1m: bad-input.test.ts).
  harness = await createAppHarness({ taskQueue: worker.taskQueue, env: { ASTRA_SCHEDULE_MIN_INTERVAL: '1s' } });
  admin = await harness.newUser('admin');
  other = await harness.newUser('user');
  corpus = await mkdtemp(path.join(os.tmpdir(), 'astra-scheduled-'));
  await writeFile(path.join(corpus, 'tides.txt'), 'Spring tides happen near the new and the full moon, when the sun and moon pull together.\n');
  await writeFile(path.join(corpus, 'lighthouse.md'), '# Lighthouses\n\nA lighthouse marks a dangerous coast with a light of its own rhythm.\n');
  await writeFile(path.join(corpus, 'knots.txt'), 'A bowline makes a fixed loop that does not slip and is easy to untie after a load.\n');
}, 120_000);

afterAll(async () => {
  await harness.close();
  await worker.stop();
  await rm(corpus, { recursive: true, force: true });
});

describe('ingestion schedules', () => {
  it('creates, lists, pauses, resumes and deletes a schedule, in Temporal as in the API', async () => {
    const created = await call(admin.token, 'POST', '/api/schedules', { name: 'nightly', collection: 'harbour', path: corpus, glob: '**/*.txt', cron: '0 3 * * *' });
    expect(created.status).toBe(201);
    const { schedule } = (await created.json()) as { schedule: Schedule };
    expect(schedule).toMatchObject({ name: 'nightly', collection: 'harbour', source: corpus, glob: '**/*.txt', cron: '0 3 * * *', every: null, state: 'active', actionsTaken: 0 });
    expect(schedule.nextRuns.length).toBeGreaterThan(0);
    for (const next of schedule.nextRuns) expect(next).toMatch(/T03:00:00\.000Z$/);

    const inTemporal = await temporalState(admin.id, 'nightly');
    expect(inTemporal.policies.overlap).toBe('SKIP');
    expect(inTemporal.action).toMatchObject({ workflowType: 'ingestCorpus', taskQueue: worker.taskQueue });
    expect(inTemporal.action.workflowId).toMatch(/^ingest-harbour-scheduled-[0-9a-f]{8}$/);

    expect((await listOf(admin.token)).map((s) => [s.name, s.state])).toContainEqual(['nightly', 'active']);
    const again = await call(admin.token, 'POST', '/api/schedules', { name: 'nightly', collection: 'harbour', path: corpus, every: '1h' });
    expect(again.status).toBe(409);

    const paused = await call(admin.token, 'POST', '/api/schedules/nightly/pause');
    expect(paused.status).toBe(200);
    expect(((await paused.json()) as { schedule: Schedule }).schedule).toMatchObject({ state: 'paused', note: `paused by ${admin.username}` });
    expect((await temporalState(admin.id, 'nightly')).state.paused).toBe(true);
    expect((await listOf(admin.token)).find((s) => s.name === 'nightly')?.state).toBe('paused');

    const resumed = await call(admin.token, 'POST', '/api/schedules/nightly/resume');
    expect(resumed.status).toBe(200);
    expect(((await resumed.json()) as { schedule: Schedule }).schedule.state).toBe('active');
    expect((await temporalState(admin.id, 'nightly')).state.paused).toBe(false);

    const deleted = await call(admin.token, 'DELETE', '/api/schedules/nightly');
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ deleted: 'nightly' });
    expect((await listOf(admin.token)).map((s) => s.name)).not.toContain('nightly');
    await expect(temporalState(admin.id, 'nightly')).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect((await call(admin.token, 'DELETE', '/api/schedules/nightly')).status).toBe(404);
  });

  it("keeps a schedule to its owner: another user gets 404 and may use the same name", async () => {
    expect((await call(admin.token, 'POST', '/api/schedules', { name: 'weekly', collection: 'harbour', path: corpus, cron: '0 4 * * 1', paused: true })).status).toBe(201);
    expect((await listOf(other.token)).map((s) => s.name)).not.toContain('weekly');
    for (const [method, route] of [['POST', '/api/schedules/weekly/pause'], ['POST', '/api/schedules/weekly/resume'], ['DELETE', '/api/schedules/weekly']] as const) {
      const response = await call(other.token, method, route);
      expect(response.status, `${method} ${route}`).toBe(404);
      expect(await response.json()).toEqual({ error: 'no schedule named "weekly"' });
    }
    // Reading the server's disk stays an admin's power on a schedule too.
    expect((await call(other.token, 'POST', '/api/schedules', { name: 'weekly', collection: 'mine', path: corpus, every: '1h' })).status).toBe(403);
    const own = await call(other.token, 'POST', '/api/schedules', { name: 'weekly', collection: 'mine', url: 'https://example.com/handbook.html', cron: '0 4 * * 1', paused: true });
    expect(own.status).toBe(201);
    expect((await listOf(other.token)).map((s) => [s.name, s.collection, s.source])).toEqual([['weekly', 'mine', 'https://example.com/handbook.html']]);
    const adminsWeekly = (await listOf(admin.token)).find((s) => s.name === 'weekly');
    expect(adminsWeekly).toMatchObject({ collection: 'harbour', source: corpus, state: 'paused' });

    expect((await call(other.token, 'DELETE', '/api/schedules/weekly')).status).toBe(200);
    expect((await temporalState(admin.id, 'weekly')).state.paused).toBe(true);
    expect((await call(admin.token, 'DELETE', '/api/schedules/weekly')).status).toBe(200);
  });

  it('refuses a bad spec with a 400 naming the field, and leaves nothing behind', async () => {
    const attempt = async (spec: Record<string, unknown>) => {
      const response = await call(admin.token, 'POST', '/api/schedules', { name: 'broken', collection: 'never-made', path: corpus, ...spec });
      expect(response.status, JSON.stringify(spec)).toBe(400);
      return ((await response.json()) as { error: string }).error;
    };
    expect(await attempt({ every: '5 minutes' })).toMatch(/^invalid request: every: an interval is a whole number and one unit/);
    expect(await attempt({ every: '0s' })).toMatch(/^invalid request: every: /);
    expect(await attempt({})).toMatch(/^invalid request: every: give exactly one of every .* or cron/);
    expect(await attempt({ every: '1h', cron: '0 3 * * *' })).toMatch(/^invalid request: every: give exactly one of every .* or cron/);
    expect(await attempt({ cron: '61 3 * * *' })).toMatch(/^cron: .*minute.*\[0-59\]/i);
    expect(await attempt({ cron: 'at three every night' })).toMatch(/^cron: /);
    expect(await attempt({ cron: '0 3 * *' })).toMatch(/^cron: /);

    expect((await listOf(admin.token)).map((s) => s.name)).not.toContain('broken');
    await expect(temporalState(admin.id, 'broken')).rejects.toBeInstanceOf(ScheduleNotFoundError);
    const collections = (await (await call(admin.token, 'GET', '/api/collections')).json()) as { collections: Array<{ name: string }> };
    expect(collections.collections.map((collection) => collection.name)).not.toContain('never-made');
  });

  it('lets a name be used again after the collection it fed was deleted', async () => {
    expect((await call(admin.token, 'POST', '/api/schedules', { name: 'reborn', collection: 'short-lived', path: corpus, cron: '0 5 * * *' })).status).toBe(201);
    expect((await call(admin.token, 'DELETE', '/api/collections/short-lived')).status).toBe(200);
    // The row went with the collection; the Temporal schedule it left behind must not block the name.
    expect((await listOf(admin.token)).map((s) => s.name)).not.toContain('reborn');
    const again = await call(admin.token, 'POST', '/api/schedules', { name: 'reborn', collection: 'long-lived', path: corpus, every: '1h', paused: true });
    expect(again.status).toBe(201);
    expect(((await again.json()) as { schedule: Schedule }).schedule).toMatchObject({ collection: 'long-lived', every: '1h', state: 'paused' });
    expect((await temporalState(admin.id, 'reborn')).action.workflowId).toMatch(/^ingest-long-lived-scheduled-/);
    expect((await call(admin.token, 'DELETE', '/api/schedules/reborn')).status).toBe(200);
  });

  it('pauses a schedule whose run fails, here because its folder is gone, and says why', async () => {
    const doomed = await mkdtemp(path.join(os.tmpdir(), 'astra-doomed-'));
    await writeFile(path.join(doomed, 'note.txt'), 'soon gone\n');
    expect((await call(admin.token, 'POST', '/api/schedules', { name: 'doomed', collection: 'doomed', path: doomed, every: '1s', paused: true })).status).toBe(201);
    try {
      await rm(doomed, { recursive: true, force: true });
      expect((await call(admin.token, 'POST', '/api/schedules/doomed/resume')).status).toBe(200);
      const deadline = Date.now() + 20_000;
      let schedule: Schedule | undefined;
      while (Date.now() < deadline) {
        schedule = (await listOf(admin.token)).find((s) => s.name === 'doomed');
        if (schedule?.state === 'paused') break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(schedule?.state, JSON.stringify(schedule)).toBe('paused');
      expect(schedule!.actionsTaken).toBe(1);
      expect(schedule!.note).toMatch(/^paused due to workflow failure/);
    } finally {
      expect((await call(admin.token, 'DELETE', '/api/schedules/doomed')).status).toBe(200);
    }
  });

  it('fires a short-interval schedule at least twice; the second run finds nothing changed', async () => {
    const created = await call(admin.token, 'POST', '/api/schedules', { name: 'every-2s', collection: 'tideline', path: corpus, every: '2s' });
    expect(created.status).toBe(201);
    try {
      const finishedRuns = () =>
        harness.pool.query<{ workflow_id: string; owner_id: string; summary: Record<string, number> }>(
          `select r.workflow_id, r.owner_id, r.summary from ingest_runs r join collections c on c.id = r.collection_id
            where c.owner_id = $1 and c.name = 'tideline' and r.finished_at is not null order by r.started_at`,
          [admin.id],
        );
      const deadline = Date.now() + 30_000;
      let schedule: Schedule | undefined;
      let runs = (await finishedRuns()).rows;
      while (Date.now() < deadline) {
        schedule = (await listOf(admin.token)).find((s) => s.name === 'every-2s');
        runs = (await finishedRuns()).rows;
        if ((schedule?.actionsTaken ?? 0) >= 2 && runs.length >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(schedule?.actionsTaken, JSON.stringify(schedule)).toBeGreaterThanOrEqual(2);
      expect(runs.length, JSON.stringify(runs)).toBeGreaterThanOrEqual(2);

      const [first, second] = runs;
      for (const run of [first!, second!]) {
        expect(run.workflow_id).toMatch(/^ingest-tideline-scheduled-[0-9a-f]{8}-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        expect(run.owner_id).toBe(admin.id);
      }
      expect(first!.summary).toMatchObject({ planned: 3, new: 3, updated: 0, skipped: 0, failed: 0 });
      expect(second!.summary).toMatchObject({ planned: 3, new: 0, updated: 0, skipped: 3, failed: 0, deleted: 0 });
      expect(schedule!.recentRuns.map((run) => run.workflowId)).toEqual(expect.arrayContaining([first!.workflow_id, second!.workflow_id]));

      // A scheduled run is the owner's like any ingest: its status answers them, and nobody else.
      const status = await call(admin.token, 'GET', `/api/ingest/${second!.workflow_id}`);
      expect(status.status).toBe(200);
      expect(await status.json()).toMatchObject({ collection: 'tideline', source: corpus, status: 'completed', skipped: 3, new: 0 });
      expect((await call(other.token, 'GET', `/api/ingest/${second!.workflow_id}`)).status).toBe(404);
    } finally {
      expect((await call(admin.token, 'DELETE', '/api/schedules/every-2s')).status).toBe(200);
    }
  });
});
