// The Temporal worker process: registers every workflow and activity on the Astra task queue.
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel } from '@temporalio/worker';
import { z } from 'zod';
import { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor, makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import { runMetricsInterceptorPath, workflowsPath } from '@astra/workflows';
import { trainingTaskQueue } from '@astra/workflows/flow';
import { chromaClientFor, createActivities, createDatabasePool, createEgress, createModelProvider, createModelsRepo, egressPolicyFromEnv, workerHeartbeats } from './index';
import { createWorkerMetrics } from './metrics/worker-metrics';
import { otelWorkflowInterceptorPath, startTracing } from './tracing';

const env = z
  .object({
    TEMPORAL_ADDRESS: z.string().min(1),
    TEMPORAL_NAMESPACE: z.string().default('default'),
    ASTRA_TASK_QUEUE: z.string().default('astra'),
    // Queues that node specs name (training), polled for their activities beside the main queue (comma-separated;
    // empty for none, so that training runs only on workers placed for it, a GPU machine).
    ASTRA_EXTRA_TASK_QUEUES: z.string().default(trainingTaskQueue).transform((value) => value.split(',').map((queue) => queue.trim()).filter(Boolean)),
    DATABASE_URL: z.string().min(1),
    CHROMA_URL: z.string().url(),
    ASTRA_DATA_DIR: z.string().default('.astra'),
    // Prometheus metrics listener: off unless a port is given (0 picks a free one and logs it).
    ASTRA_WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    ASTRA_WORKER_METRICS_HOST: z.string().default('127.0.0.1'),
    ASTRA_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    // A workflow bundle built ahead (`tsx workflows/scripts/check-bundle.ts OUT`, as the image does), so
    // a start does not bundle; it must include the run-metrics interceptor module, as that script does.
    ASTRA_WORKFLOW_BUNDLE: z.string().min(1).optional(),
    ASTRA_WORKER_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  })
  .safeParse(process.env);
if (!env.success) {
  console.error(`worker: invalid environment: ${env.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  process.exit(1);
}
const config = env.data;
if (config.ASTRA_WORKFLOW_BUNDLE && !existsSync(config.ASTRA_WORKFLOW_BUNDLE)) {
  console.error(`worker: ASTRA_WORKFLOW_BUNDLE names ${config.ASTRA_WORKFLOW_BUNDLE}, which does not exist; build it with \`npx tsx workflows/scripts/check-bundle.ts ${config.ASTRA_WORKFLOW_BUNDLE}\` or unset the variable`);
  process.exit(1);
}

const tracing = startTracing('astra-worker', process.env);
// A database restart drops idle connections: the pool replaces them, and activities that failed meanwhile are retried by Temporal.
const pool = createDatabasePool(config.DATABASE_URL, { max: 10, onConnectionLost: (error) => console.warn(`worker: a database connection was lost (${error.message}); it will be replaced`) });
const metrics = createWorkerMetrics();
// Fine-tunes registered while the worker runs are served at once, from the models table.
const models = metrics.meteredModels(await createModelProvider(process.env, { fineTuned: createModelsRepo(pool).fineTuned }));
// With metrics on, the SDK's own runtime metrics (task slots, poll and schedule-to-start latencies,
// workflow completions) are exported by its core on a loopback port and served within /metrics.
const sdkMetricsPort = config.ASTRA_WORKER_METRICS_PORT === undefined ? undefined : await loopbackFreePort();
// JSON lines, like the server's; inside an activity they carry its trace_id and span_id (the OpenTelemetry
// outbound interceptor adds them), and workflow and activity ids.
const logger = new DefaultLogger(config.ASTRA_WORKER_LOG_LEVEL as LogLevel, (entry) => {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  process.stdout.write(`${JSON.stringify({ time, level: entry.level.toLowerCase(), service: 'astra-worker', msg: entry.message, ...entry.meta })}\n`);
});
Runtime.install({
  logger,
  ...(sdkMetricsPort === undefined ? {} : { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkMetricsPort}`, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } } } }),
});
const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
const activities = createActivities({ pool, chroma: chromaClientFor(config.CHROMA_URL), models, egress: createEgress({ policy: egressPolicyFromEnv(process.env) }), dataDir: path.resolve(config.ASTRA_DATA_DIR) });
const activityInterceptors = [(ctx: Parameters<typeof metrics.activityInterceptor>[0]) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }), metrics.activityInterceptor];
const worker = await Worker.create({
  connection,
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.ASTRA_TASK_QUEUE,
  ...(config.ASTRA_WORKFLOW_BUNDLE ? { workflowBundle: { codePath: config.ASTRA_WORKFLOW_BUNDLE } } : { workflowsPath }),
  activities,
  // Traces: a span per workflow run and activity, continuing the trace of the request that started the run.
  interceptors: {
    // Tracing first, so the metrics interceptor (and its log line) runs inside the activity's span.
    activity: activityInterceptors,
    workflowModules: [runMetricsInterceptorPath, otelWorkflowInterceptorPath],
  },
  sinks: { ...metrics.sinks, exporter: makeWorkflowExporter(tracing.processor, tracing.resource) },
  shutdownGraceTime: '10 seconds',
  ...workerHeartbeats,
});
// Activities only: the workflows stay on the main queue.
const extraWorkers = await Promise.all(config.ASTRA_EXTRA_TASK_QUEUES.filter((queue) => queue !== config.ASTRA_TASK_QUEUE).map((taskQueue) =>
  Worker.create({ connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue, activities, interceptors: { activity: activityInterceptors }, shutdownGraceTime: '10 seconds', ...workerHeartbeats })));
const metricsListener = config.ASTRA_WORKER_METRICS_PORT === undefined
  ? undefined
  : await metrics.listen({ port: config.ASTRA_WORKER_METRICS_PORT, host: config.ASTRA_WORKER_METRICS_HOST, token: config.ASTRA_METRICS_TOKEN, alsoServe: `http://127.0.0.1:${sdkMetricsPort}/metrics` }).catch((error: Error) => {
    console.error(`worker: metrics listener on ${config.ASTRA_WORKER_METRICS_HOST}:${config.ASTRA_WORKER_METRICS_PORT} failed: ${error.message}`);
    process.exit(1);
  });
if (metricsListener) logger.info(`worker metrics on http://${config.ASTRA_WORKER_METRICS_HOST}:${metricsListener.port}/metrics`);
// The SDK's runtime shuts the worker down gracefully on SIGINT/SIGTERM; run() then resolves.
logger.info(`worker polling task queue "${config.ASTRA_TASK_QUEUE}"${extraWorkers.length ? ` (and for activities ${extraWorkers.map((extra) => `"${extra.options.taskQueue}"`).join(', ')})` : ''} on ${config.TEMPORAL_ADDRESS}; models from the ${models.name} provider; workflows ${config.ASTRA_WORKFLOW_BUNDLE ? `from the bundle ${config.ASTRA_WORKFLOW_BUNDLE}` : 'bundled at start'}`);
await Promise.all([worker.run(), ...extraWorkers.map((extra) => extra.run())]);
await metricsListener?.close();
await tracing.shutdown();
await models.close();
await pool.end();
await connection.close();

function loopbackFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
