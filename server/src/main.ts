// The server process: parse env, migrate, make sure an admin exists, serve the API.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { startTracing } from '@astra/activities/tracing';
import { chooseProvider, chromaClientFor, createDatabasePool, createModelProvider, createModelsRepo, readModelManifest, resolveModelsDir } from '@astra/activities';
import { createRunReconciler } from './flows/run-reconciler';
import { createRunEvents } from './run-events';
import { appStores } from './app-stores';
import { createApp } from './app';
import { createCredentialsRepo } from './auth/credentials-repo';
import { createUsersRepo } from './auth/users-repo';
import { localCredentialsSchema, writeLocalCredentials } from './bootstrap-admin';
import { migrate } from './db/migrate';
import { parseServerEnv, type ServerEnv } from './env';
import { createLogger } from './logger';
import { createModelCatalog } from './model-catalog';
import { createReadiness } from './readiness';
import { RequestIdClientInterceptor } from './request-context';

let env: ServerEnv;
try {
  env = parseServerEnv(process.env);
} catch (error) {
  console.error(`server: ${(error as Error).message}`);
  process.exit(1);
}
const tracing = startTracing('astra-server', process.env);
const logger = createLogger(env.LOG_LEVEL);
// A database restart drops idle connections: the pool replaces them; requests meanwhile answer 503.
const pool = createDatabasePool(env.DATABASE_URL, { max: 20, onConnectionLost: (error) => logger.warn({ event: 'db.connection-lost', err: error.message }) });
const migrated = await migrate(pool);
logger.info({ event: 'migrations', applied: migrated.applied, current: migrated.current });

// Address, TLS and API key from the environment (TEMPORAL_*): a secured cluster or Temporal Cloud is configuration.
const connection = Connection.lazy(env.temporal);
// Workflow starts carry the request's trace into Temporal, so one trace covers request → run → nodes.
const temporal = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE, interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor(), new RequestIdClientInterceptor()] } });
const users = createUsersRepo(pool);
const credentials = createCredentialsRepo(pool, { idleMinutes: env.ASTRA_SESSION_IDLE_MINUTES });
const readiness = createReadiness({ pool, connection, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.ASTRA_TASK_QUEUE, chromaUrl: env.CHROMA_URL });

const modelsRepo = createModelsRepo(pool);
const provider = chooseProvider(process.env);
if (provider === 'local') {
  // The registry records what provisioning made; a missing manifest leaves it empty and says why.
  await readModelManifest(resolveModelsDir(process.env))
    .then((manifest) => modelsRepo.register(manifest))
    .catch((error: Error) => logger.warn({ event: 'models.unregistered', reason: error.message }));
}
const models = createModelCatalog({ provider, repo: modelsRepo, env: process.env });

const credentialsFile = path.join(env.dataDir, 'credentials');
const previous = await readFile(credentialsFile, 'utf8').then((text) => localCredentialsSchema.parse(JSON.parse(text))).catch(() => undefined);
// A token from an earlier file is kept only while the database still knows it.
const stillValid = previous?.token ? await credentials.tokenPrincipal(previous.token) : undefined;
await writeLocalCredentials({ users, credentials, dataDir: env.dataDir, publicUrl: env.publicUrl }, stillValid ? previous : undefined);

const chroma = chromaClientFor(env.CHROMA_URL);
// Queries embed in this process (no workflow round trip); the model loads on the first query.
const modelProvider = await createModelProvider(process.env);
const runEvents = await createRunEvents(env.DATABASE_URL, logger);
const app = createApp({
  env, pool, logger, temporal, readiness, users, credentials, models, chroma, runEvents,
  ...appStores(pool, chroma, modelProvider),
});
// Runs whose workflow ended where it could not write its own end (terminated, timed out) are ended from Temporal's word.
const reconciler = createRunReconciler({ pool, temporal, logger });
reconciler.start();
const server = serve({ fetch: app.fetch, hostname: env.ASTRA_HOST, port: env.ASTRA_PORT }, (info) => {
  logger.info({ event: 'listening', url: env.publicUrl, port: info.port });
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => {
      void Promise.all([reconciler.stop(), runEvents.close(), modelProvider.close(), pool.end(), connection.close(), tracing.shutdown()]).finally(() => process.exit(0));
    });
    // Open keep-alive or SSE connections must not hold shutdown hostage.
    setTimeout(() => process.exit(0), 5_000).unref();
  });
}
