// runFlow: the interpreter every flow runs on. It executes a frozen snapshot of a flow version: nodes
// in dependency order, independent branches in parallel up to a cap, each node as its spec says: an
// activity with the spec's timeouts and retries, a pure node evaluated here (its states recorded in
// one local activity per wave), or the workflow's own (inputs, outputs, Wait as a timer). Values
// travel by reference (see PortValue), so history stays small, and a long flow continues as new
// carrying a reference to its state. Every way the workflow can end is written to the run record first.
import {
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  TemporalFailure,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '@astra/activities';
import { legacyTrainingTaskQueue, taskQueueFor, type ActivityRun, type AnyNodeSpec } from './flow/define-node';
import { incomingEdges } from './flow/plan';
import type { FlowEdge, FlowNode } from './flow/graph';
import {
  defaultContinueAsNewAfterPureNodes,
  defaultRunConcurrency,
  type NodeRequest,
  type NodeResult,
  type NodeState,
  type NodeStateRecord,
  inlineValueBytes,
  type PortValue,
  type RunFlowInput,
  type RunFlowResult,
  type RunFlowState,
} from './flow/run-types';
import { NodeParamError, pureEvaluatorFor } from './nodes/pure';
import { findNodeSpec } from './nodes/registry';

// Bookkeeping retries for as long as the database is away (an outage is not the run's fault); errors
// that would repeat (bad data) are non-retryable in the activity itself.
const bookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

type NodeActivity = (request: NodeRequest) => Promise<NodeResult>;
const proxies = new Map<string, Record<string, NodeActivity>>();

/**
 * Node queues (ingest, generation, training) are task queues beside the run's own. Runs started before
 * them scheduled only training apart, on one fixed queue; they keep doing so on replay (no marker).
 */
const nodeQueuesPatch = 'node-task-queues';

/** The task queue an activity node is scheduled on; undefined: the run's own. */
function taskQueueOf(run: ActivityRun, derivedQueues: boolean): string | undefined {
  if (!run.queue) return undefined;
  if (derivedQueues) return taskQueueFor(workflowInfo().taskQueue, run.queue);
  return run.queue === 'training' ? legacyTrainingTaskQueue : undefined;
}

/** The node's activity: on its task queue for activity nodes, a local activity for a pure node's values by reference. */
function activityFor(spec: AnyNodeSpec, run: ActivityRun | (Omit<ActivityRun, 'kind'> & { kind: 'pure' }), derivedQueues: boolean): NodeActivity {
  const taskQueue = run.kind === 'activity' ? taskQueueOf(run, derivedQueues) : undefined;
  const key = `${spec.type}@${spec.version}@${taskQueue ?? ''}`;
  let proxy = proxies.get(key);
  if (!proxy) {
    const options: ActivityOptions = {
      startToCloseTimeout: run.startToCloseTimeout,
      retry: { ...run.retry, nonRetryableErrorTypes: ['InvalidNodeParams'] },
      ...(run.heartbeatTimeout && run.kind === 'activity' ? { heartbeatTimeout: run.heartbeatTimeout } : {}),
      ...(taskQueue ? { taskQueue } : {}),
    };
    proxy = run.kind === 'pure' ? proxyLocalActivities<Record<string, NodeActivity>>(options) : proxyActivities<Record<string, NodeActivity>>(options);
    proxies.set(key, proxy);
  }
  return proxy[run.activity]!;
}

/** The message of a failure's root cause, which is what a person can act on. */
function messageOf(error: unknown): string {
  let cause: unknown = error;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(error);
}

/** A params problem as the activities word it: `params.<field>: <message>`. */
function paramsProblem(spec: AnyNodeSpec, node: FlowNode): string | undefined {
  const parsed = spec.params.safeParse(node.params);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  return `${spec.title} "${node.id}": params.${issue.path.map(String).join('.') || '(params)'}: ${issue.message}`;
}

const finalStates: ReadonlySet<NodeState> = new Set(['succeeded', 'failed', 'skipped', 'cached', 'cancelled']);
const defaultContinueAsNewAfter = 20_000;
/** Pure nodes evaluated between two records of their states (one local activity; its payload stays well under the limits). */
const pureWave = 200;

type PureOutcome = { outputs: Record<string, PortValue> } | { problem: string };

/**
 * A pure node evaluated here, or undefined when it must run as its activity: an input arrived by
 * reference (only an activity can read it) or an output is too big to travel inline.
 */
function evaluatePure(spec: AnyNodeSpec, node: FlowNode, values: Record<string, PortValue>): PureOutcome | undefined {
  const evaluate = pureEvaluatorFor(node.type);
  if (!evaluate) return { problem: `${spec.title} "${node.id}": ${node.type} has no pure implementation on this worker` };
  const inputs: Record<string, unknown> = {};
  for (const [port, value] of Object.entries(values)) {
    if (!('value' in value)) return undefined;
    inputs[port] = value.value;
  }
  let produced: Record<string, unknown>;
  try {
    produced = evaluate(spec.params.parse(node.params), inputs);
  } catch (error) {
    const field = error instanceof NodeParamError ? `params.${error.field}: ` : '';
    return { problem: `${spec.title} "${node.id}": ${field}${messageOf(error)}` };
  }
  const outputs: Record<string, PortValue> = {};
  for (const [port, value] of Object.entries(produced)) {
    if (value === undefined) continue;
    const json = JSON.stringify(value) ?? 'null';
    if (json.length > inlineValueBytes) return undefined;
    outputs[port] = { value: JSON.parse(json) as unknown };
  }
  return { outputs };
}

type Settled = { nodeId: string; outputs?: Record<string, PortValue>; error?: unknown };

export async function runFlow(input: RunFlowInput): Promise<RunFlowResult> {
  let outputs: RunFlowState['outputs'] = {};
  let done: RunFlowState['done'] = {};
  let runOutputs: RunFlowState['runOutputs'] = {};
  let failure: RunFlowState['failure'];
  const pendingRecords: NodeStateRecord[] = [];
  // Final states handed to a starting node's activity to write (see NodeRequest.states); written again with
  // the run's last records, in case that activity never got to start.
  const handedOff: NodeStateRecord[] = [];
  const statesRideWithNodes = patched('node-requests-carry-states');

  try {
    // Asked once, before the first command, so every node of this execution is placed the same way.
    const derivedQueues = patched(nodeQueuesPatch);
    if (input.carried) ({ outputs, done, runOutputs, failure } = await bookkeeping.loadRunState({ ref: input.carried.ref }));
    const { graph } = input.snapshot;
    const order = new Map(graph.nodes.map((node, i) => [node.id, i]));
    const specs = new Map<string, AnyNodeSpec>();
    for (const node of graph.nodes) {
      const spec = findNodeSpec(node.type, node.version);
      if (!spec) throw ApplicationFailure.nonRetryable(`node "${node.id}": no node type "${node.type}" at version ${node.version} on this worker`, 'UnknownNodeType');
      specs.set(node.id, spec);
    }
    const types = Object.fromEntries(graph.nodes.map((node) => [node.id, node.type]));
    const incoming = incomingEdges(graph);
    const outgoing = new Map<string, FlowEdge[]>(graph.nodes.map((node) => [node.id, []]));
    for (const edge of graph.edges) outgoing.get(edge.source)?.push(edge);
    const maxRunning = Math.max(1, input.maxConcurrentNodes ?? defaultRunConcurrency);
    const continueAfter = input.continueAsNewAfterEvents ?? defaultContinueAsNewAfter;
    const continueAfterPure = Math.max(1, input.continueAsNewAfterPureNodes ?? defaultContinueAsNewAfterPureNodes);
    let pureEvaluated = 0;
    let pureThisWave = 0;

    const running = new Map<string, { type: string; scope: CancellationScope; settled: Promise<Settled> }>();
    // Nodes whose sources are all final, in graph order so scheduling is the same on every replay.
    const waitingOn = new Map<string, number>();
    const ready = new Set<string>();
    const consider = (nodeId: string) => {
      if (!done[nodeId] && !running.has(nodeId) && waitingOn.get(nodeId) === 0) ready.add(nodeId);
    };
    for (const node of graph.nodes) {
      waitingOn.set(node.id, (incoming.get(node.id) ?? []).filter((edge) => !finalStates.has(done[edge.source] ?? 'pending')).length);
      consider(node.id);
    }

    const record = (nodeId: string, state: NodeState, extra: Omit<NodeStateRecord, 'nodeId' | 'state'> = {}) => {
      pendingRecords.push({ nodeId, state, ...extra });
    };
    /** A node reached a final state: what waits on it may become ready. */
    const markDone = (nodeId: string, state: NodeState) => {
      done[nodeId] = state;
      for (const edge of outgoing.get(nodeId) ?? []) {
        waitingOn.set(edge.target, waitingOn.get(edge.target)! - 1);
        consider(edge.target);
      }
    };
    const settle = (nodeId: string, state: NodeState, extra: Omit<NodeStateRecord, 'nodeId' | 'state'> = {}) => {
      markDone(nodeId, state);
      record(nodeId, state, extra);
    };
    /** A node finished with these outputs; activities record their own success, inline nodes are recorded here. */
    const succeed = (nodeId: string, produced: Record<string, PortValue>) => {
      outputs[nodeId] = produced;
      if (specs.get(nodeId)!.run.kind === 'inline') settle(nodeId, 'succeeded', { outputs: produced });
      else markDone(nodeId, 'succeeded');
    };
    const flush = async () => {
      if (pendingRecords.length === 0) return;
      const records = pendingRecords.splice(0);
      await bookkeeping.recordNodeStates({ runId: input.runId, types, records });
    };
    const fail = (nodeId: string, message: string) => {
      settle(nodeId, 'failed', { error: message });
      failure ??= { nodeId, message };
    };

    /** The node's inputs from what its sources produced; an input is absent when its source was skipped or sent nothing on that port. */
    const gather = (node: FlowNode) => {
      const values: Record<string, PortValue> = {};
      for (const edge of incoming.get(node.id) ?? []) {
        const value = outputs[edge.source]?.[edge.sourcePort];
        if (value) values[edge.targetPort] = value;
      }
      return values;
    };

    /** Nodes the workflow evaluates itself: flow inputs and outputs at once, Wait as a durable timer. */
    const runInline = async (node: FlowNode, spec: AnyNodeSpec, values: Record<string, PortValue>): Promise<Record<string, PortValue>> => {
      const params = spec.params.parse(node.params) as Record<string, unknown>;
      switch (node.type) {
        case 'io.input': {
          const name = String(params.name);
          const given = input.inputs[name] ?? (typeof params.default === 'string' ? params.default : undefined);
          if ((given === undefined || given === '') && params.required !== false) {
            throw ApplicationFailure.nonRetryable(`Input "${node.id}": the run needs a value for "${name}"`, 'MissingInput');
          }
          return { value: { value: given ?? '' } };
        }
        case 'io.chat-input': {
          const message = input.inputs.message ?? '';
          const history = input.chat?.history ?? [];
          return { message: { value: message }, history: { value: history }, messages: { value: [...history, { role: 'user', content: message }] } };
        }
        case 'io.output':
        case 'io.chat-output': {
          const [value] = Object.values(values);
          if (value) runOutputs[node.type === 'io.output' ? String(params.name) : 'message'] = value;
          return {};
        }
        case 'util.wait':
          await sleep(Number(params.milliseconds));
          return { value: values.value ?? { value: null } };
        default:
          throw ApplicationFailure.nonRetryable(`node "${node.id}": ${node.type} has no inline implementation`, 'UnknownNodeType');
      }
    };

    /** The final states recorded so far, for an activity that is starting to write (they change no more). */
    const statesToHandOff = (): NodeRequest['states'] => {
      if (!statesRideWithNodes || pendingRecords.length === 0 || !pendingRecords.every((entry) => finalStates.has(entry.state))) return undefined;
      const records = pendingRecords.splice(0);
      handedOff.push(...records);
      return { types: Object.fromEntries(records.map((entry) => [entry.nodeId, types[entry.nodeId]!])), records };
    };
    const start = (node: FlowNode, spec: AnyNodeSpec, values: Record<string, PortValue>) => {
      const scope = new CancellationScope();
      const { run } = spec;
      const states = run.kind === 'inline' ? undefined : statesToHandOff();
      const work: Promise<Record<string, PortValue>> = run.kind === 'inline'
        ? scope.run(() => runInline(node, spec, values))
        : scope.run(() => activityFor(spec, run, derivedQueues)({ runId: input.runId, ownerId: input.ownerId, nodeId: node.id, type: node.type, version: node.version, params: node.params, inputs: values, ...(states ? { states } : {}) }).then((result) => result.outputs));
      const settled = work.then((produced): Settled => ({ nodeId: node.id, outputs: produced }), (error: unknown): Settled => ({ nodeId: node.id, error }));
      running.set(node.id, { type: node.type, scope, settled });
    };

    const runningOfType = (type: string) => [...running.values()].filter((entry) => entry.type === type).length;

    /** Starts what is ready; nodes settled on the spot (cached, skipped, pure) can ready others, so it goes round until none are. */
    const schedule = () => {
      pureThisWave = 0;
      while (scheduleReady() && !failure);
    };

    /** One pass over the ready nodes; true when it settled some on the spot. */
    const scheduleReady = (): boolean => {
      let settledHere = false;
      for (const nodeId of [...ready].sort((a, b) => order.get(a)! - order.get(b)!)) {
        if (failure) return settledHere;
        const node = graph.nodes[order.get(nodeId)!]!;
        const spec = specs.get(nodeId)!;
        const edges = incoming.get(nodeId) ?? [];
        const values = gather(node);
        const reused = input.reuse?.[nodeId];
        if (reused) {
          ready.delete(nodeId);
          outputs[nodeId] = reused;
          settle(nodeId, 'cached', { outputs: reused });
          settledHere = true;
          continue;
        }
        // Skipped when nothing reached it (its sources were skipped or sent nothing, like a condition's other
        // branch), or a required input is missing, unless it joins branches (merge).
        const nothingArrived = edges.length > 0 && Object.keys(values).length === 0;
        const missingRequired = Object.entries(spec.inputs).some(([port, declared]) => declared.required !== false && !values[port]);
        if (nothingArrived || (missingRequired && !spec.runsWithSkippedInputs)) {
          ready.delete(nodeId);
          settle(nodeId, 'skipped');
          settledHere = true;
          continue;
        }
        const problem = paramsProblem(spec, node);
        if (problem) {
          ready.delete(nodeId);
          fail(nodeId, problem);
          return settledHere;
        }
        if (spec.run.kind === 'pure') {
          // Left ready for the next wave (after this one's states are recorded) or the next execution.
          if (pureThisWave >= pureWave || pureEvaluated >= continueAfterPure) continue;
          const outcome = evaluatePure(spec, node, values);
          if (outcome) {
            ready.delete(nodeId);
            pureEvaluated += 1;
            pureThisWave += 1;
            if ('problem' in outcome) {
              fail(nodeId, outcome.problem);
              return settledHere;
            }
            outputs[nodeId] = outcome.outputs;
            settle(nodeId, 'succeeded', { outputs: outcome.outputs });
            settledHere = true;
            continue;
          }
          // A value by reference: the node runs as its activity, locally (it counts toward the caps like any other).
        }
        if (running.size >= maxRunning) continue;
        if (spec.concurrency !== undefined && runningOfType(node.type) >= spec.concurrency) continue;
        ready.delete(nodeId);
        if (spec.run.kind === 'inline' && node.type !== 'util.wait') {
          // Flow inputs and outputs cost nothing: evaluated at once, recorded with the next batch of states.
          start(node, spec, values);
          continue;
        }
        if (spec.run.kind === 'inline') record(nodeId, 'running');
        start(node, spec, values);
      }
      return settledHere;
    };

    /** On a failure, nodes still running are cancelled and the rest are not started (the documented policy). */
    const stopRunning = async (reason: string) => {
      for (const entry of running.values()) entry.scope.cancel();
      for (const [nodeId, entry] of [...running]) {
        const settledNode = await entry.settled;
        running.delete(nodeId);
        if (settledNode.outputs) succeed(nodeId, settledNode.outputs);
        else settle(nodeId, 'cancelled', { error: reason });
      }
    };

    for (;;) {
      const historyFull = workflowInfo().historyLength > continueAfter || workflowInfo().continueAsNewSuggested || pureEvaluated >= continueAfterPure;
      if (!historyFull) schedule();
      await flush();
      if (running.size === 0) {
        // A wave of pure nodes was cut short: its states are recorded now, the next wave goes on.
        if (!historyFull && !failure && ready.size > 0) continue;
        if (historyFull && !failure && graph.nodes.some((node) => !done[node.id])) {
          // Only what unfinished nodes still read is carried; the rest is in the run record already.
          const needed: RunFlowState['outputs'] = {};
          for (const [nodeId, produced] of Object.entries(outputs)) {
            if ((outgoing.get(nodeId) ?? []).some((edge) => !done[edge.target])) needed[nodeId] = produced;
          }
          const { ref } = await bookkeeping.saveRunState({ runId: input.runId, state: { outputs: needed, done, runOutputs, ...(failure ? { failure } : {}) } });
          await continueAsNew<typeof runFlow>({ ...input, carried: { ref } });
        }
        break;
      }
      const finished = await Promise.race([...running.values()].map((entry) => entry.settled));
      running.delete(finished.nodeId);
      if (finished.outputs) succeed(finished.nodeId, finished.outputs);
      else {
        if (isCancellation(finished.error) && CancellationScope.current().consideredCancelled) throw finished.error;
        fail(finished.nodeId, messageOf(finished.error));
        await stopRunning(`cancelled: "${finished.nodeId}" failed`);
      }
    }
    // Nodes never reached because an upstream node failed.
    for (const node of graph.nodes) if (!done[node.id]) settle(node.id, 'skipped', { error: failure ? `not run: "${failure.nodeId}" failed` : 'not reached' });
    if (failure) pendingRecords.unshift(...handedOff.splice(0));
    await flush();

    if (failure) {
      await bookkeeping.finishRun({ runId: input.runId, status: 'failed', outputs: runOutputs, error: `node "${failure.nodeId}": ${failure.message}` });
      throw ApplicationFailure.nonRetryable(`node "${failure.nodeId}" failed: ${failure.message}`, 'NodeFailed', { nodeId: failure.nodeId });
    }
    await bookkeeping.finishRun({ runId: input.runId, status: 'succeeded', outputs: runOutputs, error: null });
    return { status: 'succeeded', outputs: runOutputs };
  } catch (error) {
    if (error instanceof ContinueAsNew) throw error;
    if (error instanceof ApplicationFailure && error.type === 'NodeFailed') throw error;
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(async () => {
        pendingRecords.unshift(...handedOff.splice(0));
        for (const node of input.snapshot.graph.nodes) if (!done[node.id]) pendingRecords.push({ nodeId: node.id, state: 'cancelled' });
        await bookkeeping.recordNodeStates({ runId: input.runId, types: Object.fromEntries(input.snapshot.graph.nodes.map((node) => [node.id, node.type])), records: pendingRecords.splice(0) });
        await bookkeeping.finishRun({ runId: input.runId, status: 'cancelled', outputs: runOutputs, error: 'cancelled' });
      });
      throw error;
    }
    // Anything else (a bug, bookkeeping that keeps failing) fails the run, never the workflow task, which
    // Temporal would retry forever; the run record says why if it can still be written.
    const message = messageOf(error);
    await CancellationScope.nonCancellable(() => bookkeeping.finishRun({ runId: input.runId, status: 'failed', outputs: runOutputs, error: message })).catch(() => undefined);
    if (error instanceof TemporalFailure) throw error;
    throw ApplicationFailure.nonRetryable(`runFlow failed: ${message}`, 'RunFlowError');
  }
}
