// A generation model of a test's own, so restricting it cannot touch the tests running beside it:
// registered as a fine-tune would be (a merged file), over the provisioned SmolLM2 GGUF.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { createModelsRepo } from '@astra/activities';

export async function registerTestModel(pool: pg.Pool, base = 'smollm2-135m-instruct'): Promise<string> {
  const repo = createModelsRepo(pool);
  const provisioned = await repo.get(base);
  if (!provisioned) throw new Error(`the provisioned model ${base} is not registered`);
  const name = `access-test-${randomBytes(4).toString('hex')}`;
  await repo.registerFineTuned({
    name, path: provisioned.filePath, sha256: provisioned.sha256, sizeBytes: provisioned.sizeBytes, contextLength: provisioned.contextLength,
    architecture: provisioned.architecture, sourcePackage: 'test model (a merged copy of the provisioned base)', baseModel: base, loraPath: null, lineage: { test: true },
  });
  return name;
}
