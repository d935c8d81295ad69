import { readdir, readFile } from 'node:fs/promises';
import { describeNodeTypes, diffFlows, flowExport, flowFormat, flowFormatVersion, validateFlow, type FlowGraph } from '@astra/workflows/flow';
import type { AppDeps, AppRouteHandler } from '../app-types';
import type { FlowRecord } from '../flows/flows-repo';
import type * as routes from './flows.routes';
import { auditRequest } from '../audit/audit-request';

const templatesDir = new URL('../../../examples/flows/', import.meta.url);

/** Computed once: the catalogue never changes while the server runs. */
const catalogue = describeNodeTypes();

async function readTemplates() {
  const files = (await readdir(templatesDir).catch(() => [])).filter((file) => file.endsWith('.json')).sort();
  const templates = [];
  for (const file of files) {
    const parsed = flowExport.safeParse(JSON.parse(await readFile(new URL(file, templatesDir), 'utf8')));
    if (parsed.success) templates.push({ id: file.replace(/\.json$/, ''), name: parsed.data.name, description: parsed.data.description, graph: parsed.data.graph });
  }
  return templates;
}

export const flowsHandlers = (deps: AppDeps) => {
  const audit = auditRequest(deps);
  const notFound = (id: string) => ({ error: `no flow ${id}` });
  const problemsAnswer = (problems: ReturnType<typeof validateFlow>['problems']) => ({
    error: `the flow has ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems.slice(0, 3).map((p) => (p.nodeId ? `node "${p.nodeId}" ${p.path}: ${p.message}` : `${p.path}: ${p.message}`)).join('; ')}${problems.length > 3 ? '; …' : ''}`,
    problems,
  });
  const summary = ({ ownerId: _ownerId, ...flow }: FlowRecord) => flow;
  const answer = async (flow: FlowRecord, number: number) => {
    const version = (await deps.flows.version(flow.id, number))!;
    return { flow: summary(flow), version };
  };

  return {
    listNodeTypes: (async (c) => c.json(catalogue, 200)) satisfies AppRouteHandler<typeof routes.listNodeTypes>,

    listTemplates: (async (c) => c.json({ templates: await readTemplates() }, 200)) satisfies AppRouteHandler<typeof routes.listTemplates>,

    validateFlowRoute: (async (c) => {
      const { problems } = validateFlow(c.req.valid('json').graph);
      return c.json({ valid: problems.length === 0, problems }, 200);
    }) satisfies AppRouteHandler<typeof routes.validateFlowRoute>,

    listFlows: (async (c) => {
      const { q, name, limit, offset } = c.req.valid('query');
      const { flows, total } = await deps.flows.list(c.get('user'), { search: q, name, limit, offset });
      return c.json({ flows: flows.map(summary), total, nextOffset: offset + flows.length < total ? offset + flows.length : null }, 200);
    }) satisfies AppRouteHandler<typeof routes.listFlows>,

    createFlow: (async (c) => {
      const body = c.req.valid('json');
      const { graph, problems } = validateFlow(body.graph);
      if (!graph || problems.length > 0) return c.json(problemsAnswer(problems), 422);
      const id = await deps.flows.create(c.get('user'), { name: body.name, description: body.description, graph, message: body.message });
      deps.logger.info({ event: 'flow.created', id, by: c.get('user').username });
      await audit(c, 'flow.create', id, { detail: { name: body.name, version: 1 } });
      return c.json(await answer((await deps.flows.get(c.get('user'), id))!, 1), 201);
    }) satisfies AppRouteHandler<typeof routes.createFlow>,

    getFlow: (async (c) => {
      const { id } = c.req.valid('param');
      const flow = await deps.flows.get(c.get('user'), id);
      if (!flow) return c.json(notFound(id), 404);
      return c.json(await answer(flow, flow.latestVersion), 200);
    }) satisfies AppRouteHandler<typeof routes.getFlow>,

    updateFlow: (async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const flow = await deps.flows.get(c.get('user'), id);
      if (!flow) return c.json(notFound(id), 404);
      if (!flow.canEdit) return c.json({ error: `flow "${flow.name}" is shared with you by ${flow.owner}; only they can change it (export and import it to get your own copy)` }, 403);
      const { graph, problems } = validateFlow(body.graph);
      if (!graph || problems.length > 0) return c.json(problemsAnswer(problems), 422);
      const number = await deps.flows.addVersion(c.get('user'), id, { graph, message: body.message, name: body.name, description: body.description });
      await audit(c, 'flow.save', id, { detail: { name: body.name ?? flow.name, version: number } });
      return c.json(await answer((await deps.flows.get(c.get('user'), id))!, number), 200);
    }) satisfies AppRouteHandler<typeof routes.updateFlow>,

    deleteFlow: (async (c) => {
      const { id } = c.req.valid('param');
      const flow = await deps.flows.get(c.get('user'), id);
      if (!flow) return c.json(notFound(id), 404);
      if (!flow.canEdit) return c.json({ error: `flow "${flow.name}" belongs to ${flow.owner}; only they can delete it` }, 403);
      // Runs belong to whoever started them: deleting the flow would delete theirs too, so it waits.
      const others = await deps.flows.othersRuns(id, flow.ownerId);
      if (others.runs > 0) {
        return c.json({ error: `flow "${flow.name}" has ${others.runs} run${others.runs === 1 ? '' : 's'} by other users (${others.users.join(', ')}), which deleting it would delete; stop sharing it to stop new runs` }, 409);
      }
      await deps.flows.remove(c.get('user'), id);
      deps.logger.info({ event: 'flow.deleted', id, by: c.get('user').username });
      await audit(c, 'flow.delete', id, { detail: { name: flow.name } });
      return c.body(null, 204);
    }) satisfies AppRouteHandler<typeof routes.deleteFlow>,

    listVersions: (async (c) => {
      const { id } = c.req.valid('param');
      const flow = await deps.flows.get(c.get('user'), id);
      if (!flow) return c.json(notFound(id), 404);
      return c.json({ versions: await deps.flows.versions(id) }, 200);
    }) satisfies AppRouteHandler<typeof routes.listVersions>,

    getVersion: (async (c) => {
      const { id, n } = c.req.valid('param');
      const flow = await deps.flows.get(c.get('user'), id);
      const version = flow && (await deps.flows.version(id, n));
      if (!version) return c.json({ error: `no version ${n} of flow ${id}` }, 404);
      return c.json({ version }, 200);
    }) satisfies AppRouteHandler<typeof routes.getVersion>,

    diffVersions: (async (c) => {
      const { id } = c.req.valid('param');
      const { from, to } = c.req.valid('query');
      const flow = await deps.flows.get(c.get('user'), id);
      const [before, after] = flow ? await Promise.all([deps.flows.version(id, from), deps.flows.version(id, to)]) : [];
      if (!before || !after) return c.json({ error: `flow ${id} has no version ${!before ? from : to}` }, 404);
      return c.json({ from, to, diff: diffFlows(before.graph, after.graph) }, 200);
    }) satisfies AppRouteHandler<typeof routes.diffVersions>,

    restoreVersion: (async (c) => {
      const { id, n } = c.req.valid('param');
      const flow = await deps.flows.get(c.get('user'), id);
      const version = flow && (await deps.flows.version(id, n));
      if (!flow || !version) return c.json({ error: `no version ${n} of flow ${id}` }, 404);
      if (!flow.canEdit) return c.json({ error: `flow "${flow.name}" belongs to ${flow.owner}; only they can restore versions` }, 403);
      const number = await deps.flows.addVersion(c.get('user'), id, { graph: version.graph, message: `restored version ${n}` });
      await audit(c, 'flow.restore', id, { detail: { from: n, version: number } });
      return c.json(await answer((await deps.flows.get(c.get('user'), id))!, number), 201);
    }) satisfies AppRouteHandler<typeof routes.restoreVersion>,

    exportFlow: (async (c) => {
      const { id } = c.req.valid('param');
      const flow = await deps.flows.get(c.get('user'), id);
      const number = c.req.valid('query').version ?? flow?.latestVersion;
      const version = flow && number && (await deps.flows.version(id, number));
      if (!flow || !version) return c.json({ error: `no version ${number ?? ''} of flow ${id}` }, 404);
      c.header('Content-Disposition', `attachment; filename="${flow.name.replace(/[^A-Za-z0-9._-]+/g, '-')}.astra.json"`);
      return c.json({ format: flowFormat, formatVersion: flowFormatVersion, name: flow.name, description: flow.description, graph: version.graph }, 200);
    }) satisfies AppRouteHandler<typeof routes.exportFlow>,

    importFlow: (async (c) => {
      const body = c.req.valid('json');
      // The envelope first (400), then the graph with every problem listed (422).
      const parsed = flowExport.omit({ graph: true }).safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return c.json({ error: `not an Astra flow export (format "${flowFormat}", formatVersion ${flowFormatVersion}): ${issue.path.join('.') || '(body)'}: ${issue.message}` }, 400);
      }
      const { graph, problems } = validateFlow(body.graph);
      if (!graph || problems.length > 0) return c.json(problemsAnswer(problems), 422);
      const id = await deps.flows.create(c.get('user'), { name: body.name ?? parsed.data.name, description: parsed.data.description, graph: graph satisfies FlowGraph, message: 'imported' });
      await audit(c, 'flow.import', id, { detail: { name: body.name ?? parsed.data.name, version: 1 } });
      return c.json(await answer((await deps.flows.get(c.get('user'), id))!, 1), 201);
    }) satisfies AppRouteHandler<typeof routes.importFlow>,

    shareFlow: (async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const flow = await deps.flows.get(c.get('user'), id);
      if (!flow) return c.json(notFound(id), 404);
      if (!flow.canEdit) return c.json({ error: `flow "${flow.name}" belongs to ${flow.owner}; only they can share it` }, 403);
      const { unknownUsers } = await deps.flows.share(c.get('user'), id, body);
      if (unknownUsers.length > 0) return c.json({ error: `no such user: ${unknownUsers.join(', ')}` }, 400);
      await audit(c, 'flow.share', id, { detail: { ...body } });
      return c.json({ flow: summary((await deps.flows.get(c.get('user'), id))!) }, 200);
    }) satisfies AppRouteHandler<typeof routes.shareFlow>,
  };
};
