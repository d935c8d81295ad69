// The flows and runs CLI, run as people run it (`node server/bin/astra.mjs …`), against the real app served
// on a port with a real worker, Temporal, Postgres, Chroma and the local models.
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestWorker, type TestWorker } from '../../../activities/src/testing/test-worker';
import { createAppHarness, type AppHarness } from '../testing/app-harness';
import { runAstra, type CliResult } from '../testing/cli';
import { watchRun } from './flows';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const examplesDir = path.join(repoRoot, 'examples/flows');

let worker: TestWorker;
let harness: AppHarness;
let server: ServerType;
let url: string;
let admin: { token: string; username: string; id: string };
let scratch: string;
let corpus: string;

/** One `astra` command in a child process; it must end within the limit. */
const astra = (args: string[], token = admin.token): Promise<CliResult> => runAstra(args, { url, token, cwd: scratch });

const questionNodes: Array<[string, string]> = [['question', 'io.input'], ['retrieve', 'rag.retrieve'], ['answer', 'rag.answer'], ['result', 'io.output']];
const ingestNodes: Array<[string, string]> = [['folder', 'io.input'], ['load', 'sources.load-files'], ['chunk', 'rag.chunk'], ['embed', 'rag.embed'], ['store', 'rag.store'], ['collection', 'io.output']];

const succeededLine = (nodeId: string, type: string) => new RegExp(`^\\d\\d:\\d\\d:\\d\\d  ${nodeId}  ${type.replace('.', '\\.')}  ✓ succeeded`, 'm');

beforeAll(async () => {
  worker = await startTestWorker();
  harness = await createAppHarness({ taskQueue: worker.taskQueue });
  admin = await harness.newUser('admin');
  server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: harness.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  scratch = await mkdtemp(path.join(os.tmpdir(), 'astra-cli-flows-'));
  corpus = path.join(scratch, 'harbour');
  await mkdir(corpus);
  await writeFile(path.join(corpus, 'tides.txt'), 'Spring tides happen near the new and the full moon, when the sun and the moon pull together.\n');
  await writeFile(path.join(corpus, 'lighthouse.md'), '# Lighthouses\n\nA lighthouse marks a dangerous coast with a light of its own rhythm, so sailors can tell one from another.\n');
  await writeFile(path.join(corpus, 'knots.txt'), 'A bowline makes a fixed loop at the end of a rope that does not slip and is easy to untie after a load.\n');
}, 180_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await harness?.close();
  await worker?.stop();
  await rm(scratch, { recursive: true, force: true });
});

describe('astra flows and astra run', () => {
  it('imports every example flow and lists them', async () => {
    const files = (await readdir(examplesDir)).filter((name) => name.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    // As `astra flows import examples/flows/*.json` passes them: all files in one call.
    const imported = await astra(['flows', 'import', ...files.map((file) => path.join(examplesDir, file))]);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout.split('\n').filter(Boolean)).toHaveLength(files.length);
    for (const line of imported.stdout.split('\n').filter(Boolean)) expect(line).toMatch(/^imported ".+" as flow \S+ \(version 1, \d+ nodes\)$/);
    const listed = await astra(['flows', 'list']);
    expect(listed.code).toBe(0);
    expect(await astra(['flows'])).toEqual(listed);
    for (const name of ['RAG: ingest a folder', 'RAG: answer a question', 'RAG: ingest a folder, then answer', 'Summarize a document']) expect(listed.stdout).toContain(name);
    const json = JSON.parse((await astra(['flows', 'list', '--json'])).stdout) as Array<{ name: string; latestVersion: number; owner: string }>;
    // One flow per file, each named as its file names it.
    const names = await Promise.all(files.map(async (file) => (JSON.parse(await readFile(path.join(examplesDir, file), 'utf8')) as { name: string }).name));
    expect(json.filter((flow) => flow.owner === admin.username).map((flow) => flow.name).sort()).toEqual(names.sort());

    const renamed = await astra(['flows', 'import', path.join(examplesDir, 'rag-question-answering.json'), '--name', 'Harbour questions']);
    expect(renamed.code).toBe(0);
    expect(renamed.stdout).toMatch(/^imported "Harbour questions" as flow/);
  });

  it('validates files and saved flows, naming the node and field of each problem', async () => {
    const good = await astra(['flows', 'validate', path.join(examplesDir, 'rag-question-answering.json')]);
    expect(good).toMatchObject({ code: 0, stdout: `${path.join(examplesDir, 'rag-question-answering.json')} is valid (4 nodes)\n` });
    const saved = await astra(['flows', 'validate', 'RAG: answer a question']);
    expect(saved).toMatchObject({ code: 0, stdout: '"RAG: answer a question" v1 is valid (4 nodes)\n' });

    const broken = JSON.parse(await readFile(path.join(examplesDir, 'rag-question-answering.json'), 'utf8')) as { graph: { nodes: Array<{ id: string; params: Record<string, unknown> }>; edges: Array<{ id: string }> } };
    broken.graph.nodes.find((node) => node.id === 'retrieve')!.params.k = 99;
    broken.graph.edges = broken.graph.edges.filter((edge) => edge.id !== 'retrieve-answer');
    const file = path.join(scratch, 'broken.json');
    await writeFile(file, JSON.stringify(broken));
    const bad = await astra(['flows', 'validate', file]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^node retrieve params\.k: .+$/m);
    expect(bad.stdout).toMatch(/^node answer inputs\.passages: .+$/m);

    const refused = await astra(['flows', 'import', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/node retrieve params\.k: /);
    // Among several files, the refusal names the file; a file that is not an export stops all before any import.
    const before = (JSON.parse((await astra(['flows', 'list', '--json'])).stdout) as unknown[]).length;
    const named = await astra(['flows', 'import', file, path.join(examplesDir, 'document-summary.json')]);
    expect(named.code).toBe(1);
    expect(named.stderr).toContain(`${file}: `);
    expect(named.stderr).toMatch(/node retrieve params\.k: /);
    const notExport = path.join(scratch, 'not-an-export.json');
    await writeFile(notExport, '{"nodes": []}');
    const stopped = await astra(['flows', 'import', path.join(examplesDir, 'document-summary.json'), notExport]);
    expect(stopped.code).toBe(2);
    expect(stopped.stderr).toContain(`${notExport} is not a flow export`);
    expect(JSON.parse((await astra(['flows', 'list', '--json'])).stdout) as unknown[]).toHaveLength(before);
    expect((await astra(['flows', 'import', file, notExport, '--name', 'Two names'])).stderr).toContain('--name renames one flow, but 2 files were given');
  });

  it('exports a flow as the JSON it was imported from, to stdout or a file', async () => {
    const original = JSON.parse(await readFile(path.join(examplesDir, 'document-summary.json'), 'utf8')) as unknown;
    const exported = await astra(['flows', 'export', 'Summarize a document']);
    expect(exported.code).toBe(0);
    expect(JSON.parse(exported.stdout)).toEqual(original);
    const file = path.join(scratch, 'summary-export.json');
    const written = await astra(['flows', 'export', 'Summarize a document', '--version', '1', '-o', file]);
    expect(written).toMatchObject({ code: 0, stdout: '' });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(original);
    const missing = await astra(['flows', 'export', 'No such flow']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no flow with the id or name "No such flow"');
  });

  it('ingests a folder, then answers with --watch: every node succeeds and the answer has numbered sources', async () => {
    const ingest = await astra(['run', 'RAG: ingest a folder', '--input', `folder=${corpus}`, '--watch']);
    expect(ingest.stderr).toBe('');
    expect(ingest.code).toBe(0);
    for (const [nodeId, type] of ingestNodes) {
      expect(ingest.stdout, nodeId).toMatch(succeededLine(nodeId, type));
    }
    expect(ingest.stdout).toMatch(/^run \S+ succeeded in /m);
    expect(ingest.stdout).toMatch(/^collection:\n\s+\{/m);
    expect(ingest.stdout).toContain('"name": "docs"');

    const answered = await astra(['run', 'RAG: answer a question', '--input', 'question=What does a bowline make?', '--watch']);
    expect(answered.stderr).toBe('');
    expect(answered.code).toBe(0);
    for (const [nodeId, type] of questionNodes) {
      expect(answered.stdout, nodeId).toMatch(succeededLine(nodeId, type));
    }
    const [, answerText] = /^answer:\n {2}(\S.*)$/m.exec(answered.stdout) ?? [];
    expect(answerText?.length).toBeGreaterThan(0);
    expect(answered.stdout).toMatch(/^ {2}Sources:$/m);
    expect(answered.stdout).toMatch(new RegExp(`^ {4}\\[1\\] .+ — ${corpus.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`, 'm'));
    const runId = /^run (\S+) succeeded/m.exec(answered.stdout)![1]!;

    const shown = await astra(['runs', 'show', runId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^run ${runId} of "RAG: answer a question" v1 .*✓ succeeded$`, 'm'));
    expect(shown.stdout).toMatch(/^ {2}retrieve +rag\.retrieve +✓ succeeded +1 /m);
    expect(shown.stdout).toMatch(/^ {6}output: passages: /m);
    expect(shown.stdout).toContain('inputs: question="What does a bowline make?"');
    const json = JSON.parse((await astra(['runs', 'show', runId, '--json'])).stdout) as { status: string; nodes: Array<{ state: string }>; outputs: { answer: { answer: string } } };
    expect(json.status).toBe('succeeded');
    expect(json.nodes.map((node) => node.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(answered.stdout).toContain(json.outputs.answer.answer.trim().split('\n')[0]);

    const listed = await astra(['runs', 'list', '--flow', 'RAG: answer a question']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${runId} +RAG: answer a question v1 +✓ succeeded`, 'm'));
    expect(listed.stdout).not.toContain('RAG: ingest a folder');
    expect((await astra(['runs'])).stdout).toMatch(new RegExp(`^${runId} +RAG: answer a question v1`, 'm'));

    // Re-run from the answer: question and retrieval are reused, the answer is generated again.
    const rerun = await astra(['runs', 'rerun', runId, '--from', 'answer', '--watch']);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toMatch(/^\d\d:\d\d:\d\d {2}retrieve {2}rag\.retrieve {2}≡ cached/m);
    expect(rerun.stdout).toMatch(succeededLine('answer', 'rag.answer'));
    const rerunId = /^run (\S+) succeeded/m.exec(rerun.stdout)![1]!;
    expect((await astra(['runs', 'show', rerunId])).stdout).toContain(`re-run of ${runId} from node answer`);
  }, 300_000);

  it('redraws the live table in place on a terminal and ends on every node succeeded', async () => {
    // The answer written by the model (not quoted from the passages), so the run lasts long enough to redraw.
    const example = JSON.parse(await readFile(path.join(examplesDir, 'rag-question-answering.json'), 'utf8')) as { graph: { nodes: Array<{ id: string; params: Record<string, unknown> }> } };
    for (const node of example.graph.nodes) if (node.id === 'answer') node.params = { ...node.params, style: 'generative', maxTokens: 48 };
    const created = await harness.call(admin.token, 'POST', '/api/flows', { name: 'Harbour questions, written', graph: example.graph });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const started = await astra(['run', 'Harbour questions, written', '--input', 'question=When do spring tides happen?']);
    expect(started.code).toBe(0);
    const runId = started.stdout.trim();
    expect(runId).toMatch(/^\S+$/);
    expect(started.stderr).toContain(`astra runs show ${runId}`);

    let screen = '';
    const run = await watchRun({ url, token: admin.token, source: 'test' }, runId, { output: { write: (text) => (screen += text), live: true, columns: () => 120 } });
    expect(run.status).toBe('succeeded');
    // Each frame after the first moves the cursor back to the top of the last one and clears below it.
    expect(screen).toMatch(/\x1b\[\d+F\x1b\[0J/);
    const frames = screen.split(/\x1b\[\d+F/);
    const last = frames.at(-1)!;
    expect(last).toContain(`run ${runId} · "Harbour questions, written" v1 · succeeded`);
    for (const [nodeId, type] of questionNodes) {
      expect(last, nodeId).toMatch(new RegExp(`^ {2}${nodeId} +${type.replace('.', '\\.')} +✓ succeeded`, 'm'));
    }
    // While the answer was generated, its tokens showed under the table.
    expect(frames.some((frame) => frame.includes('answer ▸'))).toBe(true);
    expect(screen.endsWith('\x1b[?25h')).toBe(true);
  }, 240_000);

  it('exits 1 with the failing node and its error when a run fails', async () => {
    const failed = await astra(['run', 'Summarize a document', '--input', `path=${path.join(scratch, 'not-there')}`, '--watch']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^\d\d:\d\d:\d\d {2}load {2}sources\.load-files {2}✗ failed/m);
    expect(failed.stdout).toMatch(/^run \S+ failed/m);
    expect(failed.stdout).toContain('not-there does not exist');
  }, 120_000);

  it('starts a run without watching, cancels it, and shows it cancelled', async () => {
    const slow = path.join(scratch, 'slow.json');
    await writeFile(slow, JSON.stringify({
      format: 'astra.flow',
      formatVersion: 1,
      name: 'Wait a minute',
      description: '',
      graph: {
        nodes: [
          { id: 'wait', type: 'util.wait', version: 1, params: { milliseconds: 60_000 } },
          { id: 'done', type: 'io.output', version: 1, params: { name: 'done' } },
        ],
        edges: [{ id: 'wait-done', source: 'wait', sourcePort: 'value', target: 'done', targetPort: 'value' }],
      },
    }));
    expect((await astra(['flows', 'import', slow])).code).toBe(0);
    const started = await astra(['run', 'Wait a minute', '--json']);
    expect(started.code).toBe(0);
    const { id, status } = JSON.parse(started.stdout) as { id: string; status: string };
    expect(status).toBe('running');
    const cancelled = await astra(['runs', 'cancel', id]);
    expect(cancelled).toMatchObject({ code: 0, stdout: `cancellation requested for run ${id}; nodes already done keep their results\n` });
    let shown: { status: string; nodes: Array<{ nodeId: string; state: string }> } = { status: 'running', nodes: [] };
    for (let i = 0; i < 40 && shown.status === 'running'; i += 1) {
      shown = JSON.parse((await astra(['runs', 'show', id, '--json'])).stdout) as typeof shown;
      if (shown.status === 'running') await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(shown.status).toBe('cancelled');
    expect(shown.nodes.find((node) => node.nodeId === 'wait')?.state).toBe('cancelled');
  }, 120_000);

  it('says what is wrong with a run request instead of starting it', async () => {
    const unknown = await astra(['run', 'RAG: answer a question', '--input', 'colour=blue']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('inputs.colour');
    const malformed = await astra(['run', 'RAG: answer a question', '--input', 'no-equals-sign']);
    expect(malformed).toMatchObject({ code: 2, stderr: 'astra: --input takes name=value (got "no-equals-sign")\n' });
    const usage = await astra(['runs', 'rerun', 'some-run']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('astra runs rerun <run id> --from <node>');
  });

  it("runs the caller's own flow of a name even when another user shares 500 newer flows and one of that name, and refuses a tie", async () => {
    const greet = (word: string) => ({
      nodes: [
        { id: 'name', type: 'io.input', version: 1, params: { name: 'name' } },
        { id: 'greet', type: 'text.template', version: 1, params: { template: `${word} {{input}}` } },
        { id: 'out', type: 'io.output', version: 1, params: { name: 'greeting' } },
      ],
      edges: [
        { id: 'name-greet', source: 'name', sourcePort: 'value', target: 'greet', targetPort: 'input' },
        { id: 'greet-out', source: 'greet', sourcePort: 'text', target: 'out', targetPort: 'value' },
      ],
    });
    const own = await harness.call(admin.token, 'POST', '/api/flows', { name: 'Greet the visitor', graph: greet('Welcome') });
    expect(own.status).toBe(201);
    // The attacker shares a flow of the same name with the admin, then 505 newer ones on top of it.
    const mallory = await harness.newUser('user');
    const lure = await harness.call(mallory.token, 'POST', '/api/flows', { name: 'Greet the visitor', graph: greet('Gotcha') });
    expect((await harness.call(mallory.token, 'PUT', `/api/flows/${lure.body.flow.id}/sharing`, { visibility: 'shared', users: [admin.username], roles: [] })).status).toBe(200);
    await harness.pool.query(
      `with made as (insert into flows (owner_id, name, visibility, updated_at) select $1, 'flood ' || n, 'shared', now() + interval '1 hour' from generate_series(1, 505) n returning id)
       insert into flow_shares (flow_id, user_id) select id, $2 from made`,
      [mallory.id, admin.id],
    );

    const started = await astra(['run', 'Greet the visitor', '--input', 'name=Ada', '--json']);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    expect((JSON.parse(started.stdout) as { flowId: string }).flowId).toBe(own.body.flow.id);

    // The list pages instead of stopping at 500: every flow arrives, the admin's own first.
    const listed = JSON.parse((await astra(['flows', 'list', '--json'])).stdout) as Array<{ id: string; owner: string }>;
    const firstPage = await harness.call(admin.token, 'GET', '/api/flows');
    expect(firstPage.body.flows).toHaveLength(500);
    expect(firstPage.body.nextOffset).toBe(500);
    expect(listed).toHaveLength(firstPage.body.total);
    expect(listed.map((flow) => flow.id)).toContain(own.body.flow.id);
    expect(listed.findIndex((flow) => flow.owner !== admin.username)).toBe(listed.filter((flow) => flow.owner === admin.username).length);
    expect(listed.filter((flow) => flow.owner === mallory.username)).toHaveLength(506);

    // Two shared flows of one name and none of the caller's own: refused, naming both.
    const trent = await harness.newUser('user');
    const twins = [];
    for (const owner of [mallory, trent]) {
      const flow = await harness.call(owner.token, 'POST', '/api/flows', { name: 'Greet twice', graph: greet('Hello') });
      await harness.call(owner.token, 'PUT', `/api/flows/${flow.body.flow.id}/sharing`, { visibility: 'shared', users: [admin.username], roles: [] });
      twins.push(`${flow.body.flow.id} (by ${owner.username})`);
    }
    const tie = await astra(['run', 'Greet twice']);
    expect(tie.code).toBe(1);
    expect(tie.stderr).toContain('2 flows shared with you are named "Greet twice"');
    for (const twin of twins) expect(tie.stderr).toContain(twin);
    expect((await harness.pool.query('select count(*)::int as n from runs r join flows f on f.id = r.flow_id where f.name = $1', ['Greet twice'])).rows[0].n).toBe(0);
  }, 120_000);
});
