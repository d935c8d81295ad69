// Acceptance for hostile documents: the worker survives every case, the ingest finishes, each bad
// document is reported failed with its reason, and the good documents beside it are ingested.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestWorker, type TestWorker } from '../../../activities/src/testing/test-worker';
import { docxBomb, nestedHtml, nestedJson, pdfBomb } from '../../../activities/src/rag/testing/hostile';
import { createAppHarness, type AppHarness } from '../testing/app-harness';

let worker: TestWorker;
let harness: AppHarness;
let admin: { token: string };
let user: { token: string };
let dir: string;

const call = (token: string, method: string, route: string, body?: unknown) =>
  harness.app.request(`http://astra.test${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

async function finished(token: string, started: Response): Promise<Record<string, unknown>> {
  expect(started.status).toBe(202);
  const { workflowId } = (await started.json()) as { workflowId: string };
  for (;;) {
    const status = (await (await call(token, 'GET', `/api/ingest/${workflowId}`)).json()) as Record<string, unknown>;
    if (status.status !== 'running' && status.status !== 'unknown') return status;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  worker = await startTestWorker();
  harness = await createAppHarness({ taskQueue: worker.taskQueue });
  admin = await harness.newUser('admin');
  user = await harness.newUser('user');
  dir = await mkdtemp(path.join(os.tmpdir(), 'astra-hostile-'));
  await writeFile(path.join(dir, 'a-good.md'), '# Tide tables\n\nHigh water at the harbour mouth comes forty minutes after the pier.\n');
  await writeFile(path.join(dir, 'bomb.docx'), await docxBomb(256));
  await writeFile(path.join(dir, 'bomb.pdf'), await pdfBomb(128));
  await writeFile(path.join(dir, 'broken.pdf'), '%PDF-1.7\nnot a PDF at all\n');
  await writeFile(path.join(dir, 'deep.html'), nestedHtml(100_000));
  await writeFile(path.join(dir, 'deep.json'), nestedJson(10_000));
  await writeFile(path.join(dir, 'nul.txt'), Buffer.concat([Buffer.from('text then'), Buffer.alloc(16), Buffer.from('binary')]));
  await writeFile(path.join(dir, 'z-good.txt'), 'The lighthouse keeper logs the fog horn hours in a green ledger.\n');
}, 120_000);

afterAll(async () => {
  await harness.close();
  await worker.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('ingesting hostile documents', () => {
  it('records each bad document failed with its reason and ingests the good ones around them', async () => {
    const status = await finished(admin.token, await call(admin.token, 'POST', '/api/ingest', { collection: 'hostile', path: dir, batchSize: 3 }));
    expect(status).toMatchObject({ status: 'completed_with_failures', outcome: 'partial', planned: 8, processed: 8, new: 2, failed: 6 });
    const reasons = Object.fromEntries((status.failures as Array<{ source: string; reason: string }>).map((f) => [path.basename(f.source), f.reason]));
    expect(reasons).toEqual({
      'bomb.docx': 'bomb.docx decompresses to more than 64 MiB (a decompression bomb, or too large a document)',
      'bomb.pdf': 'bomb.pdf decompresses to more than 64 MiB (a decompression bomb, or too large a document)',
      'broken.pdf': expect.stringMatching(/^broken\.pdf is not a readable PDF/),
      'deep.html': 'deep.html nests elements more than 256 deep',
      'deep.json': 'deep.json nests arrays or objects more than 256 deep',
      'nul.txt': expect.stringMatching(/^nul\.txt holds a NUL byte at offset 9/),
    });
    const found = await call(admin.token, 'POST', '/api/query', { collection: 'hostile', query: 'fog horn ledger', k: 1, mode: 'keyword' });
    expect(((await found.json()) as { results: Array<{ source: string }> }).results[0]?.source).toBe(path.join(dir, 'z-good.txt'));
    const failedRows = await worker.pool.query<{ n: number }>(
      "select count(*)::int as n from documents d join collections c on c.id = d.collection_id where c.name = 'hostile' and d.status = 'failed' and d.error <> ''",
    );
    expect(failedRows.rows[0]?.n).toBe(6);
  });

  it('reports an ingest whose only document failed as failed, with the reason, not as completed', async () => {
    const started = await harness.app.request('http://astra.test/api/uploads?collection=bombs&filename=report.docx', {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/octet-stream' },
      body: await docxBomb(128),
    });
    const status = await finished(user.token, started);
    expect(status).toMatchObject({ status: 'failed', outcome: 'failed', planned: 1, failed: 1, new: 0 });
    expect(status.error).toMatch(/^every document failed \(1 of 1\); the first: .*report\.docx decompresses to more than 64 MiB/);
  });
});
