import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type pg from 'pg';
import { appStores } from '../app-stores';
import { createApp } from '../app';
import type { App } from '../app-types';
import { createCredentialsRepo } from '../auth/credentials-repo';
import { createUsersRepo, type Role } from '../auth/users-repo';
import { parseServerEnv } from '../env';
import { createLogger } from '../logger';
import { createReadiness } from '../readiness';
import { createModelCatalog } from '../model-catalog';
import { chromaClientFor, createDatabasePool, createLocalProvider, createModelsRepo, readModelManifest, resolveModelsDir, type ModelProvider, type RetrieverCaches } from '@astra/activities';
import { createRunEvents, type RunEvents } from '../run-events';
import type { RateLimits } from '../rate-limits';
import { RequestIdClientInterceptor } from '../request-context';

export interface AppHarness {
  app: App;
  pool: pg.Pool;
  users: ReturnType<typeof createUsersRepo>;
  credentials: ReturnType<typeof createCredentialsRepo>;
  taskQueue: string;
  temporal: Client;
  runEvents: RunEvents;
  /** The server's data folder, which is never ingested. */
  dataDir: string;
  /** A request as a client sends it with this API token; a JSON answer comes back parsed, anything else as text. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the API's JSON answers loosely, as a client would
  call(token: string, method: string, route: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }>;
  /** A new user with that role, its password and an API token. */
  newUser(role: Role): Promise<{ username: string; password: string; token: string; id: string }>;
  close(): Promise<void>;
}

/**
 * The real app over the test run's real services; requests go through `app.request`. A fault test
 * passes a database or Chroma of its own (one it can stop) instead of the shared ones, and env to set.
 */
export interface AppOptions { taskQueue?: string; databaseUrl?: string; chromaUrl?: string; env?: Record<string, string>; retrieverCaches?: Partial<RetrieverCaches>; rateLimits?: Partial<RateLimits> }

export async function createAppOver(shared: { temporalAddress: string; databaseUrl: string; chromaUrl: string; namespace: string }, options: AppOptions = {}): Promise<AppHarness> {
  const services = { ...shared, ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}), ...(options.chromaUrl ? { chromaUrl: options.chromaUrl } : {}) };
  const taskQueue = options.taskQueue ?? `test-${randomBytes(4).toString('hex')}`;
  const env = parseServerEnv({
    DATABASE_URL: services.databaseUrl,
    TEMPORAL_ADDRESS: services.temporalAddress,
    CHROMA_URL: services.chromaUrl,
    ASTRA_TASK_QUEUE: taskQueue,
    ASTRA_DATA_DIR: await mkdtemp(path.join(os.tmpdir(), 'astra-app-')),
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const logger = createLogger('silent');
  const pool = createDatabasePool(services.databaseUrl, { max: 5, onConnectionLost: () => undefined });
  // The options the server builds from its environment (main.ts): TLS and an API key when a test sets them.
  const connection = await Connection.connect(env.temporal);
  const temporal = new Client({ connection, namespace: services.namespace, interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor(), new RequestIdClientInterceptor()] } });
  const users = createUsersRepo(pool);
  const credentials = createCredentialsRepo(pool, { idleMinutes: env.ASTRA_SESSION_IDLE_MINUTES });
  const readiness = createReadiness({ pool, connection, namespace: services.namespace, taskQueue, chromaUrl: services.chromaUrl });
  const modelsRepo = createModelsRepo(pool);
  await modelsRepo.register(await readModelManifest(resolveModelsDir()));
  const models = createModelCatalog({ provider: 'local', repo: modelsRepo, env: {} });
  const chroma = chromaClientFor(services.chromaUrl);
  const modelProvider: ModelProvider = createLocalProvider({ models: await readModelManifest(resolveModelsDir()) });
  const runEvents = await createRunEvents(services.databaseUrl, logger);
  const app = createApp({
    env, pool, logger, temporal, readiness, users, credentials, models, chroma, runEvents,
    ...appStores(pool, chroma, modelProvider, options.retrieverCaches),
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
  });
  return {
    app,
    pool,
    users,
    credentials,
    taskQueue,
    temporal,
    runEvents,
    dataDir: env.dataDir,
    async call(token, method, route, body) {
      const response = await app.request(`http://astra.test${route}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
    },
    async newUser(role) {
      const username = `${role}-${randomBytes(5).toString('hex')}`;
      const password = `pw-${randomBytes(9).toString('base64url')}`;
      const user = await users.create({ username, password, role });
      const token = await credentials.createApiToken(user.id, 'test');
      return { username, password, token, id: user.id };
    },
    async close() {
      await runEvents.close();
      await modelProvider.close();
      await pool.end();
      await connection.close();
    },
  };
}
