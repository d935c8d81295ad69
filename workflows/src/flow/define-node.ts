// `defineNode`: a node type declared once, as data. The registry of these specs drives the editor's
// palette and forms, validation on save, notebook builders and the runFlow interpreter.
import type { z } from 'zod';
import type { PortType } from './ports';

export type NodeCategory = 'input-output' | 'sources' | 'rag' | 'models' | 'training' | 'text' | 'control' | 'utility';

export const nodeCategories: Record<NodeCategory, string> = {
  'input-output': 'Input & output',
  sources: 'Sources',
  rag: 'Retrieval',
  models: 'Models',
  training: 'Training',
  text: 'Text',
  control: 'Control',
  utility: 'Utility',
};

export interface PortSpec {
  type: PortType;
  label: string;
  description?: string;
  /** An input the node cannot run without; if its source was skipped, the node is skipped too. Defaults to true. */
  required?: boolean;
}

/** Temporal's duration strings, e.g. '30 seconds', '5 minutes'. */
export type Duration = `${number} ${'millisecond' | 'milliseconds' | 'second' | 'seconds' | 'minute' | 'minutes' | 'hour' | 'hours'}`;

export interface NodeRetry {
  maximumAttempts: number;
  initialInterval: Duration;
  backoffCoefficient: number;
  maximumInterval?: Duration;
}

/** A node run as the named activity on the worker, with these timeouts and retries. */
export interface ActivityRun {
  kind: 'activity';
  activity: string;
  startToCloseTimeout: Duration;
  heartbeatTimeout?: Duration;
  retry: NodeRetry;
  /** The kind of machine its activity needs (see NodeQueue); absent: any worker on the run's own queue. */
  queue?: NodeQueue;
}

/**
 * How a node runs:
 * - `activity`: the named activity on the worker (models, files, Chroma: retries and heartbeats);
 * - `pure`: evaluated inside the workflow by its function in nodes/pure.ts (deterministic, costs no
 *   round trip), or as the named activity run as a local activity when an input arrives by reference
 *   or an output is too big to travel inline;
 * - `inline`: the workflow's own (flow inputs and outputs, and Wait as a durable timer).
 */
export type NodeRun = ActivityRun | (Omit<ActivityRun, 'kind'> & { kind: 'pure' }) | { kind: 'inline' };

export interface NodeSpec<P extends z.ZodObject = z.ZodObject, I extends Record<string, PortSpec> = Record<string, PortSpec>, O extends Record<string, PortSpec> = Record<string, PortSpec>, R extends NodeRun = NodeRun, T extends string = string> {
  /** The type name as a literal, so notebooks' flow builders find a node's params by it. */
  type: T;
  version: number;
  title: string;
  category: NodeCategory;
  description: string;
  inputs: I;
  outputs: O;
  params: P;
  run: R;
  /** Runs when at least one input arrived, even if others were skipped (merge). */
  runsWithSkippedInputs?: boolean;
  /** At most this many nodes of this type run at once within one run (the run's own cap applies too). */
  concurrency?: number;
}

export type AnyNodeSpec = NodeSpec<z.ZodObject, Record<string, PortSpec>, Record<string, PortSpec>>;

/** Declares a node type; the generic parameters keep the params, port names and activity name typed for its activity. */
export function defineNode<P extends z.ZodObject, I extends Record<string, PortSpec>, O extends Record<string, PortSpec>, const R extends NodeRun, const T extends string>(spec: NodeSpec<P, I, O, R, T>): NodeSpec<P, I, O, R, T> {
  return spec;
}

/** The name of the activity a spec runs, as a literal type (never for nodes the workflow runs itself). */
export type ActivityOf<S> = S extends { run: { kind: 'activity' | 'pure'; activity: infer A extends string } } ? A : never;

/**
 * The next version of an activity node, run as a pure node (see NodeRun). A new version, not a changed
 * one: flows saved with the old version, and runs in flight, keep running it as they did (replay).
 */
export function pureVersion<P extends z.ZodObject, I extends Record<string, PortSpec>, O extends Record<string, PortSpec>, const R extends ActivityRun>(spec: NodeSpec<P, I, O, R>, version: number): NodeSpec<P, I, O, Omit<R, 'kind'> & { kind: 'pure' }> {
  if (version <= spec.version) throw new Error(`${spec.type}: a pure version must come after version ${spec.version}`);
  return { ...spec, version, run: { ...spec.run, kind: 'pure' } };
}

/**
 * Task queues a node spec can name so capacity is placed where it is needed: `ingest` (loaders, chunking,
 * embedding, vector writes), `generation` (models answering), `training` (fine-tune, evaluate, export,
 * quantise: a GPU machine). Each is its own task queue, `<the run's queue>-<name>` (see taskQueueFor);
 * a worker serves the ones ASTRA_WORKER_QUEUES lists, `default` being the run's queue itself.
 */
export const nodeQueues = ['ingest', 'generation', 'training'] as const;
export type NodeQueue = (typeof nodeQueues)[number];
export const workerQueues = ['default', ...nodeQueues] as const;
export type WorkerQueue = (typeof workerQueues)[number];

/** The task queue a named node queue has beside the run's queue `main`: `astra` → `astra-training`. */
export function taskQueueFor(main: string, queue: NodeQueue): string {
  return `${main}-${queue}`;
}

/** Where training nodes ran before node queues were derived from the run's queue; runs started then keep it (replay). */
export const legacyTrainingTaskQueue = 'astra-training';

/** The retry policy most activity nodes use: five tries, doubling from one second. */
export const standardRetry: NodeRetry = { maximumAttempts: 5, initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' };
