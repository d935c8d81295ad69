import { randomUUID } from 'node:crypto';
import { streamSSE } from 'hono/streaming';
import { findNodeSpec, incomingEdges, sameComputation, validateFlow, type FlowGraph, type FlowProblem, type PortValue, type RunFlowInput } from '@astra/workflows/flow';
import type { AppDeps, AppRouteHandler } from '../app-types';
import type { Principal } from '../auth/credentials-repo';
import type { RunRecord } from '../flows/runs-repo';
import type * as routes from './runs.routes';

type Refusal = { status: 404 | 422; error: string; problems?: FlowProblem[] };

/** The value each Input node would give for these run inputs; a required one left empty is a problem. */
function inputValues(graph: FlowGraph, inputs: Record<string, string>): { values: Record<string, string>; problems: FlowProblem[] } {
  const values: Record<string, string> = {};
  const problems: FlowProblem[] = [];
  const names: string[] = [];
  for (const node of graph.nodes) {
    if (node.type === 'io.chat-input') names.push('message');
    if (node.type !== 'io.input') continue;
    const params = findNodeSpec(node.type, node.version)!.params.parse(node.params) as { name: string; default?: string; required: boolean };
    names.push(params.name);
    const value = inputs[params.name] ?? params.default ?? '';
    if (value === '' && params.required) problems.push({ code: 'missing-input', nodeId: node.id, path: 'params.name', message: `the run needs a value for input "${params.name}"` });
    values[node.id] = value;
  }
  for (const name of Object.keys(inputs)) {
    if (!names.includes(name)) problems.push({ code: 'unknown-input', path: `inputs.${name}`, message: `the flow has no input "${name}" (it takes ${names.join(', ') || 'none'})` });
  }
  return { values, problems };
}

export const runsHandlers = (deps: AppDeps) => {
  const temporalUrl = (run: RunRecord) => (deps.env.TEMPORAL_UI_URL ? `${deps.env.TEMPORAL_UI_URL.replace(/\/$/, '')}/namespaces/${encodeURIComponent(deps.env.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(run.workflowId)}` : null);

  const summary = ({ id, flowId, flowName, version, status, startedAt, finishedAt, rerunOf, fromNode }: RunRecord) => ({ id, flowId, flowName, version, status, startedAt, finishedAt, rerunOf, fromNode });

  const view = async (run: RunRecord) => {
    const [nodes, version] = await Promise.all([deps.runs.nodes(run.id), deps.flows.version(run.flowId, run.version)]);
    const labels = new Map(version?.graph.nodes.map((node) => [node.id, node.label ?? null]) ?? []);
    const order = new Map(version?.graph.nodes.map((node, i) => [node.id, i]) ?? []);
    const outputs: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(run.outputs ?? {})) outputs[name] = await deps.runs.resolve(value);
    return {
      ...summary(run),
      inputs: run.inputs,
      error: run.error,
      workflowId: run.workflowId,
      outputs,
      temporalUrl: temporalUrl(run),
      nodes: nodes
        .sort((a, b) => (order.get(a.nodeId) ?? 0) - (order.get(b.nodeId) ?? 0))
        .map(({ outputs: _outputs, ...node }) => ({ ...node, label: labels.get(node.nodeId) ?? null })),
    };
  };

  /** Validates the version, writes the run with a pending row per node, and starts runFlow on Temporal. */
  const start = async (user: Principal, input: { flowId: string; version?: number; inputs: Record<string, string>; reuse?: (graph: FlowGraph, values: Record<string, string>) => Promise<RunFlowInput['reuse']>; rerunOf?: string; fromNode?: string }): Promise<RunRecord | Refusal> => {
    const flow = await deps.flows.get(user, input.flowId);
    if (!flow) return { status: 404, error: `no flow ${input.flowId}` };
    const number = input.version ?? flow.latestVersion;
    const version = await deps.flows.version(flow.id, number);
    if (!version) return { status: 404, error: `flow "${flow.name}" has no version ${number}` };
    const { graph, problems } = validateFlow(version.graph);
    const given = inputValues(version.graph, input.inputs);
    const all = [...problems, ...given.problems];
    if (!graph || all.length > 0) return { status: 422, error: `cannot run "${flow.name}" version ${number}: ${all.map((p) => p.message).join('; ')}`, problems: all };
    if (input.fromNode && !graph.nodes.some((node) => node.id === input.fromNode)) return { status: 404, error: `version ${number} of "${flow.name}" has no node "${input.fromNode}"` };
    const id = randomUUID();
    const workflowId = `run-${id}`;
    await deps.runs.create({ id, flowId: flow.id, version: number, ownerId: user.id, workflowId, inputs: input.inputs, rerunOf: input.rerunOf, fromNode: input.fromNode, nodes: graph.nodes.map((node) => ({ id: node.id, type: node.type })) });
    const args: RunFlowInput = { runId: id, ownerId: user.id, snapshot: { flowId: flow.id, flowVersion: number, graph }, inputs: input.inputs, maxConcurrentNodes: deps.env.ASTRA_RUN_CONCURRENCY, ...(input.reuse ? { reuse: await input.reuse(graph, given.values) } : {}) };
    try {
      await deps.temporal.workflow.start('runFlow', { taskQueue: deps.env.ASTRA_TASK_QUEUE, workflowId, args: [args] });
    } catch (error) {
      await deps.runs.markFailedToStart(id, `could not start on Temporal: ${(error as Error).message}`);
      throw error;
    }
    deps.logger.info({ event: 'run.started', id, flow: flow.id, version: number, by: user.username, ...(input.fromNode ? { rerunOf: input.rerunOf, fromNode: input.fromNode } : {}) });
    return (await deps.runs.get(user.id, id))!;
  };

  return {
    startRun: (async (c) => {
      const body = c.req.valid('json');
      const started = await start(c.get('user'), body);
      if ('status' in started && (started.status === 404 || started.status === 422)) {
        return started.status === 404 ? c.json({ error: started.error }, 404) : c.json({ error: started.error, problems: started.problems ?? [] }, 422);
      }
      return c.json({ run: await view(started as RunRecord) }, 201);
    }) satisfies AppRouteHandler<typeof routes.startRun>,

    listRuns: (async (c) => {
      const query = c.req.valid('query');
      const runs = await deps.runs.list(c.get('user').id, { flowId: query.flowId && /^[0-9a-f-]{36}$/i.test(query.flowId) ? query.flowId : query.flowId ? '00000000-0000-0000-0000-000000000000' : undefined, limit: query.limit });
      return c.json({ runs: runs.map(summary) }, 200);
    }) satisfies AppRouteHandler<typeof routes.listRuns>,

    getRun: (async (c) => {
      const { id } = c.req.valid('param');
      const run = await deps.runs.get(c.get('user').id, id);
      if (!run) return c.json({ error: `no run ${id}` }, 404);
      return c.json({ run: await view(run) }, 200);
    }) satisfies AppRouteHandler<typeof routes.getRun>,

    getNodeOutputs: (async (c) => {
      const { id, nodeId } = c.req.valid('param');
      const run = await deps.runs.get(c.get('user').id, id);
      const node = run && (await deps.runs.nodes(run.id)).find((candidate) => candidate.nodeId === nodeId);
      if (!node) return c.json({ error: `no node "${nodeId}" in run ${id}` }, 404);
      const outputs: Record<string, unknown> = {};
      for (const [port, value] of Object.entries(node.outputs ?? {})) outputs[port] = await deps.runs.resolve(value);
      return c.json({ outputs }, 200);
    }) satisfies AppRouteHandler<typeof routes.getNodeOutputs>,

    cancelRun: (async (c) => {
      const { id } = c.req.valid('param');
      const run = await deps.runs.get(c.get('user').id, id);
      if (!run) return c.json({ error: `no run ${id}` }, 404);
      if (run.status !== 'running') return c.json({ error: `run ${id} already ${run.status}` }, 409);
      await deps.temporal.workflow.getHandle(run.workflowId).cancel();
      deps.logger.info({ event: 'run.cancel', id, by: c.get('user').username });
      return c.json({ run: await view(run) }, 202);
    }) satisfies AppRouteHandler<typeof routes.cancelRun>,

    rerunRun: (async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const user = c.get('user');
      const before = await deps.runs.get(user.id, id);
      if (!before) return c.json({ error: `no run ${id}` }, 404);
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
      const started = await start(user, { flowId: before.flowId, version: body.version, inputs, reuse, rerunOf: before.id, fromNode: body.fromNode });
      if ('status' in started && (started.status === 404 || started.status === 422)) {
        return started.status === 404 ? c.json({ error: started.error }, 404) : c.json({ error: started.error, problems: started.problems ?? [] }, 422);
      }
      return c.json({ run: await view(started as RunRecord) }, 201);
    }) satisfies AppRouteHandler<typeof routes.rerunRun>,

    runEventsRoute: (async (c) => {
      const { id } = c.req.valid('param');
      const run = await deps.runs.get(c.get('user').id, id);
      if (!run) return c.json({ error: `no run ${id}` }, 404);
      return streamSSE(c, async (stream) => {
        let ended = false;
        let wake: () => void = () => undefined;
        const queue: Array<{ type: string; [key: string]: unknown }> = [];
        // Subscribed before the snapshot is read, so nothing between the two is lost (a repeat is harmless).
        const unsubscribe = deps.runEvents.subscribe(run.id, (event) => {
          queue.push(event);
          wake();
        });
        stream.onAbort(() => {
          ended = true;
          wake();
        });
        try {
          const snapshot = await view((await deps.runs.get(c.get('user').id, id))!);
          await stream.writeSSE({ event: 'snapshot', data: JSON.stringify(snapshot) });
          if (snapshot.status !== 'running') return;
          while (!ended) {
            while (queue.length > 0) {
              const event = queue.shift()!;
              delete event.stream;
              await stream.writeSSE({ event: String(event.type), data: JSON.stringify(event) });
              if (event.type === 'run') return;
            }
            // Re-check the row now and then: a run that ended while this server was not listening still ends the stream.
            const woke = await Promise.race([new Promise<boolean>((resolve) => (wake = () => resolve(true))), stream.sleep(5_000).then(() => false)]);
            if (!woke && queue.length === 0) {
              const now = await deps.runs.get(c.get('user').id, id);
              if (now && now.status !== 'running') {
                await stream.writeSSE({ event: 'run', data: JSON.stringify({ type: 'run', status: now.status, at: now.finishedAt ?? new Date().toISOString(), ...(now.error ? { error: now.error } : {}) }) });
                return;
              }
              await stream.writeSSE({ event: 'ping', data: '{}' });
            }
          }
        } finally {
          unsubscribe();
        }
      });
    }) satisfies AppRouteHandler<typeof routes.runEventsRoute>,
  };
};
