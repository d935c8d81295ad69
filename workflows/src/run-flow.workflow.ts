// runFlow: the interpreter every flow runs on. It executes a frozen snapshot of a flow version: nodes
// in dependency order, independent branches in parallel, each node as the activity its spec names
// with the spec's timeouts and retries. Values travel by reference (see PortValue), so history stays
// small, and a long flow continues as new carrying only what is done.
import {
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '@astra/activities';
import type { AnyNodeSpec } from './flow/define-node';
import { incomingEdges } from './flow/plan';
import type { FlowNode } from './flow/graph';
import type { NodeRequest, NodeResult, NodeState, NodeStateRecord, PortValue, RunFlowInput, RunFlowResult } from './flow/run-types';
import { findNodeSpec } from './nodes/registry';

const bookkeeping = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumAttempts: 20 },
});

type NodeActivity = (request: NodeRequest) => Promise<NodeResult>;
const proxies = new Map<string, Record<string, NodeActivity>>();

function activityFor(spec: AnyNodeSpec): NodeActivity {
  if (spec.run.kind !== 'activity') throw new Error(`${spec.type} runs inline`);
  const key = `${spec.type}@${spec.version}`;
  let proxy = proxies.get(key);
  if (!proxy) {
    const options: ActivityOptions = {
      startToCloseTimeout: spec.run.startToCloseTimeout,
      retry: { ...spec.run.retry, nonRetryableErrorTypes: ['InvalidNodeParams'] },
      ...(spec.run.heartbeatTimeout ? { heartbeatTimeout: spec.run.heartbeatTimeout } : {}),
    };
    proxy = proxyActivities<Record<string, NodeActivity>>(options);
    proxies.set(key, proxy);
  }
  return proxy[spec.run.activity]!;
}

/** The message of a failed activity's root cause, which is what a person can act on. */
function messageOf(error: unknown): string {
  let cause: unknown = error;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(error);
}

const finalStates: NodeState[] = ['succeeded', 'failed', 'skipped', 'cached', 'cancelled'];
const defaultContinueAsNewAfter = 20_000;

export async function runFlow(input: RunFlowInput): Promise<RunFlowResult> {
  const { graph } = input.snapshot;
  const specs = new Map<string, AnyNodeSpec>();
  for (const node of graph.nodes) {
    const spec = findNodeSpec(node.type, node.version);
    if (!spec) throw ApplicationFailure.nonRetryable(`node "${node.id}": no node type "${node.type}" at version ${node.version} on this worker`, 'UnknownNodeType');
    specs.set(node.id, spec);
  }
  const types = Object.fromEntries(graph.nodes.map((node) => [node.id, node.type]));
  const incoming = incomingEdges(graph);
  const outputs: Record<string, Record<string, PortValue>> = { ...input.carried?.outputs };
  const done: Record<string, NodeState> = { ...input.carried?.done };
  const runOutputs: Record<string, PortValue> = {};
  const running = new Map<string, Promise<{ nodeId: string; result?: NodeResult; error?: unknown }>>();
  const pendingRecords: NodeStateRecord[] = [];
  let failure: { nodeId: string; message: string } | undefined;
  const continueAfter = input.continueAsNewAfterEvents ?? defaultContinueAsNewAfter;

  const flush = async () => {
    if (pendingRecords.length === 0) return;
    const records = pendingRecords.splice(0);
    await bookkeeping.recordNodeStates({ runId: input.runId, types, records });
  };
  const settle = (nodeId: string, state: NodeState, extra: Omit<NodeStateRecord, 'nodeId' | 'state'> = {}) => {
    done[nodeId] = state;
    pendingRecords.push({ nodeId, state, ...extra });
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

  const runInline = (node: FlowNode, spec: AnyNodeSpec, values: Record<string, PortValue>): Record<string, PortValue> => {
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
      case 'io.chat-input':
        return { message: { value: input.inputs.message ?? '' } };
      case 'io.output':
      case 'io.chat-output': {
        const [value] = Object.values(values);
        if (value) runOutputs[node.type === 'io.output' ? String(params.name) : 'message'] = value;
        return {};
      }
      default:
        throw ApplicationFailure.nonRetryable(`node "${node.id}": ${node.type} has no inline implementation`, 'UnknownNodeType');
    }
  };

  const schedule = () => {
    for (const node of graph.nodes) {
      if (done[node.id] || running.has(node.id)) continue;
      const edges = incoming.get(node.id) ?? [];
      if (!edges.every((edge) => done[edge.source] && finalStates.includes(done[edge.source]!))) continue;
      const spec = specs.get(node.id)!;
      const values = gather(node);
      const reused = input.reuse?.[node.id];
      if (reused) {
        outputs[node.id] = reused;
        settle(node.id, 'cached', { outputs: reused });
        continue;
      }
      // Skipped when nothing reached it (its sources were skipped or sent nothing, like a condition's other
      // branch), or a required input is missing, unless it joins branches (merge).
      const nothingArrived = edges.length > 0 && Object.keys(values).length === 0;
      const missingRequired = Object.entries(spec.inputs).some(([port, declared]) => declared.required !== false && !values[port]);
      if (nothingArrived || (missingRequired && !spec.runsWithSkippedInputs)) {
        settle(node.id, 'skipped');
        continue;
      }
      if (failure) continue;
      if (spec.run.kind === 'inline') {
        outputs[node.id] = runInline(node, spec, values);
        settle(node.id, 'succeeded', { outputs: outputs[node.id] });
        continue;
      }
      const request: NodeRequest = { runId: input.runId, ownerId: input.ownerId, nodeId: node.id, type: node.type, version: node.version, params: node.params, inputs: values };
      running.set(node.id, activityFor(spec)(request).then((result) => ({ nodeId: node.id, result }), (error: unknown) => ({ nodeId: node.id, error })));
    }
  };

  try {
    for (;;) {
      const historyFull = workflowInfo().historyLength > continueAfter || workflowInfo().continueAsNewSuggested;
      if (!historyFull) schedule();
      await flush();
      if (running.size === 0) {
        if (historyFull && graph.nodes.some((node) => !done[node.id])) {
          await continueAsNew<typeof runFlow>({ ...input, carried: { outputs, done } });
        }
        break;
      }
      const finished = await Promise.race(running.values());
      running.delete(finished.nodeId);
      if (finished.result) {
        outputs[finished.nodeId] = finished.result.outputs;
        done[finished.nodeId] = 'succeeded';
      } else {
        if (isCancellation(finished.error)) throw finished.error;
        const message = messageOf(finished.error);
        settle(finished.nodeId, 'failed', { error: message });
        failure ??= { nodeId: finished.nodeId, message };
      }
    }
    // Nodes never reached because an upstream node failed.
    for (const node of graph.nodes) if (!done[node.id]) settle(node.id, 'skipped', { error: failure ? `not run: "${failure.nodeId}" failed` : 'not reached' });
    await flush();
  } catch (error) {
    if (!isCancellation(error)) throw error;
    await CancellationScope.nonCancellable(async () => {
      for (const node of graph.nodes) if (!done[node.id]) settle(node.id, 'cancelled');
      await flush();
      await bookkeeping.finishRun({ runId: input.runId, status: 'cancelled', outputs: runOutputs, error: 'cancelled' });
    });
    throw error;
  }

  if (failure) {
    await bookkeeping.finishRun({ runId: input.runId, status: 'failed', outputs: runOutputs, error: `node "${failure.nodeId}": ${failure.message}` });
    throw ApplicationFailure.nonRetryable(`node "${failure.nodeId}" failed: ${failure.message}`, 'NodeFailed', { nodeId: failure.nodeId });
  }
  await bookkeeping.finishRun({ runId: input.runId, status: 'succeeded', outputs: runOutputs, error: null });
  return { status: 'succeeded', outputs: runOutputs };
}
