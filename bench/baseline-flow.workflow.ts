// The baseline `npm run bench:flow` measures runFlow against: the same pass-through activity called
// directly, node after node, with the options runFlow gives it (util.pass-through's spec), and nothing
// else: no graph, no scheduling, no run bookkeeping.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '@astra/activities';
import { nodeSpecs, type PortValue } from '@astra/workflows/flow';

const spec = nodeSpecs.noopNode;
if (spec.run.kind !== 'activity') throw new Error(`${spec.type} no longer runs as an activity`);
const { nodePassThrough } = proxyActivities<Pick<Activities, 'nodePassThrough'>>({
  startToCloseTimeout: spec.run.startToCloseTimeout,
  retry: { ...spec.run.retry, nonRetryableErrorTypes: ['InvalidNodeParams'] },
});

export interface BaselineFlowInput {
  runId: string;
  ownerId: string;
  /** The chain's node ids, in order; each node's value feeds the next. */
  nodeIds: string[];
}

export async function baselineFlow(input: BaselineFlowInput): Promise<PortValue | null> {
  let value: PortValue | undefined;
  for (const nodeId of input.nodeIds) {
    const result = await nodePassThrough({ runId: input.runId, ownerId: input.ownerId, nodeId, type: spec.type, version: spec.version, params: {}, inputs: value ? { value } : {} });
    value = result.outputs.value;
  }
  return value ?? null;
}
