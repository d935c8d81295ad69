// `npm run bench:flow`: what the flow interpreter costs. End-to-end latency of 1-node and 10-node chains
// of pass-through nodes run by `runFlow`, against a bare workflow calling the same activity the same
// number of times in the same order (bench/baseline-flow.workflow.ts), alternating, same worker, same
// run; then throughput of bursts of concurrent 1-node flows, both ways. First, how long validating a
// 200-node flow and a 5000-node chain takes, against the 1-second budget and against the schema
// parse alone (what any save costs). Last, the cost per node of each way a node runs, in the same run:
// activity nodes as today (version 1 pass-through), pure nodes inside the workflow (version 2), cheap
// nodes as local activities (version 2 given a value by reference), and model nodes (Generate).
import { randomUUID } from 'node:crypto';
import type { workflows } from '@astra/workflows';
import { flowGraph, validateFlow, type FlowGraph, type RunFlowInput } from '@astra/workflows/flow';
import { passThroughGrid } from '../server/src/flows/testing/graphs';
import type { BaselineFlowInput, baselineFlow } from './baseline-flow.workflow';
import { startBenchStack, type BenchStack } from './support/stack';
import { median, percentile } from './support/stats';

const rounds = Number(process.env.BENCH_ROUNDS ?? 40);
const warmup = Number(process.env.BENCH_WARMUP ?? 5);
const burst = Number(process.env.BENCH_BURST ?? 50);
const bursts = Number(process.env.BENCH_BURSTS ?? 3);
const sizes = (process.env.BENCH_NODES ?? '1,10').split(',').map(Number);
const target = 1.5;
/** Nodes in the long chains of the per-node figures (the short one has 1): long enough that the nodes, not the noise, make the difference. */
const pureChain = Number(process.env.BENCH_PURE_CHAIN ?? 201);
const activityChain = Number(process.env.BENCH_ACTIVITY_CHAIN ?? 11);
const modelChain = Number(process.env.BENCH_MODEL_CHAIN ?? 4);
const perNodeRounds = Number(process.env.BENCH_PER_NODE_ROUNDS ?? 20);
/** Model rounds take seconds each on two cores: fewer of them. */
const modelRounds = Number(process.env.BENCH_MODEL_ROUNDS ?? 8);
const pureTarget = 10;

/** A chain of pass-through nodes n1 → n2 → … → nN, as the editor would save it. */
function chain(length: number): FlowGraph {
  const ids = Array.from({ length }, (_, i) => `n${i + 1}`);
  return {
    nodes: ids.map((id, i) => ({ id, type: 'util.pass-through', version: 1, params: {}, position: { x: i * 280, y: 140 } })),
    edges: ids.slice(1).map((id, i) => ({ id: `e${i + 1}`, source: ids[i]!, sourcePort: 'value', target: id, targetPort: 'value' })),
  };
}

function makeRunners(stack: BenchStack, ownerId: string, graph: FlowGraph) {
  const nodeIds = graph.nodes.map((node) => node.id);
  return {
    async runFlow(): Promise<void> {
      const runId = randomUUID();
      const input: RunFlowInput = { runId, ownerId, snapshot: { flowId: randomUUID(), flowVersion: 1, graph }, inputs: {} };
      // A failed run fails its workflow, so execute throws; reaching here means it succeeded.
      await stack.client.workflow.execute<typeof workflows.runFlow>('runFlow', { taskQueue: stack.taskQueue, workflowId: `bench-flow-${runId}`, args: [input] });
    },
    async baseline(): Promise<void> {
      const runId = randomUUID();
      const input: BaselineFlowInput = { runId, ownerId, nodeIds };
      await stack.client.workflow.execute<typeof baselineFlow>('baselineFlow', { taskQueue: stack.taskQueue, workflowId: `bench-baseline-${runId}`, args: [input] });
    },
  };
}

const timed = async (work: () => Promise<void>): Promise<number> => {
  const began = performance.now();
  await work();
  return performance.now() - began;
};

const ms = (value: number) => `${value.toFixed(1).padStart(7)} ms`;
const verdict = (ratio: number) => (ratio <= target ? 'ok' : 'ABOVE TARGET');

/** Validation time of a 20 × 10 grid (200 nodes) and a 5000-node chain: p50 and worst of many runs. */
function benchValidation(): void {
  const budget = 1000;
  console.log(`flow validation, ${rounds} runs each after ${warmup} warm-up runs (budget ${budget} ms per flow)`);
  for (const [label, graph] of [['200-node flow (20 chains of 10)', passThroughGrid(20, 10)], ['5000-node chain', chain(5000)]] as const) {
    const validate: number[] = [];
    const parse: number[] = [];
    for (let i = 0; i < warmup + rounds; i += 1) {
      const began = performance.now();
      const problems = validateFlow(graph).problems;
      const validated = performance.now();
      flowGraph.parse(graph);
      const parsed = performance.now();
      if (problems.length > 0) throw new Error(`${label} should be valid: ${JSON.stringify(problems[0])}`);
      if (i >= warmup) {
        validate.push(validated - began);
        parse.push(parsed - validated);
      }
    }
    const worst = Math.max(...validate);
    console.log(`  ${label.padEnd(32)} validate p50 ${ms(percentile(validate, 50))}  worst ${ms(worst)}   schema parse alone p50 ${ms(percentile(parse, 50))}`);
    console.log(`  ${''.padEnd(32)} ratio to parse p50 ${(percentile(validate, 50) / percentile(parse, 50)).toFixed(2)}×   worst / budget ${(worst / budget).toFixed(3)}  ${worst < budget ? 'ok' : 'OVER BUDGET'}`);
  }
  console.log('');
}

/** Input → `length` nodes of one type → Output. */
function typedChain(length: number, type: string, version: number, params: Record<string, unknown>, inPort: string, outPort: string): FlowGraph {
  const ids = Array.from({ length }, (_, i) => `n${i + 1}`);
  const at = (i: number) => ({ x: i * 280, y: 140 });
  return {
    nodes: [
      { id: 'in', type: 'io.input', version: 1, params: { name: 'text' }, position: at(0) },
      ...ids.map((id, i) => ({ id, type, version, params, position: at(i + 1) })),
      { id: 'out', type: 'io.output', version: 1, params: { name: 'text' }, position: at(length + 1) },
    ],
    edges: ['in', ...ids].map((source, i) => ({ id: `e${i}`, source, sourcePort: i === 0 ? 'value' : outPort, target: ids[i] ?? 'out', targetPort: ids[i] ? inPort : 'value' })),
  };
}

/**
 * Cost per node of each way a node runs: the long chain's time minus the 1-node chain's, run back to
 * back in each round, over the nodes between; the median of the rounds (pairs cancel the drift of a
 * busy machine).
 */
async function benchPerNode(stack: BenchStack, ownerId: string): Promise<void> {
  const execute = async (graph: FlowGraph, text: string) => {
    const runId = randomUUID();
    const input: RunFlowInput = { runId, ownerId, snapshot: { flowId: randomUUID(), flowVersion: 1, graph }, inputs: { text } };
    await stack.client.workflow.execute<typeof workflows.runFlow>('runFlow', { taskQueue: stack.taskQueue, workflowId: `bench-node-${runId}`, args: [input] });
  };
  const big = 'a line of text that will not travel inline. '.repeat(100);
  const cases = [
    { label: 'activity node (pass-through v1, today)', type: 'util.pass-through', version: 1, params: {}, text: 'x', length: activityChain, ports: ['value', 'value'] },
    { label: 'pure node (pass-through v2)', type: 'util.pass-through', version: 2, params: {}, text: 'x', length: pureChain, ports: ['value', 'value'] },
    { label: 'pure node (text template v2)', type: 'text.template', version: 2, params: { template: '{{input}}!' }, text: 'x', length: pureChain, ports: ['input', 'text'] },
    { label: 'cheap node (v2, value by reference: local activity)', type: 'util.pass-through', version: 2, params: {}, text: big, length: activityChain, ports: ['value', 'value'] },
    { label: 'model node (Generate, 4 tokens)', type: 'models.generate', version: 1, params: { maxTokens: 4, temperature: 0 }, text: 'Say hi.', length: modelChain, ports: ['prompt', 'text'], rounds: modelRounds },
  ] as const;
  console.log(`\ncost per node: a chain of 1 node and one of N between an input and an output, back to back, ${perNodeRounds} rounds (${modelRounds} for models) after ${warmup} warm-up rounds`);
  for (const entry of cases) {
    const rounds = 'rounds' in entry ? entry.rounds : perNodeRounds;
    const short = typedChain(1, entry.type, entry.version, entry.params, entry.ports[0], entry.ports[1]);
    const long = typedChain(entry.length, entry.type, entry.version, entry.params, entry.ports[0], entry.ports[1]);
    for (let i = 0; i < ('rounds' in entry ? Math.min(warmup, 2) : warmup); i += 1) {
      await execute(short, entry.text);
      await execute(long, entry.text);
    }
    const shortTimes: number[] = [];
    const longTimes: number[] = [];
    for (let i = 0; i < rounds; i += 1) {
      if (i % 2 === 0) {
        shortTimes.push(await timed(() => execute(short, entry.text)));
        longTimes.push(await timed(() => execute(long, entry.text)));
      } else {
        longTimes.push(await timed(() => execute(long, entry.text)));
        shortTimes.push(await timed(() => execute(short, entry.text)));
      }
    }
    const perNode = median(longTimes.map((took, i) => (took - shortTimes[i]!) / (entry.length - 1)));
    const check = entry.label.startsWith('pure') ? `   target ≤ ${pureTarget} ms  ${perNode <= pureTarget ? 'ok' : 'ABOVE TARGET'}` : '';
    console.log(`  ${entry.label.padEnd(52)} per node ${ms(perNode)}   (N = ${String(entry.length).padStart(3)}: 1 node p50 ${ms(percentile(shortTimes, 50))}, N nodes p50 ${ms(percentile(longTimes, 50))})${check}`);
  }
  // What a model node costs beyond its model call: the same call made directly, in the same run.
  const direct: number[] = [];
  for (let i = 0; i < warmup + modelRounds; i += 1) {
    const took = await timed(async () => {
      await stack.models.chat({ model: 'smollm2-135m-instruct', messages: [{ role: 'user', content: 'Say hi.' }], maxTokens: 4, temperature: 0 });
    });
    if (i >= warmup) direct.push(took);
  }
  console.log(`  ${'the same model call, direct'.padEnd(52)} p50 ${ms(percentile(direct, 50))}`);
}

benchValidation();
const stack = await startBenchStack({ workflowsPath: new URL('./baseline-flow.bundle.ts', import.meta.url).pathname });
try {
  const owner = await stack.pool.query<{ id: string }>("insert into users (username, role) values ($1, 'user') returning id", [`bench-${randomUUID().slice(0, 8)}`]);
  const ownerId = owner.rows[0]!.id;
  console.log(`flow interpreter overhead: ${rounds} alternating rounds per size after ${warmup} warm-up rounds; bursts of ${burst}`);

  for (const size of sizes) {
    const run = makeRunners(stack, ownerId, chain(size));
    for (let i = 0; i < warmup; i += 1) {
      await run.runFlow();
      await run.baseline();
    }
    const flow: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < rounds; i += 1) {
      // Alternate who goes first, so neither side always runs on a warmer worker.
      if (i % 2 === 0) {
        flow.push(await timed(run.runFlow));
        bare.push(await timed(run.baseline));
      } else {
        bare.push(await timed(run.baseline));
        flow.push(await timed(run.runFlow));
      }
    }
    const p50 = percentile(flow, 50) / percentile(bare, 50);
    const p95 = percentile(flow, 95) / percentile(bare, 95);
    console.log(`\n${size}-node chain of pass-through nodes, ${rounds} runs each`);
    console.log(`  bare workflow, same activity   p50 ${ms(percentile(bare, 50))}   p95 ${ms(percentile(bare, 95))}`);
    console.log(`  runFlow                        p50 ${ms(percentile(flow, 50))}   p95 ${ms(percentile(flow, 95))}`);
    console.log(`  ratio                          p50 ${p50.toFixed(2)}×       p95 ${p95.toFixed(2)}×   target ≤ ${target}× at p50  ${verdict(p50)}`);
  }

  const one = makeRunners(stack, ownerId, chain(1));
  const flowRates: number[] = [];
  const bareRates: number[] = [];
  const rate = async (work: () => Promise<void>) => {
    const took = await timed(async () => {
      await Promise.all(Array.from({ length: burst }, () => work()));
    });
    return burst / (took / 1000);
  };
  for (let i = 0; i < bursts; i += 1) {
    if (i % 2 === 0) {
      flowRates.push(await rate(one.runFlow));
      bareRates.push(await rate(one.baseline));
    } else {
      bareRates.push(await rate(one.baseline));
      flowRates.push(await rate(one.runFlow));
    }
  }
  console.log(`\nthroughput: ${bursts} bursts of ${burst} concurrent 1-node flows each way (median)`);
  console.log(`  bare workflow                  ${median(bareRates).toFixed(1).padStart(7)} flows/s   (${bareRates.map((r) => r.toFixed(1)).join(', ')})`);
  console.log(`  runFlow                        ${median(flowRates).toFixed(1).padStart(7)} flows/s   (${flowRates.map((r) => r.toFixed(1)).join(', ')})`);
  console.log(`  ratio                          ${(median(flowRates) / median(bareRates)).toFixed(2)} of the bare rate`);

  await benchPerNode(stack, ownerId);
} finally {
  await stack.stop();
}
