import path from 'node:path';
import { z } from 'zod';
import { defaultRunConcurrency } from '@astra/workflows/flow';

/** The server's environment, parsed once at start-up; `npm start` sets all of it. */
export const serverEnvSchema = z.object({
  ASTRA_HOST: z.string().default('127.0.0.1'),
  ASTRA_PORT: z.coerce.number().int().min(1).max(65535).default(3210),
  ASTRA_PUBLIC_URL: z.string().url().optional(),
  ASTRA_DATA_DIR: z.string().default('.astra'),
  ASTRA_SIGNUP: z.enum(['open', 'closed']).default('open'),
  /** Addresses of reverse proxies whose X-Forwarded-For names the real client (login throttling counts per client). */
  ASTRA_TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean)),
  DATABASE_URL: z.string().min(1, 'DATABASE_URL is required (npm start sets it)'),
  TEMPORAL_ADDRESS: z.string().min(1, 'TEMPORAL_ADDRESS is required (npm start sets it)'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  /** Where admins are linked for the Temporal UI (npm start: this server's /admin/temporal). */
  TEMPORAL_UI_URL: z.string().optional(),
  /** The Temporal UI this server serves to admins at /admin/temporal (npm start: the embedded UI on 127.0.0.1). */
  ASTRA_TEMPORAL_UI_UPSTREAM: z.string().url().optional(),
  ASTRA_TASK_QUEUE: z.string().default('astra'),
  ASTRA_RUN_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(defaultRunConcurrency),
  /** The shortest interval a schedule may fire at ("1m", "30s"): each firing is an ingest. */
  ASTRA_SCHEDULE_MIN_INTERVAL: z.string().regex(/^[1-9][0-9]{0,5}(s|m|h|d)$/, 'ASTRA_SCHEDULE_MIN_INTERVAL is a whole number and one unit, such as "1m" or "30s"').default('1m'),
  ASTRA_EMBEDDING_MODEL: z.string().default('all-minilm-l6-v2'),
  ASTRA_GENERATION_MODEL: z.string().default('smollm2-135m-instruct'),
  CHROMA_URL: z.string().url(),
  // Prometheus scrape token for GET /metrics; without it /metrics answers only on a loopback bind.
  ASTRA_METRICS_TOKEN: z.string().min(16, 'ASTRA_METRICS_TOKEN must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type ServerEnv = z.infer<typeof serverEnvSchema> & { dataDir: string; publicUrl: string };

export function parseServerEnv(env: NodeJS.ProcessEnv): ServerEnv {
  const parsed = serverEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid environment: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  const data = parsed.data;
  return {
    ...data,
    dataDir: path.resolve(data.ASTRA_DATA_DIR),
    publicUrl: data.ASTRA_PUBLIC_URL ?? `http://${data.ASTRA_HOST}:${data.ASTRA_PORT}`,
  };
}
