import { streamSSE } from 'hono/streaming';
import type { AppDeps, AppRouteHandler } from '../app-types';
import type { Context } from 'hono';
import type { AppEnv } from '../app-types';
import { fineTuneJobSchema, type FlowGraph, type RunTraining } from '@astra/workflows/flow';
import { createRunService, isRefusal, type RunRefusal } from '../flows/run-service';
import { auditRequest } from '../audit/audit-request';
import type * as routes from './runs.routes';

/** A refused start as the runs API answers it. */
const refusal = (c: Context<AppEnv>, started: RunRefusal) =>
  started.refused === 422 ? c.json({ error: started.error, problems: started.problems ?? [] }, 422) : c.json({ error: started.error }, started.refused);

/** A run that trains a model is a fine-tune in the audit log; any other, a run start. */
const startAction = (graph: FlowGraph) => (graph.nodes.some((node) => node.type === 'training.finetune') ? 'finetune.start' as const : 'run.start' as const);

export const runsHandlers = (deps: AppDeps, service = createRunService(deps)) => {
  const audit = auditRequest(deps);
  return {
  startRun: (async (c) => {
    const body = c.req.valid('json');
    const started = await service.start(c.get('user'), body);
    if (isRefusal(started)) return refusal(c, started);
    await audit(c, startAction(started.graph), started.run.id, { detail: { flowId: started.run.flowId, version: started.run.version } });
    return c.json({ run: await service.view(started.run, c.get('user')) }, 201);
  }) satisfies AppRouteHandler<typeof routes.startRun>,

  listRuns: (async (c) => {
    const query = c.req.valid('query');
    const runs = await deps.runs.list(c.get('user').id, {
      flowId: query.flowId && /^[0-9a-f-]{36}$/i.test(query.flowId) ? query.flowId : query.flowId ? '00000000-0000-0000-0000-000000000000' : undefined,
      ...(query.status ? { status: query.status } : {}),
      ...(query.since ? { since: query.since } : {}),
      ...(query.until ? { until: query.until } : {}),
      limit: query.limit,
    });
    return c.json({ runs: runs.map(service.summary) }, 200);
  }) satisfies AppRouteHandler<typeof routes.listRuns>,

  getRun: (async (c) => {
    const { id } = c.req.valid('param');
    const run = await deps.runs.get(c.get('user').id, id);
    if (!run) return c.json({ error: `no run ${id}` }, 404);
    return c.json({ run: await service.view(run, c.get('user')) }, 200);
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

  getRunTraining: (async (c) => {
    const { id } = c.req.valid('param');
    const run = await deps.runs.get(c.get('user').id, id);
    if (!run) return c.json({ error: `no run ${id}` }, 404);
    const evaluations: RunTraining['evaluations'] = [];
    for (const node of await deps.runs.nodes(run.id)) {
      if (node.type !== 'training.evaluate' || !node.outputs?.job || (node.state !== 'succeeded' && node.state !== 'cached')) continue;
      const job = fineTuneJobSchema.safeParse(await deps.runs.resolve(node.outputs.job));
      if (job.success && job.data.evaluation) evaluations.push({ nodeId: node.nodeId, ...job.data.evaluation });
    }
    return c.json({ curves: await deps.runs.trainingCurves(run.id), evaluations }, 200);
  }) satisfies AppRouteHandler<typeof routes.getRunTraining>,

  cancelRun: (async (c) => {
    const { id } = c.req.valid('param');
    const run = await deps.runs.get(c.get('user').id, id);
    if (!run) return c.json({ error: `no run ${id}` }, 404);
    if (!(await service.cancel(c.get('user'), run))) return c.json({ error: `run ${id} already ${run.status}` }, 409);
    await audit(c, 'run.cancel', run.id, { detail: { flowId: run.flowId } });
    return c.json({ run: await service.view(run, c.get('user')) }, 202);
  }) satisfies AppRouteHandler<typeof routes.cancelRun>,

  rerunRun: (async (c) => {
    const { id } = c.req.valid('param');
    const user = c.get('user');
    const before = await deps.runs.get(user.id, id);
    if (!before) return c.json({ error: `no run ${id}` }, 404);
    const started = await service.rerun(user, before, c.req.valid('json'));
    if (isRefusal(started)) return refusal(c, started);
    await audit(c, startAction(started.graph), started.run.id, { detail: { flowId: started.run.flowId, version: started.run.version, rerunOf: before.id } });
    return c.json({ run: await service.view(started.run, c.get('user')) }, 201);
  }) satisfies AppRouteHandler<typeof routes.rerunRun>,

  runEventsRoute: (async (c) => {
    const { id } = c.req.valid('param');
    const user = c.get('user');
    const run = await deps.runs.get(user.id, id);
    if (!run) return c.json({ error: `no run ${id}` }, 404);
    return streamSSE(c, async (stream) => {
      const closed = new AbortController();
      stream.onAbort(() => closed.abort());
      let endWritten = false;
      const last = await service.follow(user, run.id, async (event) => {
        await stream.writeSSE({ event: event.type, data: JSON.stringify(event) });
        if (event.type === 'run') endWritten = true;
      }, {
        signal: closed.signal,
        // The snapshot goes out once the live events are subscribed, so nothing between the two is lost (a repeat is harmless).
        subscribed: async () => {
          const snapshot = await service.view((await deps.runs.get(user.id, id))!, user);
          await stream.writeSSE({ event: 'snapshot', data: JSON.stringify(snapshot) });
          if (snapshot.status !== 'running') endWritten = true;
        },
        idle: () => stream.writeSSE({ event: 'ping', data: '{}' }),
      });
      // A run that ended while this server was not listening still ends the stream with its status.
      if (!endWritten && !closed.signal.aborted && last.status !== 'running') {
        await stream.writeSSE({ event: 'run', data: JSON.stringify({ type: 'run', status: last.status, at: last.finishedAt ?? new Date().toISOString(), ...(last.error ? { error: last.error } : {}) }) });
      }
    });
  }) satisfies AppRouteHandler<typeof routes.runEventsRoute>,
};
};
