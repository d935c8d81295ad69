// Normal users never see the server's folders (issue 17): their uploads by file name, an ingested folder's
// files by their path inside it, in every answer that carries a `source` (documents, ingests, passages,
// citations, runs and their live events). Admins keep the full paths.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { startTestWorker, type TestWorker } from '../../../activities/src/testing/test-worker';
import { graphOf } from '../flows/testing/graphs';
import { createAppHarness, type AppHarness } from '../testing/app-harness';
import { serverPathsHidden } from '../server-paths';

let worker: TestWorker;
let harness: AppHarness;
let admin: Awaited<ReturnType<AppHarness['newUser']>>;
let user: Awaited<ReturnType<AppHarness['newUser']>>;

/** The raw text of an answer, as the caller receives it. */
const raw = async (token: string, method: string, route: string, body?: unknown) => {
  const response = await harness.app.request(`http://astra.test${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, text: await response.text() };
};

async function upload(token: string, collection: string, filename: string, text: string): Promise<string> {
  const response = await harness.app.request(`http://astra.test/api/uploads?collection=${collection}&filename=${filename}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: text,
  });
  expect(response.status).toBe(202);
  const { workflowId } = (await response.json()) as { workflowId: string };
  for (;;) {
    const { body } = await harness.call(token, 'GET', `/api/ingest/${workflowId}`);
    if (body.status !== 'running' && body.status !== 'unknown') {
      expect(body).toMatchObject({ status: 'completed', new: 1 });
      return workflowId;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function runToEnd(token: string, flowId: string, inputs: Record<string, string>): Promise<string> {
  const started = await harness.call(token, 'POST', '/api/runs', { flowId, inputs });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  const runId = started.body.run.id as string;
  for (;;) {
    const { body } = await harness.call(token, 'GET', `/api/runs/${runId}`);
    if (body.run.status !== 'running') {
      expect(body.run.status, JSON.stringify(body.run.nodes)).toBe('succeeded');
      return runId;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const notes = '# Pump house log\n\n## Valves\n\nThe north valve is turned a quarter each Monday to keep it free.\n';
const retrieveFlow = graphOf(
  [
    { id: 'question', type: 'io.input', params: { name: 'question' } },
    { id: 'retrieve', type: 'rag.retrieve', params: { collection: 'pumps', k: 1 } },
    { id: 'out', type: 'io.output', params: { name: 'passages' } },
  ],
  ['question.value>retrieve.query', 'retrieve.passages>out.value'],
);

beforeAll(async () => {
  worker = await startTestWorker();
  harness = await createAppHarness({ taskQueue: worker.taskQueue });
  admin = await harness.newUser('admin');
  user = await harness.newUser('user');
}, 120_000);

afterAll(async () => {
  await harness.close();
  await worker.stop();
});

describe('server paths in answers', () => {
  it('shows a normal user the name of an upload, never a path on the server, in every answer that names a source', async () => {
    const workflowId = await upload(user.token, 'pumps', 'pump-house.md', notes);
    const flowId = (await harness.call(user.token, 'POST', '/api/flows', { name: 'pump-passages', graph: retrieveFlow })).body.flow.id as string;
    const runId = await runToEnd(user.token, flowId, { question: 'north valve' });
    const answers = {
      documents: await raw(user.token, 'GET', '/api/collections/pumps/documents'),
      collection: await raw(user.token, 'GET', '/api/collections/pumps'),
      ingest: await raw(user.token, 'GET', `/api/ingest/${workflowId}`),
      query: await raw(user.token, 'POST', '/api/query', { collection: 'pumps', query: 'north valve', k: 1 }),
      ask: await raw(user.token, 'POST', '/api/ask', { collection: 'pumps', question: 'When is the north valve turned?', k: 1 }),
      run: await raw(user.token, 'GET', `/api/runs/${runId}`),
      outputs: await raw(user.token, 'GET', `/api/runs/${runId}/nodes/retrieve/outputs`),
      events: await raw(user.token, 'GET', `/api/runs/${runId}/events`),
    };
    for (const [name, answer] of Object.entries(answers)) {
      expect(answer.status, `${name}: ${answer.text}`).toBe(200);
      // The file's name is there (the answer names its source), the server's folders are not.
      expect(answer.text, name).toContain('pump-house.md');
      expect(answer.text, name).not.toContain(harness.dataDir);
      expect(answer.text, name).not.toMatch(/"source":"\//);
    }
    const { results } = JSON.parse(answers.query.text) as { results: Array<{ source: string }> };
    expect(results.map((result) => result.source)).toEqual(['pump-house.md']);
    const passages = JSON.parse(answers.outputs.text).outputs.passages as Array<{ source: string }>;
    expect(passages.map((passage) => passage.source)).toEqual(['pump-house.md']);
  });

  it('keeps the full path for an admin', async () => {
    await upload(admin.token, 'pumps', 'pump-house.md', notes);
    const { body } = await harness.call(admin.token, 'POST', '/api/query', { collection: 'pumps', query: 'north valve', k: 1 });
    expect(body.results[0].source.startsWith(`${harness.dataDir}/uploads/`)).toBe(true);
    expect(body.results[0].source).toMatch(/\/[0-9a-f]{8}-pump-house\.md$/);
  });
});

describe('the rewrite rules', () => {
  const hide = serverPathsHidden(['/srv/handbook', '/srv/handbook/appendix', '/srv/one.pdf'], '/var/astra/uploads');
  it('shows a folder\'s files relative to the nearest ingested folder, a single file and an upload by name', () => {
    expect(hide('{"source":"/srv/handbook/guides/setup.md"}')).toBe('{"source":"guides/setup.md"}');
    expect(hide('{"source":"/srv/handbook/appendix/a.md"}')).toBe('{"source":"a.md"}');
    expect(hide('{"source":"/srv/one.pdf","title":null}')).toBe('{"source":"one.pdf","title":null}');
    expect(hide('{"source":"/var/astra/uploads/7d0c/1a2b3c4d-notes.md"}')).toBe('{"source":"notes.md"}');
    expect(hide('{"source":"s3://astra-artifacts/team/uploads/7d0c/1a2b3c4d-notes.md"}')).toBe('{"source":"notes.md"}');
    expect(hide('Sources:\n[1] Setup — /srv/handbook/guides/setup.md\n')).toBe('Sources:\n[1] Setup — guides/setup.md\n');
  });
  it('leaves URLs, look-alike folders and relative names alone, and shows any other absolute source by name', () => {
    expect(hide('{"source":"https://example.org/srv/handbook/x"}')).toBe('{"source":"https://example.org/srv/handbook/x"}');
    expect(hide('{"source":"/srv/handbook2/x.md"}')).toBe('{"source":"x.md"}');
    expect(hide('{"path":"/opt/srv/handbook/x.md"}')).toBe('{"path":"/opt/srv/handbook/x.md"}');
    expect(hide('{"source":"guides/setup.md","edge":{"source":"load"}}')).toBe('{"source":"guides/setup.md","edge":{"source":"load"}}');
  });
});
