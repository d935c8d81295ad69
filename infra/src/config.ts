import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const port = z.coerce.number().int().min(1).max(65535);
const optionalUrl = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

/** Every environment variable the supervisor reads; the README's configuration table mirrors this. */
export const supervisorEnvSchema = z.object({
  ASTRA_DATA_DIR: z.string().default('.astra'),
  ASTRA_HOST: z.string().default('127.0.0.1'),
  ASTRA_PORT: port.default(3210),
  ASTRA_PUBLIC_URL: optionalUrl,
  TEMPORAL_ADDRESS: optionalUrl,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_UI_URL: optionalUrl,
  DATABASE_URL: optionalUrl,
  POSTGRES_PORT: port.default(5433),
  CHROMA_URL: optionalUrl,
  CHROMA_PORT: port.default(8010),
  ASTRA_TASK_QUEUE: z.string().default('astra'),
  ASTRA_START_TIMEOUT_S: z.coerce.number().positive().default(120),
  /** `off` (or false/0/no): start without JupyterLab. */
  ASTRA_JUPYTER: z.string().default('on').transform((value) => !/^(off|false|0|no)$/i.test(value)),
  ASTRA_JUPYTER_PORT: port.default(8890),
});

export type SupervisorConfig = z.infer<typeof supervisorEnvSchema> & { dataDir: string };

export function readSupervisorConfig(env: NodeJS.ProcessEnv = process.env): SupervisorConfig {
  const parsed = supervisorEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new ConfigError(`invalid environment: ${problems}`);
  }
  return { ...parsed.data, dataDir: path.resolve(repoRoot, parsed.data.ASTRA_DATA_DIR) };
}

/** A problem the person starting Astra can fix; printed as one line without a stack trace. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
