// The data folder guard inside the worker: a folder above the data folder, or a link into it, never
// ingests another user's upload; a collection's own uploads still are. The Load Files node keeps the same guard.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkSizeFor, createCollectionsRepo, type Collection, type IngestSource } from '@astra/activities';
import type { RunFlowInput, workflows } from '@astra/workflows';
import { graphOf } from '../../server/src/flows/testing/graphs';
import { startTestWorker, type TestWorker } from '../../activities/src/testing/test-worker';

let root: string;
let dataDir: string;
let worker: TestWorker;
let collection: Collection;
let ownerId: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'astra-guard-'));
  dataDir = path.join(root, 'data');
  worker = await startTestWorker({ dataDir });
  const owner = await worker.pool.query<{ id: string }>("insert into users (username, role) values ($1, 'admin') returning id", [`guard-${randomBytes(4).toString('hex')}`]);
  ownerId = owner.rows[0]!.id;
  collection = await createCollectionsRepo(worker.pool).findOrCreate({ ownerId, name: 'guarded', embeddingModel: 'all-minilm-l6-v2', ...chunkSizeFor(256) });
  await mkdir(path.join(dataDir, 'uploads', 'someone-else'), { recursive: true });
  await mkdir(path.join(dataDir, 'uploads', collection.id), { recursive: true });
  await mkdir(path.join(root, 'outside'));
  await writeFile(path.join(dataDir, 'uploads', 'someone-else', 'secret.md'), '# Secret\n\nAnother user uploaded this.\n');
  await writeFile(path.join(dataDir, 'uploads', collection.id, 'mine.md'), '# Mine\n\nThis collection uploaded this.\n');
  await writeFile(path.join(dataDir, 'notes.txt'), 'server notes\n');
  await writeFile(path.join(root, 'outside', 'public.md'), '# Public\n\nAnyone may read this.\n');
  await symlink(path.join(dataDir, 'uploads', 'someone-else', 'secret.md'), path.join(root, 'outside', 'link.md'));
}, 120_000);

afterAll(async () => {
  await worker.stop();
  await rm(root, { recursive: true, force: true });
});

const ingest = (source: IngestSource) =>
  worker.client.workflow.execute<typeof workflows.ingestCorpus>('ingestCorpus', {
    taskQueue: worker.taskQueue,
    workflowId: `guard-${randomBytes(5).toString('hex')}`,
    args: [{ collectionId: collection.id, source }],
  });

describe('the data folder guard in ingest', () => {
  it('lists nothing inside the data folder from a folder above it, following links, but for the collection\'s own uploads', async () => {
    const summary = await ingest({ kind: 'path', path: root });
    const indexed = (await worker.pool.query<{ source: string }>("select source from documents where collection_id = $1 and status = 'indexed' order by source", [collection.id])).rows.map((row) => row.source);
    expect(indexed).toEqual([path.join(dataDir, 'uploads', collection.id, 'mine.md'), path.join(root, 'outside', 'public.md')]);
    expect(summary).toMatchObject({ planned: 2, new: 2, failed: 0 });
  });

  it('reports a link into the data folder named on its own as failed, with the reason', async () => {
    const summary = await ingest({ kind: 'path', path: path.join(root, 'outside', 'link.md') });
    expect(summary).toMatchObject({ planned: 1, failed: 1, outcome: 'failed' });
    expect(summary.failures[0]?.reason).toBe(`${path.join(root, 'outside', 'link.md')} is inside Astra's data folder (through a link to ${path.join(dataDir, 'uploads', 'someone-else', 'secret.md')}), which is never ingested`);
  });
});

describe('the data folder guard in the Load Files node', () => {
  const loadFiles = async (folder: string) => {
    const runId = randomUUID();
    const graph = graphOf([{ id: 'folder', type: 'io.input', params: { name: 'folder' } }, { id: 'load', type: 'sources.load-files' }, { id: 'docs', type: 'io.output', params: { name: 'docs' } }], ['folder.value>load.path', 'load.documents>docs.value']);
    const input: RunFlowInput = { runId, ownerId, snapshot: { flowId: randomUUID(), flowVersion: 1, graph }, inputs: { folder } };
    const outcome = await worker.client.workflow.execute<typeof workflows.runFlow>('runFlow', { taskQueue: worker.taskQueue, workflowId: `guard-run-${runId}`, args: [input] })
      .then((result) => result, (error: unknown) => error as Error);
    const node = (await worker.pool.query<{ state: string; error: string | null; logs: Array<{ message: string }> }>("select state, error, logs from run_nodes where run_id = $1 and node_id = 'load'", [runId])).rows[0];
    return { outcome, node };
  };

  it('refuses a folder inside the data folder, named directly or through a link', async () => {
    await symlink(path.join(dataDir, 'uploads'), path.join(root, 'uploads-link'));
    for (const folder of [path.join(dataDir, 'uploads', 'someone-else'), path.join(root, 'uploads-link')]) {
      const { outcome, node } = await loadFiles(folder);
      expect(outcome).toBeInstanceOf(Error);
      expect(node?.state).toBe('failed');
      expect(node?.error).toContain(`${folder} is inside Astra's data folder`);
    }
    await rm(path.join(root, 'uploads-link'));
  });

  it("leaves out a file whose link leads into the data folder, and loads the rest", async () => {
    const { outcome, node } = await loadFiles(path.join(root, 'outside'));
    expect(outcome).toMatchObject({ status: 'succeeded' });
    expect(node?.state).toBe('succeeded');
    // Small outputs travel inline: the documents themselves, only the public one.
    const docs = (outcome as { outputs: Record<string, { value?: unknown }> }).outputs.docs?.value as Array<{ source: string; text: string }>;
    expect(docs.map((doc) => doc.source)).toEqual([path.join(root, 'outside', 'public.md')]);
    expect(docs.some((doc) => doc.text.includes('Another user'))).toBe(false);
    const messages = node?.logs.map((log) => log.message) ?? [];
    expect(messages).toContain(`loaded 1 document from 1 file under ${path.join(root, 'outside')}`);
    expect(messages).toContainEqual(expect.stringContaining(`skipped ${path.join(root, 'outside', 'link.md')} is inside Astra's data folder (through a link to`));
  });
});
