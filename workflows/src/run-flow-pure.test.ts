// Pure nodes (version 2 of Pass Through, Text Template, Prompt Template, Condition, Merge) are evaluated
// inside the workflow on the real Temporal dev server: same outputs as their activities (version 1), no
// activity scheduled, every node's state and output in the run record and in its live events, their
// states recorded in waves; a value by reference runs the node as a local activity; a bad param fails
// the run naming node and field; a long pure chain continues as new and carries its outputs.
import { WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEventsChannel } from '../../activities/src/models/model.activities';
import { runFlowInput, startRunFlow, startTestWorker, type TestWorker } from '../../activities/src/testing/test-worker';
import type { RunFlowInput } from '@astra/workflows';
import type { FlowGraph } from './flow/graph';
import { z } from 'zod';
import { runEventSchema } from './flow/api';
import { graphOf, passThroughGrid } from '../../server/src/flows/testing/graphs';

let worker: TestWorker;

beforeAll(async () => {
  worker = await startTestWorker();
});

afterAll(async () => {
  await worker?.stop();
});

const EventType = temporal.api.enums.v1.EventType;
/** A run event as the run-event channel carries it (the stream names the run). */
const channelEvent = z.object({ stream: z.string() }).and(runEventSchema);

const inputFor = runFlowInput;
const start = (input: RunFlowInput) => startRunFlow(worker, input);

/** What the run's history holds: activities scheduled on the task queue, and markers (local activities). */
async function historyOf(workflowId: string) {
  const events = (await worker.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  return {
    activities: events.filter((event) => event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).length,
    markers: events.filter((event) => event.eventType === EventType.EVENT_TYPE_MARKER_RECORDED).length,
  };
}

const recordedNodes = async (runId: string) =>
  Object.fromEntries((await worker.pool.query<{ node_id: string; state: string; outputs: unknown }>('select node_id, state, outputs from run_nodes where run_id = $1', [runId])).rows.map((row) => [row.node_id, { state: row.state, outputs: row.outputs }]));

const ledgerOf = async (runId: string) =>
  (await worker.pool.query<{ node_id: string; outcome: string | null }>('select node_id, outcome from node_executions where run_id = $1 order by id', [runId])).rows;

/** Input → template → condition → merge → prompt template → pass-through → output, plus the template's text as an output; every node at `version`. */
function textFlow(version: number): FlowGraph {
  const pure = (id: string, type: string, params: Record<string, unknown> = {}) => ({ id, type, version, params });
  return graphOf(
    [
      { id: 'in', type: 'io.input', params: { name: 'question' } },
      pure('quote', 'text.template', { template: 'Q: {{input}}' }),
      pure('asks', 'control.condition', { operator: 'matches', value: '\\?$' }),
      pure('join', 'control.merge', { mode: 'list' }),
      pure('prompt', 'models.prompt-template', { system: 'Be brief.', template: 'Answer {{input}}' }),
      pure('same', 'util.pass-through'),
      { id: 'text', type: 'io.output', params: { name: 'text' } },
      { id: 'messages', type: 'io.output', params: { name: 'messages' } },
    ],
    ['in.value>quote.input', 'quote.text>asks.value', 'asks.true>join.a', 'asks.false>join.b', 'quote.text>text.value', 'join.value>prompt.input', 'prompt.messages>same.value', 'same.value>messages.value'],
  );
}

describe('pure nodes inside the workflow', () => {
  it('give the outputs their activities give, schedule no activity, and record every node with its output', async () => {
    const listener = await worker.pool.connect();
    const events: unknown[] = [];
    listener.on('notification', (message) => events.push(JSON.parse(message.payload ?? 'null')));
    await listener.query(`listen ${runEventsChannel}`);
    try {
      const asActivities = inputFor(textFlow(1), { inputs: { question: 'why is the sky blue?' } });
      const inWorkflow = inputFor(textFlow(2), { inputs: { question: 'why is the sky blue?' } });
      const before = await (await start(asActivities)).result();
      const after = await (await start(inWorkflow)).result();
      expect(after).toEqual(before);
      expect(after.outputs).toEqual({
        text: { value: 'Q: why is the sky blue?' },
        messages: { value: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Answer [\n  "Q: why is the sky blue?"\n]' }] },
      });

      const old = await recordedNodes(asActivities.runId);
      const now = await recordedNodes(inWorkflow.runId);
      expect(Object.keys(now).sort()).toEqual(Object.keys(old).sort());
      for (const nodeId of ['quote', 'asks', 'join', 'prompt', 'same']) {
        expect(now[nodeId], nodeId).toEqual({ state: 'succeeded', outputs: old[nodeId]!.outputs });
        expect(now[nodeId]!.outputs, nodeId).not.toBeNull();
      }

      const oldHistory = await historyOf(`run-${asActivities.runId}`);
      const newHistory = await historyOf(`run-${inWorkflow.runId}`);
      expect(oldHistory.activities).toBe(5);
      expect(newHistory.activities).toBe(0);
      // Recorded in waves: fewer local activities (states and the run's end) than nodes.
      expect(newHistory.markers).toBeLessThan(inWorkflow.snapshot.graph.nodes.length);
      expect(await ledgerOf(inWorkflow.runId)).toEqual([]);

      // The live events show every node's final state, the pure ones with their output's preview.
      await new Promise((resolve) => setTimeout(resolve, 200));
      // The channel carries every run's events (other test files run beside this one): this run's only are parsed.
      const ofThisRun = (event: unknown) => typeof event === 'object' && event !== null && 'stream' in event && event.stream === inWorkflow.runId;
      const mine = events.filter(ofThisRun).map((event) => channelEvent.parse(event));
      for (const nodeId of ['quote', 'asks', 'join', 'prompt', 'same']) {
        const final = mine.find((event) => event.type === 'node' && event.nodeId === nodeId && event.state === 'succeeded');
        expect(final, nodeId).toBeDefined();
        expect(final?.type === 'node' ? final.preview : undefined, nodeId).toBeTruthy();
      }
      expect(mine.some((event) => event.type === 'run' && event.status === 'succeeded')).toBe(true);
    } finally {
      listener.release();
    }
  });

  it('run as a local activity when a value is too big to travel inline, and give the same result', async () => {
    const long = 'a long line of text. '.repeat(200);
    const graph = graphOf(
      [
        { id: 'in', type: 'io.input', params: { name: 'text' } },
        { id: 'wrap', type: 'text.template', version: 2, params: { template: '<<{{input}}>>' } },
        { id: 'same', type: 'util.pass-through', version: 2 },
        { id: 'out', type: 'io.output', params: { name: 'text' } },
      ],
      ['in.value>wrap.input', 'wrap.text>same.value', 'same.value>out.value'],
    );
    const input = inputFor(graph, { inputs: { text: long } });
    const result = await (await start(input)).result();
    const out = result.outputs.text!;
    expect('ref' in out).toBe(true);
    const stored = await worker.pool.query<{ value: unknown }>('select value from run_artifacts where id = $1', ['ref' in out ? out.ref : '']);
    expect(stored.rows[0]?.value).toBe(`<<${long}>>`);
    // Both ran through their activity, locally: ledger rows, nothing on the task queue.
    expect(await ledgerOf(input.runId)).toEqual([{ node_id: 'wrap', outcome: 'succeeded' }, { node_id: 'same', outcome: 'succeeded' }]);
    expect((await historyOf(`run-${input.runId}`)).activities).toBe(0);
  });

  it('fail the run at once on a bad param, naming the node and the field', async () => {
    const graph = graphOf(
      [
        { id: 'in', type: 'io.input', params: { name: 'text' } },
        { id: 'check', type: 'control.condition', version: 2, params: { operator: 'longer-than', value: 'many' } },
        { id: 'out', type: 'io.output', params: { name: 'text' } },
      ],
      ['in.value>check.value', 'check.true>out.value'],
    );
    const input = inputFor(graph, { inputs: { text: 'x' } });
    const outcome = await (await start(input)).result().then(() => undefined, (error: unknown) => error);
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    expect((outcome as WorkflowFailedError).cause?.message).toContain('node "check" failed: Condition "check": params.value: "many" is not a number of characters');
    const nodes = await recordedNodes(input.runId);
    expect(nodes.check?.state).toBe('failed');
    expect(nodes.out?.state).toBe('skipped');
  });

  it('continue as new after a budget of pure nodes, carrying the outputs, in waves', async () => {
    const chain = passThroughGrid(1, 450, 2);
    const ends = graphOf(
      [{ id: 'in', type: 'io.input', params: { name: 'text' } }, { id: 'out', type: 'io.output', params: { name: 'text' } }],
      ['in.value>n0_0.value', 'n0_449.value>out.value'],
    );
    const input = inputFor({ nodes: [...ends.nodes, ...chain.nodes], edges: [...ends.edges, ...chain.edges] }, { inputs: { text: 'through' }, continueAsNewAfterPureNodes: 150 });
    const handle = await start(input);
    expect(await handle.result()).toEqual({ status: 'succeeded', outputs: { text: { value: 'through' } } });
    // 450 pure nodes, 150 per execution: the first two continue as new, the third finishes.
    let executions = 0;
    for (let tries = 0; tries < 50 && executions < 3; tries += 1) {
      executions = (await worker.client.workflow.count(`WorkflowId = 'run-${input.runId}'`)).count;
      if (executions < 3) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(executions).toBe(3);
    const states = Object.values(await recordedNodes(input.runId)).map((node) => node.state);
    expect(states).toHaveLength(452);
    expect(states.every((state) => state === 'succeeded')).toBe(true);
  });
});

describe('the first node of a run', () => {
  it('is scheduled in the run\'s first workflow task, with the input it follows recorded by its activity, not by a round trip before it', async () => {
    const graph = graphOf(
      [{ id: 'in', type: 'io.input', params: { name: 'question' } }, { id: 'same', type: 'util.pass-through', version: 1 }, { id: 'out', type: 'io.output', params: { name: 'text' } }],
      ['in.value>same.value', 'same.value>out.value'],
    );
    const input = inputFor(graph, { inputs: { question: 'first' } });
    const result = await (await start(input)).result();
    expect(result.outputs).toEqual({ text: { value: 'first' } });

    const events = (await worker.client.workflow.getHandle(`run-${input.runId}`).fetchHistory()).events ?? [];
    const firstCompleted = events.findIndex((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    const nextTask = events.findIndex((event, i) => i > firstCompleted && event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
    const firstTask = events.slice(firstCompleted, nextTask);
    // What the first workflow task decided: the pass-through's activity, and no local activity held it back.
    expect(firstTask.map((event) => event.eventType)).toContain(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    expect(firstTask.map((event) => event.markerRecordedEventAttributes?.markerName).filter(Boolean)).not.toContain('core_local_activity');
    const nodes = await recordedNodes(input.runId);
    expect(nodes.in).toEqual({ state: 'succeeded', outputs: { value: { value: 'first' } } });
    expect(nodes.same!.state).toBe('succeeded');
    expect(nodes.out!.state).toBe('succeeded');
  });
});
