// The Temporal Web UI shows every user's runs, so Astra serves it to admins only, behind its own
// sign-in, at /admin/temporal/, from a real `temporal server start-dev` whose UI listens on 127.0.0.1
// under that path; only admins are linked to it.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../infra/src/ports';
import { startTemporalDevServer, type RunningTemporal } from '../../../infra/src/services/temporal';
import { startTestWorker, type TestWorker } from '../../../activities/src/testing/test-worker';
import { graphOf } from '../flows/testing/graphs';
import { createAppHarness, type AppHarness } from '../testing/app-harness';
import { temporalUiPath } from './temporal-ui';

let dir: string;
let temporal: RunningTemporal;
let worker: TestWorker;
let harness: AppHarness;
type User = Awaited<ReturnType<AppHarness['newUser']>>;
let admin: User;
let user: User;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'astra-temporal-ui-'));
  temporal = await startTemporalDevServer({ port: await freePort(), uiPort: await freePort(), uiPublicPath: temporalUiPath, namespace: 'default', logDir: dir });
  worker = await startTestWorker();
  harness = await createAppHarness({
    taskQueue: worker.taskQueue,
    env: { ASTRA_TEMPORAL_UI_UPSTREAM: temporal.uiUrl!, TEMPORAL_UI_URL: `http://astra.test${temporalUiPath}/` },
  });
  admin = await harness.newUser('admin');
  user = await harness.newUser('user');
}, 120_000);

afterAll(async () => {
  await harness?.close();
  await worker?.stop();
  await temporal?.stop();
  await rm(dir, { recursive: true, force: true });
});

const get = (route: string, headers: Record<string, string> = {}) => harness.app.request(`http://astra.test${route}`, { headers, redirect: 'manual' });

describe('the Temporal UI behind Astra', () => {
  it('serves the UI and its API to an admin, and to nobody else', async () => {
    const page = await get(`${temporalUiPath}/`, { authorization: `Bearer ${admin.token}` });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`${temporalUiPath}/_app/immutable/`);
    const settings = await get(`${temporalUiPath}/api/v1/settings`, { authorization: `Bearer ${admin.token}` });
    expect(settings.status).toBe(200);
    expect(((await settings.json()) as { Auth: { Enabled: boolean } }).Auth.Enabled).toBe(false);

    for (const route of [`${temporalUiPath}/`, `${temporalUiPath}/api/v1/settings`, `${temporalUiPath}/api/v1/namespaces/default/workflows`, temporalUiPath]) {
      expect((await get(route, { authorization: `Bearer ${user.token}` })).status, route).toBe(403);
      expect((await get(route)).status, route).toBe(401);
    }
  });

  it('listens for the UI on 127.0.0.1 only', async () => {
    // The kernel's own table of listening sockets: address 0100007F is 127.0.0.1, state 0A is LISTEN.
    const port = Number(new URL(temporal.uiUrl!).port).toString(16).toUpperCase().padStart(4, '0');
    const listening = (await readFile('/proc/net/tcp', 'utf8') + (await readFile('/proc/net/tcp6', 'utf8').catch(() => '')))
      .split('\n').map((line) => line.trim().split(/\s+/)).filter((fields) => fields[1]?.endsWith(`:${port}`) && fields[3] === '0A').map((fields) => fields[1]);
    expect(listening).toEqual([`0100007F:${port}`]);
  });

  it('links admins to it from runs and the status report, and other users not at all', async () => {
    const graph = graphOf([{ id: 'in', type: 'io.input', params: { name: 'text' } }, { id: 'out', type: 'io.output', params: { name: 'text' } }], ['in.value>out.value']);
    for (const [who, linked] of [[admin, true], [user, false]] as const) {
      const flowId = (await harness.call(who.token, 'POST', '/api/flows', { name: 'echo', graph })).body.flow.id;
      const run = (await harness.call(who.token, 'POST', '/api/runs', { flowId, inputs: { text: 'hi' } })).body.run;
      expect(run.temporalUrl).toBe(linked ? `http://astra.test${temporalUiPath}/namespaces/default/workflows/${run.workflowId}` : null);
      expect((await harness.call(who.token, 'GET', '/api/status')).body.temporalUiUrl).toBe(linked ? `http://astra.test${temporalUiPath}/` : null);
    }
  });
});
