// The one way every surface starts and follows runs: the runs API, chat turns of published apps,
// the OpenAI- and Ollama-compatible APIs, schedules and notebooks all come through here.
import { randomUUID } from 'node:crypto';
import { findNodeSpec, incomingEdges, runEventSchema, sameComputation, validateFlow, type FlowGraph, type FlowMessage, type FlowProblem, type PortValue, type RunEventMessage, type RunFlowInput } from '@astra/workflows/flow';
import { z } from 'zod';
import type { AppDeps } from '../app-types';
import type { Principal } from '../auth/credentials-repo';
import type { FlowRecord, FlowVersionRecord } from './flows-repo';
import type { RunRecord } from './runs-repo';

export type RunRefusal = { refused: 403 | 404 | 422; error: string; problems?: FlowProblem[] };

export interface StartRunRequest {
  flowId: string;
  version?: number;
  inputs: Record<string, string>;
  /** The conversation so far, for flows with a Chat Input (the turn's own message is inputs.message). */
  chat?: { history: FlowMessage[] };
  /**
   * Set when the caller was authorised by something other than the flow's own sharing (a published
   * app): the run then reads this version of the flow whoever owns it, and its nodes work with the
   * flow owner's data (the collections the publisher chose); the run itself is the caller's to see.
   */
  authorisedBy?: 'app';
  /** The flow and version when the caller has read them already (a chat turn), so the start does not read them again. */
  known?: { flow: FlowRecord; version: FlowVersionRecord };
  reuse?: (graph: FlowGraph, values: Record<string, string>) => Promise<RunFlowInput['reuse']>;
  rerunOf?: string;
  fromNode?: string;
}

const inputParams = z.object({ name: z.string(), default: z.string().optional(), required: z.boolean() });

/** The names of the run inputs a graph takes: one per Input node, and "message" for a Chat Input. */
export function inputNames(graph: FlowGraph): string[] {
  const names: string[] = [];
  for (const node of graph.nodes) {
    if (node.type === 'io.chat-input') names.push('message');
    if (node.type === 'io.input') names.push(inputParams.parse(findNodeSpec(node.type, node.version)!.params.parse(node.params)).name);
  }
  return names;
}

/** The value each Input node would give for these run inputs; a required one left empty is a problem. */
export function inputValues(graph: FlowGraph, inputs: Record<string, string>): { values: Record<string, string>; problems: FlowProblem[] } {
  const values: Record<string, string> = {};
  const problems: FlowProblem[] = [];
  for (const node of graph.nodes) {
    if (node.type !== 'io.input') continue;
    const params = inputParams.parse(findNodeSpec(node.type, node.version)!.params.parse(node.params));
    const value = inputs[params.name] ?? params.default ?? '';
    if (value === '' && params.required) problems.push({ code: 'missing-input', nodeId: node.id, path: 'params.name', message: `the run needs a value for input "${params.name}"` });
    values[node.id] = value;
  }
  const names = inputNames(graph);
  for (const name of Object.keys(inputs)) {
    if (!names.includes(name)) problems.push({ code: 'unknown-input', path: `inputs.${name}`, message: `the flow has no input "${name}" (it takes ${names.join(', ') || 'none'})` });
  }
  return { values, problems };
}

/** The models a graph's nodes call: every node parameter named model or baseModel. */
export function modelsIn(graph: FlowGraph): string[] {
  const names = new Set<string>();
  for (const node of graph.nodes) {
    const params = modelParams.safeParse(findNodeSpec(node.type, node.version)?.params.safeParse(node.params).data);
    if (!params.success) continue;
    if (params.data.model) names.add(params.data.model);
    if (params.data.baseModel) names.add(params.data.baseModel);
  }
  return [...names];
}
const modelParams = z.looseObject({ model: z.string().optional(), baseModel: z.string().optional() });

/** A live event of one run, as the run-event channel carries it, parsed with its contract. */
export type LiveRunEvent = RunEventMessage;

export function createRunService(deps: AppDeps) {
  // The Temporal UI shows every user's runs, so only admins are linked to it.
  const temporalUrl = (run: RunRecord, viewer: Pick<Principal, 'role'>) => (deps.env.TEMPORAL_UI_URL && viewer.role === 'admin' ? `${deps.env.TEMPORAL_UI_URL.replace(/\/$/, '')}/namespaces/${encodeURIComponent(deps.env.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(run.workflowId)}` : null);

  const summary = ({ id, flowId, flowName, version, status, startedAt, finishedAt, rerunOf, fromNode, inputs, ranBy }: RunRecord) => ({ id, flowId, flowName, version, status, startedAt, finishedAt, rerunOf, fromNode, inputs, ranBy });

  /** Run outputs as a person reads them: stored references replaced by what they hold. */
  const resolvedOutputs = async (run: RunRecord) => {
    const outputs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(run.outputs ?? {})) outputs[name] = await deps.runs.resolve(value);
    return outputs;
  };

  const view = async (run: RunRecord, viewer: Pick<Principal, 'role'>) => {
    const [nodes, version] = await Promise.all([deps.runs.nodes(run.id), deps.flows.version(run.flowId, run.version)]);
    const labels = new Map(version?.graph.nodes.map((node) => [node.id, node.label ?? null]) ?? []);
    const order = new Map(version?.graph.nodes.map((node, i) => [node.id, i]) ?? []);
    return {
      ...summary(run),
      error: run.error,
      workflowId: run.workflowId,
      outputs: await resolvedOutputs(run),
      temporalUrl: temporalUrl(run, viewer),
      nodes: nodes
        .sort((a, b) => (order.get(a.nodeId) ?? 0) - (order.get(b.nodeId) ?? 0))
        .map(({ outputs: _outputs, ...node }) => ({ ...node, label: labels.get(node.nodeId) ?? null })),
    };
  };

  /** Validates the version, writes the run with a pending row per node, and starts runFlow on Temporal. */
  const start = async (user: Principal, request: StartRunRequest): Promise<{ run: RunRecord; graph: FlowGraph } | RunRefusal> => {
    const flow = request.known?.flow ?? (request.authorisedBy === 'app' ? await deps.flows.byId(request.flowId) : await deps.flows.get(user, request.flowId));
    if (!flow) return { refused: 404, error: `no flow ${request.flowId}` };
    const number = request.version ?? flow.latestVersion;
    const version = request.known?.version.number === number ? request.known.version : await deps.flows.version(flow.id, number);
    if (!version) return { refused: 404, error: `flow "${flow.name}" has no version ${number}` };
    const { graph, problems } = validateFlow(version.graph);
    const given = inputValues(version.graph, request.inputs);
    const all = [...problems, ...given.problems];
    if (!graph || all.length > 0) return { refused: 422, error: `cannot run "${flow.name}" version ${number}: ${all.map((p) => p.message).join('; ')}`, problems: all };
    if (request.fromNode && !graph.nodes.some((node) => node.id === request.fromNode)) return { refused: 404, error: `version ${number} of "${flow.name}" has no node "${request.fromNode}"` };
    // Model access is the run owner's: a run may call only models its owner may use (admins restrict them).
    const models = modelsIn(graph);
    const denied = await deps.access.refused(user, 'model', models);
    const refusedModel = models.find((name) => denied.has(name));
    if (refusedModel !== undefined) return { refused: 403, error: `you may not use model "${refusedModel}", which "${flow.name}" calls; ask an admin for access` };
    const id = randomUUID();
    const workflowId = `run-${id}`;
    const run = await deps.runs.create({ id, flowId: flow.id, flowName: flow.name, ranBy: user.username, version: number, ownerId: user.id, workflowId, inputs: request.inputs, rerunOf: request.rerunOf, fromNode: request.fromNode, nodes: graph.nodes.map((node) => ({ id: node.id, type: node.type })) });
    const args: RunFlowInput = {
      runId: id, ownerId: request.authorisedBy === 'app' ? flow.ownerId : user.id, snapshot: { flowId: flow.id, flowVersion: number, graph }, inputs: request.inputs, maxConcurrentNodes: deps.env.ASTRA_RUN_CONCURRENCY,
      ...(request.chat ? { chat: request.chat } : {}),
      ...(request.reuse ? { reuse: await request.reuse(graph, given.values) } : {}),
    };
    try {
      await deps.temporal.workflow.start('runFlow', { taskQueue: deps.env.ASTRA_TASK_QUEUE, workflowId, args: [args] });
    } catch (error) {
      await deps.runs.markFailedToStart(id, `could not start on Temporal: ${(error as Error).message}`);
      throw error;
    }
    deps.logger.info({ event: 'run.started', id, flow: flow.id, version: number, by: user.username, ...(request.fromNode ? { rerunOf: request.rerunOf, fromNode: request.fromNode } : {}) });
    return { run, graph };
  };

  /** Starts the run again from `fromNode`, reusing every upstream node that computes the same thing as before. */
  const rerun = async (user: Principal, before: RunRecord, body: { fromNode: string; version?: number; inputs?: Record<string, string> }) => {
    const previous = await deps.flows.version(before.flowId, before.version);
    const recorded = new Map((await deps.runs.nodes(before.id)).map((node) => [node.nodeId, node]));
    const inputs = { ...before.inputs, ...body.inputs };
    const previousValues = previous ? inputValues(previous.graph, before.inputs).values : {};
    // A node upstream of fromNode is reused when it computes the same thing as before, from inputs that were reused too.
    const reuse = async (graph: FlowGraph, values: Record<string, string>) => {
      const reused: Record<string, Record<string, PortValue>> = {};
      const incoming = incomingEdges(graph);
      const visit = (nodeId: string, seen: Map<string, boolean>): boolean => {
        if (seen.has(nodeId)) return seen.get(nodeId)!;
        seen.set(nodeId, false);
        const node = recorded.get(nodeId);
        const ok = nodeId !== body.fromNode && !!previous && !!node?.outputs && (node.state === 'succeeded' || node.state === 'cached')
          && sameComputation(previous.graph, graph, nodeId)
          && (values[nodeId] === undefined || values[nodeId] === previousValues[nodeId])
          && (incoming.get(nodeId) ?? []).every((edge) => visit(edge.source, seen));
        seen.set(nodeId, ok);
        if (ok) reused[nodeId] = node!.outputs!;
        return ok;
      };
      const seen = new Map<string, boolean>();
      for (const edge of incoming.get(body.fromNode) ?? []) visit(edge.source, seen);
      return reused;
    };
    return start(user, { flowId: before.flowId, version: body.version, inputs, reuse, rerunOf: before.id, fromNode: body.fromNode });
  };

  /** Asks a running run to stop; false when it had already ended. */
  const cancel = async (user: Principal, run: RunRecord): Promise<boolean> => {
    if (run.status !== 'running') return false;
    await deps.temporal.workflow.getHandle(run.workflowId).cancel();
    deps.logger.info({ event: 'run.cancel', id: run.id, by: user.username });
    return true;
  };

  /**
   * Follows one run's live events until it ends: `onEvent` gets each node, progress, log and token
   * event, then the final `run` event. Subscribed before the record is read, so nothing between the two
   * is lost; the record is re-read every few seconds, so a run that ended unheard still ends the follow.
   */
  const follow = async (user: Principal, runId: string, onEvent: (event: LiveRunEvent) => void | Promise<void>, options: { signal?: AbortSignal; idle?: () => Promise<void>; subscribed?: () => Promise<void> } = {}): Promise<RunRecord> => {
    const queue: LiveRunEvent[] = [];
    let wake: () => void = () => undefined;
    const unsubscribe = deps.runEvents.subscribe(runId, (raw) => {
      const parsed = runEventSchema.safeParse(raw);
      if (!parsed.success) return;
      queue.push(parsed.data);
      wake();
    });
    const aborted = () => options.signal?.aborted ?? false;
    const onAbort = () => wake();
    options.signal?.addEventListener('abort', onAbort);
    try {
      await options.subscribed?.();
      let record = await deps.runs.get(user.id, runId);
      if (!record) throw new Error(`no run ${runId}`);
      while (record.status === 'running' && !aborted()) {
        while (queue.length > 0) {
          const event = queue.shift()!;
          await onEvent(event);
          if (event.type === 'run') return (await deps.runs.get(user.id, runId)) ?? record;
        }
        const woke = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 5_000);
          wake = () => {
            clearTimeout(timer);
            resolve(true);
          };
        });
        if (!woke && queue.length === 0) {
          record = (await deps.runs.get(user.id, runId)) ?? record;
          if (record.status === 'running') await options.idle?.();
        }
      }
      return record;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      unsubscribe();
    }
  };

  return { start, rerun, cancel, view, summary, follow, resolvedOutputs };
}

export type RunService = ReturnType<typeof createRunService>;
export const isRefusal = (value: unknown): value is RunRefusal => typeof value === 'object' && value !== null && 'refused' in value;
