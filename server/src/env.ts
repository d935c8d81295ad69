import path from 'node:path';
import { z } from 'zod';
import { defaultRunConcurrency } from '@astra/workflows/flow';
import { temporalConnectionEnv, temporalConnectionOptions, type TemporalConnectionOptions } from '@astra/activities/temporal-connection';

/** The server's environment, parsed once at start-up; `npm start` sets all of it. */
// Temporal's address, namespace, TLS and API key are the worker's too: one schema (temporalConnectionEnv).
export const serverEnvSchema = temporalConnectionEnv.extend({
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
  TEMPORAL_UI_URL: z.string().optional(),
  ASTRA_TASK_QUEUE: z.string().default('astra'),
  ASTRA_RUN_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(defaultRunConcurrency),
  ASTRA_EMBEDDING_MODEL: z.string().default('all-minilm-l6-v2'),
  ASTRA_GENERATION_MODEL: z.string().default('smollm2-135m-instruct'),
  CHROMA_URL: z.string().url(),
  // Prometheus scrape token for GET /metrics; without it /metrics answers only on a loopback bind.
  ASTRA_METRICS_TOKEN: z.string().min(16, 'ASTRA_METRICS_TOKEN must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type ServerEnv = z.infer<typeof serverEnvSchema> & { dataDir: string; publicUrl: string; temporal: TemporalConnectionOptions };

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
    temporal: (() => {
      try {
        return temporalConnectionOptions(data);
      } catch (error) {
        throw new Error(`invalid environment: ${(error as Error).message}`);
      }
    })(),
  };
}
