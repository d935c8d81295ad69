// `npm run bench:scale`: does capacity grow with workers? Real worker processes (activities/src/worker.ts,
// the workflow bundle built once as an image does) on one task queue of one Temporal run bursts of an
// I/O-bound flow: Load URL of a page a local HTTP server answers after a delay (a slow website), then a
// Wait, then an output. Each worker runs at most ASTRA_WORKER_ACTIVITY_SLOTS activities at once (its
// capacity, as a model server's connection limit would be), so one worker is the baseline: flows/s and
// p95 latency at 1, 2 and 4 workers, as ratios to 1 worker, in the same run.
// Second, the overhead of metrics plus tracing on bench:flow's 10-node chain of activity nodes: one
// worker with /metrics and OTLP export on (to a fake OTLP receiver here, which only counts the posts),
// one with both off, rounds alternating between them in the same run; target <= 5 %.
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { requestIdInterceptorPath, runMetricsInterceptorPath, workflowsPath, type workflows } from '@astra/workflows';
import type { FlowGraph, RunFlowInput } from '@astra/workflows/flow';
import { otelWorkflowInterceptorPath } from '../activities/src/tracing';
import { spawnWorkerProcess } from '../activities/src/testing/worker-spawn';
import { graphOf } from '../server/src/flows/testing/graphs';
import { startBenchStack } from './support/stack';
import { median, percentile } from './support/stats';

const workerCounts = (process.env.BENCH_WORKERS ?? '1,2,4').split(',').map(Number);
// One slot and a 3 s page: a worker's ceiling is 1/3 flow/s, far below what even a loaded 2-core machine can
// orchestrate, so the slots bind (as a model server's connection limit would) and not the CPU. With 4 slots and
// 250 ms pages a worker could take 16 flows/s and the shared CPU bound first (0.56x at 2 workers, once measured).
const flowsPerBurst = Number(process.env.BENCH_SCALE_FLOWS ?? 24);
const slots = Number(process.env.BENCH_SCALE_SLOTS ?? 1);
const pageDelayMs = Number(process.env.BENCH_PAGE_DELAY_MS ?? 3000);
const overheadRounds = Number(process.env.BENCH_OVERHEAD_ROUNDS ?? 30);
const overheadWarmup = Number(process.env.BENCH_OVERHEAD_WARMUP ?? 5);
const overheadTarget = 0.05;

const listen = (server: Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));

// A slow website: every page after pageDelayMs.
const site = createServer((request, response) => {
  setTimeout(() => response.writeHead(200, { 'content-type': 'text/plain' }).end(`page ${request.url}: the keeper logs the weather every hour.\n`), pageDelayMs);
});
const sitePort = await listen(site);
// The fake OTLP receiver: accepts trace exports and counts them, so tracing's export cost is paid for real.
let otlpPosts = 0;
const otlp = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    otlpPosts += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
const otlpPort = await listen(otlp);

const stack = await startBenchStack();
const owner = (await stack.pool.query<{ id: string }>("insert into users (username, role) values ($1, 'user') returning id", [`bench-scale-${Date.now()}`])).rows[0]!.id;
const bundleDir = await mkdtemp(path.join(os.tmpdir(), 'astra-bench-scale-'));
const bundlePath = path.join(bundleDir, 'workflows.js');
await writeFile(bundlePath, (await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: [runMetricsInterceptorPath, requestIdInterceptorPath, otelWorkflowInterceptorPath] })).code);

const children: ChildProcess[] = [];
async function workersOn(taskQueue: string, count: number, env: Record<string, string> = {}): Promise<ChildProcess[]> {
  // One after another: on a loaded machine several starting at once can each miss the start deadline.
  const started: ChildProcess[] = [];
  for (let i = 0; i < count; i += 1) {
    const child = await spawnWorkerProcess(taskQueue, stack.services, { ASTRA_WORKFLOW_BUNDLE: bundlePath, ASTRA_EGRESS_ALLOW: `127.0.0.1:${sitePort}`, ...env });
    children.push(child);
    started.push(child);
  }
  return started;
}
/** SIGTERM (a graceful shutdown, as a rolling deploy does), SIGKILL after 30 s so a starved machine cannot stall the run. */
const stop = (workers: ChildProcess[]) => Promise.all(workers.map((child) => new Promise((resolve) => {
  if (child.exitCode !== null) return resolve(undefined);
  const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
  child.once('exit', () => {
    clearTimeout(kill);
    resolve(undefined);
  });
  child.kill('SIGTERM');
})));

async function execute(taskQueue: string, graph: FlowGraph, inputs: Record<string, string>): Promise<number> {
  const runId = randomUUID();
  const input: RunFlowInput = { runId, ownerId: owner, snapshot: { flowId: randomUUID(), flowVersion: 1, graph }, inputs };
  const began = performance.now();
  const result = await stack.client.workflow.execute<typeof workflows.runFlow>('runFlow', { taskQueue, workflowId: `bench-scale-${runId}`, args: [input] });
  if (result.status !== 'succeeded') throw new Error(`run ${runId} ended ${result.status}`);
  return performance.now() - began;
}

const ioFlow = graphOf(
  [
    { id: 'in', type: 'io.input', params: { name: 'url' } },
    { id: 'load', type: 'sources.load-url' },
    { id: 'pause', type: 'util.wait', params: { milliseconds: 100 } },
    { id: 'out', type: 'io.output', params: { name: 'documents' } },
  ],
  ['in.value>load.url', 'load.documents>pause.value', 'pause.value>out.value'],
);

try {
  console.log(`bench:scale on ${os.cpus().length} cores, load average ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`);
  console.log(`I/O-bound flow (Load URL of a page answered after ${pageDelayMs} ms, Wait 100 ms): bursts of ${flowsPerBurst} concurrent flows, ${slots} activity slots per worker`);
  console.log(`slot-bound ceiling: ${(slots / (pageDelayMs / 1000)).toFixed(2)} flows/s per worker (slots / page delay), so the ideal ratio is the worker count\n`);
  const scale: Array<{ workers: number; flowsPerSecond: number; p95: number; p50: number }> = [];
  for (const count of workerCounts) {
    const taskQueue = `bench-scale-${count}-${randomBytes(3).toString('hex')}`;
    const workers = await workersOn(taskQueue, count, { ASTRA_WORKER_ACTIVITY_SLOTS: String(slots) });
    // A short warm-up burst: model-free, but every worker's workflow cache and connections get going.
    await Promise.all(Array.from({ length: count * slots }, (_, i) => execute(taskQueue, ioFlow, { url: `http://127.0.0.1:${sitePort}/warm-${i}` })));
    const began = performance.now();
    const latencies = await Promise.all(Array.from({ length: flowsPerBurst }, (_, i) => execute(taskQueue, ioFlow, { url: `http://127.0.0.1:${sitePort}/page-${count}-${i}` })));
    const seconds = (performance.now() - began) / 1000;
    const row = { workers: count, flowsPerSecond: flowsPerBurst / seconds, p95: percentile(latencies, 95), p50: percentile(latencies, 50) };
    scale.push(row);
    const one = scale[0]!;
    if (scale.length === 1) console.log('workers   flows/s   ratio   p50 latency   p95 latency   p95 ratio   load average');
    // Printed as each step ends, so a run cut short still reports what it measured.
    console.log(`${String(row.workers).padStart(7)}   ${row.flowsPerSecond.toFixed(2).padStart(7)}   ${(row.flowsPerSecond / one.flowsPerSecond).toFixed(2).padStart(4)}×   ${row.p50.toFixed(0).padStart(8)} ms   ${row.p95.toFixed(0).padStart(8)} ms   ${(row.p95 / one.p95).toFixed(2).padStart(6)}×   ${os.loadavg()[0]!.toFixed(2)}`);
    await stop(workers);
  }

  // Metrics + tracing on vs off, on bench:flow's 10-node chain of activity nodes.
  const chain: FlowGraph = {
    nodes: Array.from({ length: 10 }, (_, i) => ({ id: `n${i + 1}`, type: 'util.pass-through', version: 1, params: {}, position: { x: i * 280, y: 0 } })),
    edges: Array.from({ length: 9 }, (_, i) => ({ id: `e${i + 1}`, source: `n${i + 1}`, sourcePort: 'value', target: `n${i + 2}`, targetPort: 'value' })),
  };
  const onQueue = `bench-observed-${randomBytes(3).toString('hex')}`;
  const offQueue = `bench-plain-${randomBytes(3).toString('hex')}`;
  const observed = await workersOn(onQueue, 1, { ASTRA_WORKER_METRICS_PORT: '0', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`, OTEL_BSP_SCHEDULE_DELAY: '200' });
  const plain = await workersOn(offQueue, 1);
  const on: number[] = [];
  const off: number[] = [];
  for (let i = 0; i < overheadWarmup + overheadRounds; i += 1) {
    // Alternating which goes first, so drift on a busy machine falls on both alike.
    const pair = i % 2 === 0 ? [await execute(onQueue, chain, {}), await execute(offQueue, chain, {})] : [await execute(offQueue, chain, {}), await execute(onQueue, chain, {})].reverse();
    if (i >= overheadWarmup) {
      on.push(pair[0]!);
      off.push(pair[1]!);
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const overhead = median(on) / median(off) - 1;
  console.log(`\nmetrics + tracing on bench:flow's 10-node chain, ${overheadRounds} alternating rounds after ${overheadWarmup} warm-up (OTLP posts received by the fake receiver: ${otlpPosts})`);
  console.log(`  off p50 ${median(off).toFixed(1)} ms   on p50 ${median(on).toFixed(1)} ms   overhead ${(overhead * 100).toFixed(1)} % (target <= ${overheadTarget * 100} %)  ${overhead <= overheadTarget ? 'ok' : 'ABOVE TARGET'}`);
  console.log(`load average at the end ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}`);

  await stop([...observed, ...plain]);
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await stack.stop();
  await rm(bundleDir, { recursive: true, force: true });
  site.close();
  otlp.close();
}
