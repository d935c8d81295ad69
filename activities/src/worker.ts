// The Temporal worker process: registers every workflow and activity on the Astra task queue.
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel } from '@temporalio/worker';
import { z } from 'zod';
import { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor, makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import { requestIdInterceptorPath, runMetricsInterceptorPath, workflowsPath } from '@astra/workflows';
import { nodeQueues, taskQueueFor, workerQueues } from '@astra/workflows/flow';
import { artifactStoreFromEnv, chromaClientFor, createActivities, createDatabasePool, createEgress, createModelProvider, createModelsRepo, egressPolicyFromEnv, workerHeartbeats, type ArtifactStore } from './index';
import { createWorkerMetrics } from './metrics/worker-metrics';
import { describeTemporalSecurity, temporalConnectionEnv, temporalConnectionOptions, type TemporalConnectionOptions } from './temporal-connection';
import { requestIdActivityInterceptor } from './request-id';
import { otelWorkflowInterceptorPath, startTracing } from './tracing';

const env = temporalConnectionEnv
  .extend({
    ASTRA_TASK_QUEUE: z.string().default('astra'),
    // What this worker serves (comma-separated): `default` is the main queue (the workflows and every node that
    // names no queue); ingest, generation and training are the node queues, `<main queue>-<name>`. All four by
    // default, as `npm start`'s one worker needs; a GPU machine runs `training` alone, say.
    ASTRA_WORKER_QUEUES: z
      .string()
      .default(workerQueues.join(','))
      .transform((value) => [...new Set(value.split(',').map((queue) => queue.trim()).filter(Boolean))])
      .pipe(z.array(z.enum(workerQueues, { error: (issue) => `names "${String(issue.input)}"; the queues are ${workerQueues.join(', ')}` })).min(1, `must name at least one of ${workerQueues.join(', ')}`)),
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
    // Activities one worker runs at once on each queue it serves (the SDK's default when unset): the capacity
    // of a machine, e.g. the connections a model server takes.
    ASTRA_WORKER_ACTIVITY_SLOTS: z.coerce.number().int().min(1).max(10_000).optional(),
    ASTRA_WORKER_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  })
  .safeParse(process.env);
if (!env.success) {
  console.error(`worker: invalid environment: ${env.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  process.exit(1);
}
const config = env.data;
let temporalOptions: TemporalConnectionOptions;
try {
  temporalOptions = temporalConnectionOptions(config);
} catch (error) {
  console.error(`worker: invalid environment: ${(error as Error).message}`);
  process.exit(1);
}
if (config.ASTRA_WORKFLOW_BUNDLE && !existsSync(config.ASTRA_WORKFLOW_BUNDLE)) {
  console.error(`worker: ASTRA_WORKFLOW_BUNDLE names ${config.ASTRA_WORKFLOW_BUNDLE}, which does not exist; build it with \`npx tsx workflows/scripts/check-bundle.ts ${config.ASTRA_WORKFLOW_BUNDLE}\` or unset the variable`);
  process.exit(1);
}

let artifacts: ArtifactStore | undefined;
try {
  artifacts = artifactStoreFromEnv(process.env);
} catch (error) {
  console.error(`worker: invalid environment: ${error instanceof z.ZodError ? error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ') : (error as Error).message}`);
  process.exit(1);
}

const tracing = startTracing('astra-worker', process.env);
// A database restart drops idle connections: the pool replaces them, and activities that failed meanwhile are retried by Temporal.
const pool = createDatabasePool(config.DATABASE_URL, { max: 10, onConnectionLost: (error) => logger.warn(`a database connection was lost (${error.message}); it will be replaced`) });
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
const connection = await NativeConnection.connect(temporalOptions);
const activities = createActivities({ pool, chroma: chromaClientFor(config.CHROMA_URL), models, egress: createEgress({ policy: egressPolicyFromEnv(process.env) }), dataDir: path.resolve(config.ASTRA_DATA_DIR), ...(artifacts ? { artifacts } : {}) });
// The request id first, so every later interceptor's log line (the metrics one's) carries it.
const activityInterceptors = [requestIdActivityInterceptor, (ctx: Parameters<typeof metrics.activityInterceptor>[0]) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }), metrics.activityInterceptor];
const slots = config.ASTRA_WORKER_ACTIVITY_SLOTS === undefined ? {} : { maxConcurrentActivityTaskExecutions: config.ASTRA_WORKER_ACTIVITY_SLOTS };
const mainWorker = config.ASTRA_WORKER_QUEUES.includes('default')
  ? await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.ASTRA_TASK_QUEUE,
    ...(config.ASTRA_WORKFLOW_BUNDLE ? { workflowBundle: { codePath: config.ASTRA_WORKFLOW_BUNDLE } } : { workflowsPath }),
    activities,
    // Traces: a span per workflow run and activity, continuing the trace of the request that started the run.
    interceptors: {
      // Tracing first, so the metrics interceptor (and its log line) runs inside the activity's span.
      activity: activityInterceptors,
      workflowModules: [runMetricsInterceptorPath, requestIdInterceptorPath, otelWorkflowInterceptorPath],
    },
    sinks: { ...metrics.sinks, exporter: makeWorkflowExporter(tracing.processor, tracing.resource) },
    shutdownGraceTime: '10 seconds',
    ...slots,
    ...workerHeartbeats,
  })
  : undefined;
// Node queues: activities only; the workflows stay on the main queue.
const nodeQueueWorkers = await Promise.all(nodeQueues.filter((queue) => config.ASTRA_WORKER_QUEUES.includes(queue)).map((queue) =>
  Worker.create({ connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue: taskQueueFor(config.ASTRA_TASK_QUEUE, queue), activities, interceptors: { activity: activityInterceptors }, shutdownGraceTime: '10 seconds', ...slots, ...workerHeartbeats })));
const workers = [...(mainWorker ? [mainWorker] : []), ...nodeQueueWorkers];
const metricsListener = config.ASTRA_WORKER_METRICS_PORT === undefined
  ? undefined
  : await metrics.listen({ port: config.ASTRA_WORKER_METRICS_PORT, host: config.ASTRA_WORKER_METRICS_HOST, token: config.ASTRA_METRICS_TOKEN, alsoServe: `http://127.0.0.1:${sdkMetricsPort}/metrics` }).catch((error: Error) => {
    console.error(`worker: metrics listener on ${config.ASTRA_WORKER_METRICS_HOST}:${config.ASTRA_WORKER_METRICS_PORT} failed: ${error.message}`);
    process.exit(1);
  });
if (metricsListener) logger.info(`worker metrics on http://${config.ASTRA_WORKER_METRICS_HOST}:${metricsListener.port}/metrics`);
// The SDK's runtime shuts the worker down gracefully on SIGINT/SIGTERM; run() then resolves.
logger.info(`worker polling task queue${workers.length > 1 ? 's' : ''} ${workers.map((each) => `"${each.options.taskQueue}"`).join(', ')}${mainWorker ? '' : ' (node activities only)'} on ${config.TEMPORAL_ADDRESS} (${describeTemporalSecurity(temporalOptions)}); models from the ${models.name} provider; artifacts in ${artifacts ? artifacts.location : `the data folder ${path.resolve(config.ASTRA_DATA_DIR)}`}; workflows ${!mainWorker ? 'not served' : config.ASTRA_WORKFLOW_BUNDLE ? `from the bundle ${config.ASTRA_WORKFLOW_BUNDLE}` : 'bundled at start'}`);
await Promise.all(workers.map((each) => each.run()));
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
