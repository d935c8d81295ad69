// Prometheus metrics of a worker process: workflow runs, node and activity executions, model calls and
// ingestion, served on a small HTTP listener (ASTRA_WORKER_METRICS_PORT). See README "Metrics".
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CancelledFailure, type Context as ActivityContext } from '@temporalio/activity';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { z } from 'zod';
import { nodeCatalogue } from '@astra/workflows/flow';
import type { RunMetricsSinks } from '@astra/workflows';
import type { ChatRequest, EmbedRequest, GenerateRequest, GenerateResult, ModelProvider, StreamOptions } from '../models/provider';

/** Seconds: node activities run from milliseconds (templates) to an hour (embedding a corpus). */
const durationBuckets = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600];
const firstTokenBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];
const tokenRateBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/** Node type of each node activity (nodeGenerate → models.generate), from the one registry. */
const nodeTypeOfActivity = new Map(nodeCatalogue.flatMap((spec) => ('activity' in spec.run ? [[spec.run.activity, spec.type] as const] : [])));

const finishRunInput = z.object({ status: z.enum(['succeeded', 'failed', 'cancelled']) });
const ingestSummary = z.object({ new: z.number(), updated: z.number(), skipped: z.number(), failed: z.number(), deleted: z.number() });

export interface WorkerMetrics {
  registry: Registry;
  /** For `Worker.create({ interceptors: { activity: [...] } })`. */
  activityInterceptor: ActivityInterceptorsFactory;
  /** For `Worker.create({ sinks })`: receives run outcomes from the workflow interceptor module. */
  sinks: InjectedSinks<RunMetricsSinks>;
  /** The provider, with every generation and embedding call measured. */
  meteredModels(models: ModelProvider): ModelProvider;
  /**
   * Serves GET /metrics on host:port (0 picks a free port); resolves to the bound port. With a token,
   * scrapes must send `Authorization: Bearer <token>`; without one, only a loopback bind is allowed.
   * `alsoServe` is another exposition (the Temporal SDK core's) appended to every scrape.
   */
  listen(options: { port: number; host: string; token?: string | undefined; alsoServe?: string }): Promise<{ port: number; close(): Promise<void> }>;
}

const digest = (value: string) => createHash('sha256').update(value).digest();
const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

function outcomeOf(error: unknown): 'failed' | 'cancelled' {
  return error instanceof CancelledFailure ? 'cancelled' : 'failed';
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const runDuration = new Histogram({
    name: 'astra_workflow_run_duration_seconds',
    help: 'Workflow runs finished on this worker, by workflow type and outcome (completed, failed, cancelled, continued_as_new), with their duration in seconds',
    labelNames: ['workflow', 'outcome'] as const, buckets: durationBuckets, registers,
  });
  const flowRunsFinished = new Counter({
    name: 'astra_flow_runs_finished_total',
    help: 'Flow runs (runFlow) recorded as finished by this worker, by status (succeeded, failed, cancelled)',
    labelNames: ['status'] as const, registers,
  });
  const activityDuration = new Histogram({
    name: 'astra_activity_duration_seconds',
    help: 'Activity executions (each attempt) on this worker, by activity and outcome, with their duration in seconds',
    labelNames: ['activity', 'outcome'] as const, buckets: durationBuckets, registers,
  });
  const scheduleToStart = new Histogram({
    name: 'astra_activity_schedule_to_start_seconds',
    help: 'How long each activity attempt waited on its task queue before a worker started it (the backlog age it saw), in seconds',
    labelNames: ['task_queue'] as const, buckets: durationBuckets, registers,
  });
  const nodeDuration = new Histogram({
    name: 'astra_node_execution_duration_seconds',
    help: 'Flow node executions (each attempt) on this worker, by node type and outcome, with their duration in seconds',
    labelNames: ['type', 'outcome'] as const, buckets: durationBuckets, registers,
  });
  const generatedTokens = new Counter({
    name: 'astra_generation_tokens_total', help: 'Tokens generated, by model', labelNames: ['model'] as const, registers,
  });
  const promptTokens = new Counter({
    name: 'astra_generation_prompt_tokens_total', help: 'Prompt tokens read by generation calls, by model', labelNames: ['model'] as const, registers,
  });
  const tokenRate = new Histogram({
    name: 'astra_generation_tokens_per_second',
    help: 'Decoding speed of each generation call (tokens after the first, per second after the first token), by model',
    labelNames: ['model'] as const, buckets: tokenRateBuckets, registers,
  });
  const firstToken = new Histogram({
    name: 'astra_generation_time_to_first_token_seconds',
    help: 'Time from a generation call to its first token in seconds, by model',
    labelNames: ['model'] as const, buckets: firstTokenBuckets, registers,
  });
  const embeddedChunks = new Counter({
    name: 'astra_embedding_chunks_total', help: 'Texts (chunks) embedded, by model', labelNames: ['model'] as const, registers,
  });
  const embedDuration = new Histogram({
    name: 'astra_embedding_duration_seconds', help: 'Duration of each embedding batch in seconds, by model', labelNames: ['model'] as const, buckets: durationBuckets, registers,
  });
  const ingestDocuments = new Counter({
    name: 'astra_ingest_documents_total',
    help: 'Documents handled by finished ingest runs, by outcome (new, updated, skipped, failed, deleted)',
    labelNames: ['outcome'] as const, registers,
  });

  /** What a finished activity tells beyond its own timing: flow run status, ingest document counts. */
  const observeResult = (activity: string, args: unknown[], result: unknown) => {
    if (activity === 'finishRun') {
      const input = finishRunInput.safeParse(args[0]);
      if (input.success) flowRunsFinished.inc({ status: input.data.status });
    } else if (activity === 'finishIngest') {
      const summary = ingestSummary.safeParse(result);
      if (summary.success) for (const [outcome, count] of Object.entries(summary.data)) ingestDocuments.inc({ outcome }, count);
    }
  };

  const activityInterceptor: ActivityInterceptorsFactory = (ctx: ActivityContext) => ({
    inbound: {
      async execute(input, next) {
        const activity = ctx.info.activityType;
        const nodeType = nodeTypeOfActivity.get(activity);
        const began = performance.now();
        // Local activities never wait on a task queue; their scheduled time is the workflow task's.
        if (!ctx.info.isLocal) scheduleToStart.observe({ task_queue: ctx.info.taskQueue }, Math.max(0, Date.now() - ctx.info.currentAttemptScheduledTimestampMs) / 1000);
        const observe = (outcome: string) => {
          const seconds = (performance.now() - began) / 1000;
          activityDuration.observe({ activity, outcome }, seconds);
          if (nodeType) nodeDuration.observe({ type: nodeType, outcome }, seconds);
          // Through the activity's logger, inside its span: the line carries the trace when tracing is on.
          ctx.log.debug('activity finished', { outcome, seconds, ...(nodeType ? { nodeType } : {}) });
        };
        try {
          const result = await next(input);
          observe('succeeded');
          observeResult(activity, input.args, result);
          return result;
        } catch (error) {
          observe(outcomeOf(error));
          throw error;
        }
      },
    },
  });

  const sinks: InjectedSinks<RunMetricsSinks> = {
    runMetrics: {
      runFinished: { fn: (info, outcome, seconds) => runDuration.observe({ workflow: info.workflowType, outcome }, seconds), callDuringReplay: false },
    },
  };

  const measureGeneration = async (model: string, options: StreamOptions | undefined, call: (options: StreamOptions) => Promise<GenerateResult>) => {
    const began = performance.now();
    let firstAt: number | undefined;
    const result = await call({
      ...options,
      onToken: (text) => {
        firstAt ??= performance.now();
        options?.onToken?.(text);
      },
    });
    generatedTokens.inc({ model }, result.completionTokens);
    promptTokens.inc({ model }, result.promptTokens);
    if (firstAt !== undefined) {
      firstToken.observe({ model }, (firstAt - began) / 1000);
      const decodingSeconds = (performance.now() - firstAt) / 1000;
      if (result.completionTokens > 1 && decodingSeconds > 0) tokenRate.observe({ model }, (result.completionTokens - 1) / decodingSeconds);
    }
    return result;
  };

  // Each model call is also a span in the activity's trace (a no-op unless tracing is on).
  const tracer = trace.getTracer('astra-models');
  const traced = <T>(name: string, provider: string, model: string, call: () => Promise<T>) => tracer.startActiveSpan(name, { attributes: { 'gen_ai.request.model': model, 'astra.model.provider': provider } }, async (span) => {
    try {
      return await call();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
  const meteredModels = (models: ModelProvider): ModelProvider => {
    return {
    name: models.name,
    listModels: () => models.listModels(),
    generate: (request: GenerateRequest, options?: StreamOptions) => traced('model.generate', models.name, request.model, () => measureGeneration(request.model, options, (measured) => models.generate(request, measured))),
    chat: (request: ChatRequest, options?: StreamOptions) => traced('model.chat', models.name, request.model, () => measureGeneration(request.model, options, (measured) => models.chat(request, measured))),
    embed: (request: EmbedRequest) => traced('model.embed', models.name, request.model, async () => {
      const began = performance.now();
      const result = await models.embed(request);
      embeddedChunks.inc({ model: request.model }, request.texts.length);
      embedDuration.observe({ model: request.model }, (performance.now() - began) / 1000);
      return result;
    }),
    ...(models.tokenCounter ? { tokenCounter: (model: string) => models.tokenCounter!(model) } : {}),
    close: () => models.close(),
    };
  };

  const exposition = async (alsoServe: string | undefined) => {
    const own = await registry.metrics();
    if (!alsoServe) return own;
    const other = await fetch(alsoServe).then(
      async (response) => (response.ok ? response.text() : `# ${alsoServe} answered ${response.status}\n`),
      (error: Error) => `# ${alsoServe} unavailable: ${error.message}\n`,
    );
    return `${own}\n${other}`;
  };

  const listen = async ({ port, host, token, alsoServe }: { port: number; host: string; token?: string | undefined; alsoServe?: string }) => {
    if (!token && !isLoopback(host)) {
      throw new Error(`worker metrics on ${host} need a scrape token: set ASTRA_METRICS_TOKEN, or bind ASTRA_WORKER_METRICS_HOST to 127.0.0.1`);
    }
    const expected = token ? digest(token) : undefined;
    const server: Server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('the worker serves only GET /metrics\n');
        return;
      }
      const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
      if (expected && (!match || !timingSafeEqual(digest(match[1]!), expected))) {
        response.writeHead(401, { 'content-type': 'text/plain' }).end('metrics need the scrape token: send Authorization: Bearer $ASTRA_METRICS_TOKEN\n');
        return;
      }
      exposition(alsoServe).then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics collection failed: ${error.message}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return {
      port: (server.address() as AddressInfo).port,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  };

  return { registry, activityInterceptor, sinks, meteredModels, listen };
}
