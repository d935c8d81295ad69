// runFlow keeps its promises on the real Temporal dev server: continue-as-new carries outputs and
// failures, bad params fail the run (not the workflow task), Wait is a durable timer, a run's nodes
// are capped, a failure cancels its siblings, and text that would split a surrogate pair is stored.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFlowInput, startRunFlow, startTestWorker, type TestWorker } from '../../activities/src/testing/test-worker';
import type { RunFlowInput } from '@astra/workflows';
import type { FlowGraph } from './flow/graph';
import { graphOf, passThroughGrid } from '../../server/src/flows/testing/graphs';

let worker: TestWorker;
let broken: http.Server;
let brokenUrl: string;

beforeAll(async () => {
  // A server that always fails: a Load URL node against it retries for a while, then fails.
  broken = http.createServer((_request, response) => response.writeHead(500).end('down'));
  await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
  const { port } = broken.address() as AddressInfo;
  brokenUrl = `http://127.0.0.1:${port}/page.html`;
  worker = await startTestWorker({ egressAllow: [`127.0.0.1:${port}`] });
});

afterAll(async () => {
  await worker?.stop();
  broken?.close();
});

const inputFor = runFlowInput;
const start = (input: RunFlowInput) => startRunFlow(worker, input);

/** The run's failure message, or a test failure if it did not fail. */
async function failureOf(result: Promise<unknown>): Promise<string> {
  const outcome = await result.then(() => undefined, (error: unknown) => error);
  expect(outcome).toBeInstanceOf(WorkflowFailedError);
  return (outcome as WorkflowFailedError).cause?.message ?? '';
}

const nodeStates = async (runId: string) =>
  Object.fromEntries((await worker.pool.query<{ node_id: string; state: string }>('select node_id, state from run_nodes where run_id = $1', [runId])).rows.map((row) => [row.node_id, row.state]));

/** How many node activities the run executed, and the most that ran at once (from the ledger's times). */
async function overlap(runId: string): Promise<{ executions: number; mostAtOnce: number }> {
  const rows = (await worker.pool.query<{ started_at: Date; finished_at: Date }>('select started_at, finished_at from node_executions where run_id = $1', [runId])).rows;
  return { executions: rows.length, mostAtOnce: Math.max(...rows.map((row) => rows.filter((other) => other.started_at <= row.started_at && other.finished_at > row.started_at).length)) };
}

/** A chain of pass-through nodes beside an input wired straight to an output. */
function chainBesideOutput(length: number, last?: { id: string; type: string; params: Record<string, unknown> }): FlowGraph {
  const chain = passThroughGrid(1, length);
  const extra = graphOf(
    [
      { id: 'in', type: 'io.input', params: { name: 'text' } },
      { id: 'out', type: 'io.output', params: { name: 'text' } },
      ...(last ? [last] : []),
    ],
    ['in.value>out.value', ...(last ? [`n0_${length - 1}.value>${last.id}.value`] : [])],
  );
  return { nodes: [...chain.nodes, ...extra.nodes], edges: [...chain.edges, ...extra.edges] };
}

describe('runFlow across continue-as-new', () => {
  it('returns the named outputs recorded before it continued as new', async () => {
    const input = inputFor(chainBesideOutput(30), { inputs: { text: 'kept across runs' }, continueAsNewAfterEvents: 40 });
    const handle = await start(input);
    expect(await handle.result()).toEqual({ status: 'succeeded', outputs: { text: { value: 'kept across runs' } } });
    expect((await worker.client.workflow.getHandle(handle.workflowId).describe()).runId).not.toBe(handle.firstExecutionRunId);
    // The carried payload is a reference, however big the graph is.
    const history = await worker.client.workflow.getHandle(handle.workflowId).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    expect(started?.continuedExecutionRunId).toBeTruthy();
  }, 120_000);

  it('fails with the error of a node that fails once its history is full', async () => {
    // The fetch keeps retrying while the chain fills the history; it fails when the run must continue as new.
    const graph = chainBesideOutput(60);
    graph.nodes.push({ id: 'fetch', type: 'sources.load-url', version: 1, params: { url: brokenUrl } });
    const input = inputFor(graph, { inputs: { text: 'x' }, continueAsNewAfterEvents: 40 });
    const handle = await start(input);
    const message = await failureOf(handle.result());
    expect(message).toContain('node "fetch" failed');
    expect(message).toContain('HTTP 500');
    expect((await nodeStates(input.runId)).fetch).toBe('failed');
  }, 120_000);
});

describe('runFlow never wedges on bad input', () => {
  it('fails the run at once, naming node and field, when an inline node has bad params', async () => {
    const graph = graphOf([{ id: 'ask', type: 'io.input', params: { name: 42 } }, { id: 'out', type: 'io.output', params: { name: 'x' } }], ['ask.value>out.value']);
    const input = inputFor(graph);
    const handle = await start(input);
    const message = await failureOf(handle.result());
    expect(message).toContain('"ask"');
    expect(message).toContain('params.name');
    expect((await nodeStates(input.runId)).ask).toBe('failed');
  }, 60_000);

  it('stores previews of text whose cut would split a surrogate pair', async () => {
    const text = `${'x'.repeat(278)}😀 after the emoji`;
    const graph = graphOf([{ id: 'in', type: 'io.input', params: { name: 'text' } }, { id: 'out', type: 'io.output', params: { name: 'text' } }], ['in.value>out.value']);
    const input = inputFor(graph, { inputs: { text } });
    const handle = await start(input);
    expect(await handle.result()).toEqual({ status: 'succeeded', outputs: { text: { value: text } } });
    const row = (await worker.pool.query<{ output_preview: string }>("select output_preview from run_nodes where run_id = $1 and node_id = 'in'", [input.runId])).rows[0]!;
    expect(row.output_preview).toMatch(/x…$/);
  }, 60_000);
});

describe('runFlow scheduling', () => {
  it('waits on a durable timer, not in an activity', async () => {
    const graph = graphOf([{ id: 'in', type: 'io.input', params: { name: 'text' } }, { id: 'pause', type: 'util.wait', params: { milliseconds: 1500 } }, { id: 'out', type: 'io.output', params: { name: 'text' } }], ['in.value>pause.value', 'pause.value>out.value']);
    const input = inputFor(graph, { inputs: { text: 'later' } });
    const handle = await start(input);
    expect(await handle.result()).toEqual({ status: 'succeeded', outputs: { text: { value: 'later' } } });
    const events = (await handle.fetchHistory()).events ?? [];
    const EventType = temporal.api.enums.v1.EventType;
    expect(events.filter((event) => event.eventType === EventType.EVENT_TYPE_TIMER_STARTED).map((event) => Number(event.timerStartedEventAttributes?.startToFireTimeout?.seconds ?? 0) * 1000 + Math.round((event.timerStartedEventAttributes?.startToFireTimeout?.nanos ?? 0) / 1e6))).toEqual([1500]);
    expect(events.filter((event) => event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toEqual([]);
    expect((await nodeStates(input.runId)).pause).toBe('succeeded');
  }, 60_000);

  it('runs no more nodes at once than the run allows', async () => {
    const branches = Array.from({ length: 8 }, (_, i) => ({ id: `t${i}`, type: 'text.template', params: { template: `branch ${i}: {{input}}` } }));
    const graph = graphOf([{ id: 'in', type: 'io.input', params: { name: 'text' } }, ...branches], branches.map((node) => `in.value>${node.id}.input`));
    const input = inputFor(graph, { inputs: { text: 'fan' }, maxConcurrentNodes: 2 });
    await (await start(input)).result();
    const { executions, mostAtOnce } = await overlap(input.runId);
    expect(executions).toBe(8);
    expect(mostAtOnce).toBeLessThanOrEqual(2);
  }, 60_000);

  it('runs no more nodes of one type at once than its spec allows', async () => {
    const talks = Array.from({ length: 4 }, (_, i) => ({ id: `talk${i}`, type: 'models.generate', params: { maxTokens: 8 } }));
    const graph = graphOf([{ id: 'in', type: 'io.input', params: { name: 'text' } }, ...talks], talks.map((node) => `in.value>${node.id}.prompt`));
    const input = inputFor(graph, { inputs: { text: 'Say hello.' }, maxConcurrentNodes: 8 });
    await (await start(input)).result();
    const { executions, mostAtOnce } = await overlap(input.runId);
    expect(executions).toBe(4);
    expect(mostAtOnce).toBeLessThanOrEqual(2);
  }, 60_000);

  it('cancels the nodes still running when one fails, and starts no more', async () => {
    const graph = graphOf(
      [
        { id: 'in', type: 'io.input', params: { name: 'text' } },
        { id: 'broken', type: 'control.condition', params: { operator: 'longer-than', value: 'not a number' } },
        { id: 'pause', type: 'util.wait', params: { milliseconds: 600_000 } },
        { id: 'talk', type: 'models.generate', params: { maxTokens: 4000 } },
        { id: 'after', type: 'util.pass-through' },
      ],
      ['in.value>broken.value', 'in.value>pause.value', 'in.value>talk.prompt', 'pause.value>after.value'],
    );
    const input = inputFor(graph, { inputs: { text: 'Write a very long story about a lighthouse.' } });
    const handle = await start(input);
    expect(await failureOf(handle.result())).toContain('node "broken" failed');
    const states = await nodeStates(input.runId);
    expect(states).toMatchObject({ broken: 'failed', pause: 'cancelled', after: 'skipped' });
    expect(['cancelled', 'succeeded']).toContain(states.talk);
    // An activity that had started hears of the cancellation through its heartbeat and stops.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const attempts = (await worker.pool.query<{ outcome: string | null }>("select outcome from node_executions where run_id = $1 and node_id = 'talk'", [input.runId])).rows;
      if (attempts.every((row) => row.outcome !== null)) {
        expect(attempts.every((row) => row.outcome === 'cancelled' || row.outcome === 'succeeded')).toBe(true);
        break;
      }
      if (Date.now() > deadline) throw new Error(`the generation never noticed its cancellation: ${JSON.stringify(attempts)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 90_000);
});
