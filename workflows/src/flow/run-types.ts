// What runFlow and the node activities exchange, and the events a run publishes. Values stay small:
// anything bigger than `inlineValueBytes` is stored by the activity and travels as a reference.
import type { FlowSnapshot } from './graph';
import type { FlowMessage } from './ports';
import type { TrainingPoint } from './api';

/** A port value as it travels through workflow history: inline when small, else a reference to a stored artifact. */
export type PortValue = { value: unknown } | { ref: string; bytes: number; preview: string };

/** JSON larger than this is stored in Postgres and passed by reference. */
export const inlineValueBytes = 2048;

export type NodeState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cached' | 'cancelled';
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface NodeRequest {
  runId: string;
  ownerId: string;
  nodeId: string;
  type: string;
  version: number;
  params: Record<string, unknown>;
  inputs: Record<string, PortValue>;
  /**
   * Final states the workflow settled itself (flow inputs, skipped nodes) since it last recorded any: the
   * activity writes them as it starts, so starting a node never waits on a bookkeeping round trip first.
   */
  states?: { types: Record<string, string>; records: NodeStateRecord[] };
}

export interface NodeResult {
  /** Only the ports that produced a value; an absent port skips what hangs off it (condition branches). */
  outputs: Record<string, PortValue>;
}

/** A node's recorded state, as the workflow hands it to `recordNodeStates`. */
export interface NodeStateRecord {
  nodeId: string;
  state: NodeState;
  error?: string;
  outputs?: Record<string, PortValue>;
}

export interface RunFlowInput {
  runId: string;
  ownerId: string;
  snapshot: FlowSnapshot;
  inputs: Record<string, string>;
  /** A chat turn's conversation before this message (Chat Input hands it on as `history` and, with the message, `messages`). */
  chat?: { history: FlowMessage[] };
  /** Outputs recorded by an earlier run, reused instead of running those nodes again (re-run from a node). */
  reuse?: Record<string, Record<string, PortValue>>;
  /** Carried across continue-as-new: a reference to the stored RunFlowState, so the payload stays small whatever the graph. */
  carried?: { ref: string };
  /** History events after which the run continues as new (Temporal suggests it on its own too). */
  continueAsNewAfterEvents?: number;
  /** Pure nodes after which the run continues as new (defaultContinueAsNewAfterPureNodes when absent). */
  continueAsNewAfterPureNodes?: number;
  /** How many nodes of this run may run at once (defaultRunConcurrency when absent). */
  maxConcurrentNodes?: number;
}

/** Pure nodes one execution evaluates before it continues as new, so its memory and a replay of it stay bounded. */
export const defaultContinueAsNewAfterPureNodes = 1000;

/** Nodes of one run running at once unless the run asks otherwise: enough for parallel branches, not a flood on two cores. */
export const defaultRunConcurrency = 4;

/** Everything a run needs to go on exactly as an uninterrupted one, stored at continue-as-new. */
export interface RunFlowState {
  /** Outputs of finished nodes that unfinished nodes still read. */
  outputs: Record<string, Record<string, PortValue>>;
  done: Record<string, NodeState>;
  /** The run's named results (Output nodes) so far. */
  runOutputs: Record<string, PortValue>;
  failure?: { nodeId: string; message: string };
}

/** A run that ends returns this; a failed run fails its workflow (ApplicationFailure 'NodeFailed') instead. */
export interface RunFlowResult {
  status: 'succeeded';
  outputs: Record<string, PortValue>;
}

/** The events a run publishes on the run-event channel, streamed to every surface. */
export type RunEvent =
  | { stream: string; type: 'node'; nodeId: string; state: NodeState; attempt?: number; at: string; error?: string; preview?: string }
  | { stream: string; type: 'progress'; nodeId: string; done: number; total: number; unit: string }
  | { stream: string; type: 'log'; nodeId: string; level: 'info' | 'warn' | 'error'; message: string; at: string }
  | { stream: string; type: 'token'; nodeId: string; text: string; seq: number }
  | { stream: string; type: 'run'; status: RunStatus; at: string; error?: string }
  | { stream: string; type: 'training'; nodeId: string; point: TrainingPoint };

export type { FlowSnapshot };
