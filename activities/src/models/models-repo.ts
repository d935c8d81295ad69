import path from 'node:path';
import type pg from 'pg';
import type { ManifestModel } from './manifest';

export interface RegisteredModel {
  name: string;
  kind: 'generation' | 'embedding';
  filePath: string;
  sha256: string;
  sizeBytes: number;
  contextLength: number;
  dimension: number | null;
  architecture: string;
  sourcePackage: string;
  registeredAt: string;
  /** Fine-tuned models: the model they were tuned from, the LoRA GGUF applied on top of `filePath` (if any), and their lineage. */
  baseModel?: string;
  loraPath?: string;
  lineage?: unknown;
}

/** What Register Model records for a fine-tuned model. */
export interface FineTunedModel {
  name: string;
  path: string;
  sha256: string;
  sizeBytes: number;
  contextLength: number;
  architecture: string;
  sourcePackage: string;
  baseModel: string;
  loraPath: string | null;
  lineage: unknown;
}

interface ModelRow {
  name: string;
  kind: 'generation' | 'embedding';
  file_path: string;
  sha256: string;
  size_bytes: string;
  context_length: number;
  dimension: number | null;
  architecture: string;
  source_package: string;
  registered_at: Date;
  base_model: string | null;
  lora_path: string | null;
  lineage: unknown;
}

const toModel = (row: ModelRow): RegisteredModel => ({
  name: row.name,
  kind: row.kind,
  filePath: row.file_path,
  sha256: row.sha256,
  sizeBytes: Number(row.size_bytes),
  contextLength: row.context_length,
  dimension: row.dimension,
  architecture: row.architecture,
  sourcePackage: row.source_package,
  registeredAt: row.registered_at.toISOString(),
  ...(row.base_model ? { baseModel: row.base_model } : {}),
  ...(row.lora_path ? { loraPath: row.lora_path } : {}),
  ...(row.lineage ? { lineage: row.lineage } : {}),
});

/** The `models` table: what provisioning made, recorded so every surface can list and check it. */
export function createModelsRepo(pool: pg.Pool) {
  return {
    /** Upserts every manifest entry; a re-provisioned file updates its row. */
    async register(models: ManifestModel[]): Promise<void> {
      for (const model of models) {
        await pool.query(
          `insert into models (name, kind, file_path, sha256, size_bytes, context_length, dimension, architecture, source_package)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           on conflict (name) do update set kind = excluded.kind, file_path = excluded.file_path, sha256 = excluded.sha256,
             size_bytes = excluded.size_bytes, context_length = excluded.context_length, dimension = excluded.dimension,
             architecture = excluded.architecture, source_package = excluded.source_package,
             updated_at = case when models.sha256 = excluded.sha256 and models.file_path = excluded.file_path then models.updated_at else now() end`,
          [model.name, model.kind, model.path, model.sha256, model.sizeBytes, model.contextLength, model.dimension, model.architecture, model.sourcePackage],
        );
      }
    },
    /** Records a fine-tuned model (a re-registration under the same name replaces it); never overwrites a provisioned one. */
    async registerFineTuned(model: FineTunedModel): Promise<void> {
      const result = await pool.query(
        `insert into models (name, kind, file_path, sha256, size_bytes, context_length, dimension, architecture, source_package, base_model, lora_path, lineage)
         values ($1, 'generation', $2, $3, $4, $5, null, $6, $7, $8, $9, $10)
         on conflict (name) do update set file_path = excluded.file_path, sha256 = excluded.sha256, size_bytes = excluded.size_bytes,
           context_length = excluded.context_length, architecture = excluded.architecture, source_package = excluded.source_package,
           base_model = excluded.base_model, lora_path = excluded.lora_path, lineage = excluded.lineage, updated_at = now()
         where models.base_model is not null`,
        [model.name, model.path, model.sha256, model.sizeBytes, model.contextLength, model.architecture, model.sourcePackage, model.baseModel, model.loraPath, JSON.stringify(model.lineage)],
      );
      if (result.rowCount === 0) throw new Error(`"${model.name}" is a provisioned model and cannot be replaced by a fine-tune`);
    },
    /** The fine-tuned models, as the local provider serves them (base file plus LoRA, or a merged file). */
    async fineTuned(): Promise<ManifestModel[]> {
      const rows = (await pool.query<ModelRow>('select * from models where base_model is not null order by name')).rows;
      return rows.map((row) => ({
        name: row.name, kind: row.kind, file: path.basename(row.file_path), path: row.file_path, architecture: row.architecture, sha256: row.sha256,
        sizeBytes: Number(row.size_bytes), contextLength: row.context_length, dimension: row.dimension, sourcePackage: row.source_package,
        ...(row.lora_path ? { loraPath: row.lora_path } : {}),
      }));
    },
    async list(): Promise<RegisteredModel[]> {
      return (await pool.query<ModelRow>('select * from models order by kind, name')).rows.map(toModel);
    },
    async get(name: string): Promise<RegisteredModel | undefined> {
      const row = (await pool.query<ModelRow>('select * from models where name = $1', [name])).rows[0];
      return row && toModel(row);
    },
  };
}

export type ModelsRepo = ReturnType<typeof createModelsRepo>;
