// The real stack for benchmarks: fresh Temporal dev server, PostgreSQL and Chroma, migrated, plus an
// in-process worker with the local models. Same parts as the tests, without vitest.
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import pg from 'pg';
import { chromaClientFor, createActivities, createEgress, createLocalProvider, createModelsRepo, readModelManifest, resolveModelsDir, workerHeartbeats, type ModelProvider } from '@astra/activities';
import { workflowsPath } from '@astra/workflows';
import { nodeQueues, taskQueueFor } from '@astra/workflows/flow';
import { startTestServices } from '../../infra/src/testing/services';
import { migrate } from '../../server/src/db/migrate';

export interface BenchStack {
  /** Where the stack's services listen, for worker processes of its own. */
  services: { temporalAddress: string; databaseUrl: string; chromaUrl: string };
  pool: pg.Pool;
  client: Client;
  models: ModelProvider;
  chromaUrl: string;
  taskQueue: string;
  stop(): Promise<void>;
}

/**
 * `workflowsPath`: a bundle entry of the benchmark's own (the product's workflows plus a baseline); the product's by default.
 * The node queues (ingest, generation, training) are polled for activities as `npm start`'s worker does; `dataDir`: the worker's data folder.
 * `wrapModels`: a provider around the local one (an evaluation's embedding cache), used by the worker too.
 */
export async function startBenchStack(options: { workflowsPath?: string; dataDir?: string; wrapModels?: (models: ModelProvider) => ModelProvider } = {}): Promise<BenchStack> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const services = await startTestServices();
  const pool = new pg.Pool({ connectionString: services.databaseUrl, max: 10 });
  await migrate(pool);
  const local = createLocalProvider({ models: await readModelManifest(resolveModelsDir()), fineTuned: createModelsRepo(pool).fineTuned });
  const models = options.wrapModels ? options.wrapModels(local) : local;
  const taskQueue = `bench-${randomBytes(4).toString('hex')}`;
  const nativeConnection = await NativeConnection.connect({ address: services.temporalAddress });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowsPath: options.workflowsPath ?? workflowsPath,
    ...workerHeartbeats,
    activities: createActivities({ pool, chroma: chromaClientFor(services.chromaUrl), models, egress: createEgress({ policy: { allow: [] } }), ...(options.dataDir ? { dataDir: options.dataDir } : {}) }),
  });
  const extras = await Promise.all(nodeQueues.map((queue) => Worker.create({
    connection: nativeConnection, taskQueue: taskQueueFor(taskQueue, queue), ...workerHeartbeats,
    activities: createActivities({ pool, chroma: chromaClientFor(services.chromaUrl), models, egress: createEgress({ policy: { allow: [] } }), ...(options.dataDir ? { dataDir: options.dataDir } : {}) }),
  })));
  const running = Promise.all([worker.run(), ...extras.map((extra) => extra.run())]);
  const connection = await Connection.connect({ address: services.temporalAddress });
  return {
    services: { temporalAddress: services.temporalAddress, databaseUrl: services.databaseUrl, chromaUrl: services.chromaUrl },
    pool,
    client: new Client({ connection }),
    models,
    chromaUrl: services.chromaUrl,
    taskQueue,
    async stop() {
      worker.shutdown();
      for (const extra of extras) extra.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
      await models.close();
      // pool.end() resolves before its idle clients' sockets have closed: Postgres stopping next may still say goodbye on one.
      pool.on('error', () => undefined);
      await pool.end();
      await services.stop();
    },
  };
}
