import path from 'node:path';
import { z } from 'zod';
import { defaultRunConcurrency } from '@astra/workflows/flow';
import { temporalConnectionEnv, temporalConnectionOptions, type TemporalConnectionOptions } from '@astra/activities/temporal-connection';
import { artifactStoreEnv, artifactStoreFromEnv, type ArtifactStore } from '@astra/activities/artifacts';

const commaList = (value: string) => value.split(',').map((entry) => entry.trim()).filter(Boolean);

/** The server's environment, parsed once at start-up; `npm start` sets all of it. */
// Temporal's address, namespace, TLS and API key are the worker's too: one schema (temporalConnectionEnv).
export const serverEnvSchema = temporalConnectionEnv.extend(artifactStoreEnv.shape).extend({
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
  /** A session unused for this long ends (it also ends 14 days after sign-in). */
  ASTRA_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(14 * 24 * 60).default(24 * 60),
  /** OpenID Connect sign-in: the provider's issuer URL (discovery), and this app's client there. */
  ASTRA_OIDC_ISSUER: z.string().url().optional(),
  ASTRA_OIDC_CLIENT_ID: z.string().min(1).optional(),
  ASTRA_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  ASTRA_OIDC_SCOPES: z.string().default('openid profile email'),
  ASTRA_OIDC_LABEL: z.string().max(60).optional(),
  /** The claim listing a user's groups, and the groups (comma-separated) that make an admin or a user; anyone else starts pending. */
  ASTRA_OIDC_ROLE_CLAIM: z.string().default('groups'),
  ASTRA_OIDC_ADMIN_GROUPS: z.string().default('admin').transform(commaList),
  ASTRA_OIDC_USER_GROUPS: z.string().default('').transform(commaList),
  /** off: no password sign-in or sign-up (OpenID Connect and one-time login links only). */
  ASTRA_LOCAL_PASSWORDS: z.enum(['on', 'off']).default('on'),
  DATABASE_URL: z.string().min(1, 'DATABASE_URL is required (npm start sets it)'),
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

/** `artifacts` is the S3 store for uploads when ASTRA_ARTIFACTS_S3_BUCKET is set; uploads stay in the data folder otherwise. */
export type ServerEnv = z.infer<typeof serverEnvSchema> & { dataDir: string; publicUrl: string; temporal: TemporalConnectionOptions; artifacts?: ArtifactStore };

export function parseServerEnv(env: NodeJS.ProcessEnv): ServerEnv {
  const parsed = serverEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid environment: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  const data = parsed.data;
  const oidc = [data.ASTRA_OIDC_ISSUER, data.ASTRA_OIDC_CLIENT_ID, data.ASTRA_OIDC_CLIENT_SECRET];
  if (oidc.some(Boolean) && !oidc.every(Boolean)) throw new Error('invalid environment: OpenID Connect needs all of ASTRA_OIDC_ISSUER, ASTRA_OIDC_CLIENT_ID and ASTRA_OIDC_CLIENT_SECRET');
  if (data.ASTRA_LOCAL_PASSWORDS === 'off' && !data.ASTRA_OIDC_ISSUER) throw new Error('invalid environment: ASTRA_LOCAL_PASSWORDS=off needs OpenID Connect (ASTRA_OIDC_ISSUER, ASTRA_OIDC_CLIENT_ID, ASTRA_OIDC_CLIENT_SECRET), or nobody could sign in');
  let artifacts: ArtifactStore | undefined;
  try {
    artifacts = artifactStoreFromEnv(env);
  } catch (error) {
    throw new Error(`invalid environment: ${(error as Error).message}`);
  }
  return {
    ...data,
    ...(artifacts ? { artifacts } : {}),
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
