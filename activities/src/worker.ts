// The Temporal worker process: registers every workflow and activity on the Astra task queue.
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { workflowsPath } from '@astra/workflows';
import { chromaClientFor, createActivities, createDatabasePool, createEgress, createModelProvider, egressPolicyFromEnv, workerHeartbeats } from './index';

const env = z
  .object({
    TEMPORAL_ADDRESS: z.string().min(1),
    TEMPORAL_NAMESPACE: z.string().default('default'),
    ASTRA_TASK_QUEUE: z.string().default('astra'),
    DATABASE_URL: z.string().min(1),
    CHROMA_URL: z.string().url(),
    ASTRA_DATA_DIR: z.string().default('.astra'),
  })
  .safeParse(process.env);
if (!env.success) {
  console.error(`worker: invalid environment: ${env.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  process.exit(1);
}
const config = env.data;

// A database restart drops idle connections: the pool replaces them, and activities that failed meanwhile are retried by Temporal.
const pool = createDatabasePool(config.DATABASE_URL, { max: 10, onConnectionLost: (error) => console.warn(`worker: a database connection was lost (${error.message}); it will be replaced`) });
const models = await createModelProvider(process.env);
const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
const worker = await Worker.create({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.ASTRA_TASK_QUEUE,
  workflowsPath,
  activities: createActivities({
    pool,
    chroma: chromaClientFor(config.CHROMA_URL),
    models,
    egress: createEgress({ policy: egressPolicyFromEnv(process.env) }),
    dataDir: path.resolve(config.ASTRA_DATA_DIR),
  }),
  shutdownGraceTime: '10 seconds',
  ...workerHeartbeats,
});
// The SDK's runtime shuts the worker down gracefully on SIGINT/SIGTERM; run() then resolves.
console.log(`worker polling task queue "${config.ASTRA_TASK_QUEUE}" on ${config.TEMPORAL_ADDRESS}; models from the ${models.name} provider`);
await worker.run();
await models.close();
await pool.end();
await connection.close();
