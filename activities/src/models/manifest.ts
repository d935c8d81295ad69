import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** One model that infra/models/provision.sh made from a registry package. */
export const manifestModelSchema = z.object({
  name: z.string(),
  kind: z.enum(['generation', 'embedding']),
  file: z.string(),
  architecture: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  sizeBytes: z.number().int().positive(),
  contextLength: z.number().int().positive(),
  dimension: z.number().int().positive().nullable(),
  sourcePackage: z.string(),
});

/** `loraPath`: a fine-tuned model served as its base file with this LoRA GGUF applied at run time. */
export type ManifestModel = z.infer<typeof manifestModelSchema> & { path: string; loraPath?: string };

/** Reads `<modelsDir>/manifest.json`; a missing or broken manifest says how to make it. */
export async function readModelManifest(modelsDir: string): Promise<ManifestModel[]> {
  const file = path.join(modelsDir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`no model manifest at ${file}: run \`npm start\` (it provisions the models) or infra/models/provision.sh ${modelsDir}`);
  }
  const parsed = z.object({ models: z.array(manifestModelSchema) }).safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file} is not a valid model manifest (${parsed.error.issues[0]?.message}); rerun infra/models/provision.sh`);
  return parsed.data.models.map((model) => ({ ...model, path: path.join(modelsDir, model.file) }));
}
