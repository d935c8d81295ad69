import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import pg from 'pg';
import { inject } from 'vitest';
import { workflowsPath, type RunFlowInput, type workflows } from '@astra/workflows';
import { nodeQueues, taskQueueFor, type FlowGraph } from '@astra/workflows/flow';
import { chromaClientFor } from '../chroma';
import { createActivities, createEgress, createModelsRepo, workerHeartbeats } from '../index';
import { createLocalProvider } from '../models/local-provider';
import { readModelManifest } from '../models/manifest';
import { resolveModelsDir } from '../models/config';
import type { ModelProvider } from '../models/provider';

export interface TestWorker {
  client: Client;
  pool: pg.Pool;
  models: ModelProvider;
  taskQueue: string;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/** A real worker (every workflow and activity, local models) on its own task queue of the run's dev server. */
export async function startTestWorker(options: { egressAllow?: string[]; dataDir?: string } = {}): Promise<TestWorker> {
  const services = inject('services');
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const taskQueue = `test-${randomBytes(4).toString('hex')}`;
  const pool = new pg.Pool({ connectionString: services.databaseUrl, max: 5 });
  const models = createLocalProvider({ models: await readModelManifest(resolveModelsDir()), fineTuned: createModelsRepo(pool).fineTuned });
  const nativeConnection = await NativeConnection.connect({ address: services.temporalAddress });
  const activities = createActivities({ pool, chroma: chromaClientFor(services.chromaUrl), models, egress: createEgress({ policy: { allow: options.egressAllow ?? [] } }), ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: services.namespace,
    taskQueue,
    workflowsPath,
    ...workerHeartbeats,
    activities,
  });
  // The node queues (ingest, generation, training) beside its own: activities only, as `npm start`'s worker polls them.
  const extras = await Promise.all(nodeQueues.map((queue) => Worker.create({ connection: nativeConnection, namespace: services.namespace, taskQueue: taskQueueFor(taskQueue, queue), ...workerHeartbeats, activities })));
  const running = Promise.all([worker.run(), ...extras.map((extra) => extra.run())]);
  const connection = await Connection.connect({ address: services.temporalAddress });
  const client = new Client({ connection, namespace: services.namespace });
  return {
    client,
    pool,
    models,
    taskQueue,
    async stop() {
      worker.shutdown();
      for (const extra of extras) extra.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
      await models.close();
      await pool.end();
    },
  };
}

/** A runFlow input for `graph` as the server would start it (fresh ids), with `extra` on top. */
export const runFlowInput = (graph: FlowGraph, extra: Partial<RunFlowInput> = {}): RunFlowInput => ({
  runId: randomUUID(),
  ownerId: randomUUID(),
  snapshot: { flowId: randomUUID(), flowVersion: 1, graph },
  inputs: {},
  ...extra,
});

/** Starts runFlow on the test worker's queue, under the workflow id the server gives runs. */
export const startRunFlow = (worker: TestWorker, input: RunFlowInput) =>
  worker.client.workflow.start<typeof workflows.runFlow>('runFlow', { taskQueue: worker.taskQueue, workflowId: `run-${input.runId}`, args: [input] });
