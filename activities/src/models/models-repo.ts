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
