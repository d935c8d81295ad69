import { createRoute, z } from '@hono/zod-openapi';
import { flowDiff, flowExport, flowGraph, flowList, flowProblemSchema, flowSummarySchema, flowVersion } from '@astra/workflows/flow';
import { errorContent } from './schemas';

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

export const flowProblem = flowProblemSchema;
const problemsContent = json(z.object({ error: z.string(), problems: z.array(flowProblem) }));

export const flowSummary = flowSummarySchema;

// Request graphs are `z.unknown()`: `validateFlow` checks them and answers 422 with every problem, not only zod's first.
const flowAndVersion = json(z.object({ flow: flowSummary, version: flowVersion }));
const flowName = z.string().trim().min(1, 'a flow needs a name').max(200);
const idParam = z.object({ id: z.string() });
// Version numbers are PostgreSQL integers: anything past 2^31 - 1 is no version, not a database error.
const versionNumber = z.coerce.number().int().positive().max(2_147_483_647);
const versionParam = z.object({ id: z.string(), n: versionNumber });

export const listFlows = createRoute({
  method: 'get', path: '/api/flows', tags: ['flows'], summary: 'Flows you own or that are shared with you, your own first, a page at a time',
  request: {
    query: z.object({
      q: z.string().max(200).optional(),
      name: z.string().max(200).optional().openapi({ description: 'exactly this name' }),
      limit: z.coerce.number().int().min(1).max(500).default(500),
      offset: z.coerce.number().int().min(0).max(2_147_483_647).default(0),
    }),
  },
  responses: { 200: { description: 'a page of flows, with the count of every match', content: json(flowList) } },
});

export const createFlow = createRoute({
  method: 'post', path: '/api/flows', tags: ['flows'], summary: 'Create a flow; its first version',
  request: { body: { content: json(z.object({ name: flowName, description: z.string().max(4000).default(''), graph: z.unknown(), message: z.string().max(500).default('') })), required: true } },
  responses: { 201: { description: 'created', content: flowAndVersion }, 400: { description: 'malformed', content: errorContent }, 422: { description: 'the graph has problems', content: problemsContent } },
});

export const getFlow = createRoute({
  method: 'get', path: '/api/flows/{id}', tags: ['flows'], summary: 'A flow and its latest version',
  request: { params: idParam },
  responses: { 200: { description: 'the flow', content: flowAndVersion }, 404: { description: 'no such flow', content: errorContent } },
});

export const updateFlow = createRoute({
  method: 'put', path: '/api/flows/{id}', tags: ['flows'], summary: 'Save: a new immutable version',
  request: { params: idParam, body: { content: json(z.object({ graph: z.unknown(), name: flowName.optional(), description: z.string().max(4000).optional(), message: z.string().max(500).default('') })), required: true } },
  responses: {
    200: { description: 'saved', content: flowAndVersion },
    400: { description: 'malformed', content: errorContent },
    403: { description: 'shared with you, not yours to change', content: errorContent },
    404: { description: 'no such flow', content: errorContent },
    422: { description: 'the graph has problems', content: problemsContent },
  },
});

export const deleteFlow = createRoute({
  method: 'delete', path: '/api/flows/{id}', tags: ['flows'], summary: 'Delete a flow with its versions and your runs of it (refused while other users have runs of it)',
  request: { params: idParam },
  responses: {
    204: { description: 'deleted' }, 403: { description: 'not yours', content: errorContent }, 404: { description: 'no such flow', content: errorContent },
    409: { description: 'other users have runs of it', content: errorContent },
  },
});

export const listVersions = createRoute({
  method: 'get', path: '/api/flows/{id}/versions', tags: ['flows'], summary: 'Every version, newest first',
  request: { params: idParam },
  responses: {
    200: { description: 'versions', content: json(z.object({ versions: z.array(z.object({ number: z.number(), createdAt: z.string(), createdBy: z.string(), message: z.string(), nodes: z.number(), edges: z.number() })) })) },
    404: { description: 'no such flow', content: errorContent },
  },
});

export const getVersion = createRoute({
  method: 'get', path: '/api/flows/{id}/versions/{n}', tags: ['flows'], summary: 'One version',
  request: { params: versionParam },
  responses: { 200: { description: 'the version', content: json(z.object({ version: flowVersion })) }, 404: { description: 'no such flow or version', content: errorContent } },
});

export const diffVersions = createRoute({
  method: 'get', path: '/api/flows/{id}/diff', tags: ['flows'], summary: 'What changed between two versions',
  request: { params: idParam, query: z.object({ from: versionNumber, to: versionNumber }) },
  responses: { 200: { description: 'the diff', content: json(z.object({ from: z.number(), to: z.number(), diff: flowDiff })) }, 404: { description: 'no such flow or version', content: errorContent } },
});

export const restoreVersion = createRoute({
  method: 'post', path: '/api/flows/{id}/versions/{n}/restore', tags: ['flows'], summary: 'A new version equal to version n',
  request: { params: versionParam },
  responses: { 201: { description: 'restored', content: flowAndVersion }, 403: { description: 'not yours', content: errorContent }, 404: { description: 'no such flow or version', content: errorContent } },
});

export const exportFlow = createRoute({
  method: 'get', path: '/api/flows/{id}/export', tags: ['flows'], summary: 'The flow as importable JSON (format astra.flow)',
  request: { params: idParam, query: z.object({ version: versionNumber.optional() }) },
  responses: { 200: { description: 'the export', content: json(flowExport) }, 404: { description: 'no such flow or version', content: errorContent } },
});

export const importFlow = createRoute({
  method: 'post', path: '/api/flows/import', tags: ['flows'], summary: 'Create a flow from exported JSON',
  request: { body: { content: json(z.looseObject({ name: z.string().optional(), graph: z.unknown() })), required: true } },
  responses: { 201: { description: 'imported', content: flowAndVersion }, 400: { description: 'not an Astra flow export', content: errorContent }, 422: { description: 'the graph has problems', content: problemsContent } },
});

export const shareFlow = createRoute({
  method: 'put', path: '/api/flows/{id}/sharing', tags: ['flows'], summary: 'Who else may see and run the flow',
  request: { params: idParam, body: { content: json(z.object({ visibility: z.enum(['private', 'shared']), users: z.array(z.string().max(100)).max(500).default([]), roles: z.array(z.enum(['user', 'admin'])).default([]) })), required: true } },
  responses: { 200: { description: 'shared', content: json(z.object({ flow: flowSummary })) }, 400: { description: 'unknown users', content: errorContent }, 403: { description: 'not yours', content: errorContent }, 404: { description: 'no such flow', content: errorContent } },
});

export const validateFlowRoute = createRoute({
  method: 'post', path: '/api/flows/validate', tags: ['flows'], summary: 'Check a graph without saving it',
  request: { body: { content: json(z.object({ graph: z.unknown() })), required: true } },
  responses: { 200: { description: 'the problems, if any', content: json(z.object({ valid: z.boolean(), problems: z.array(flowProblem) })) } },
});

export const listTemplates = createRoute({
  method: 'get', path: '/api/flow-templates', tags: ['flows'], summary: 'Ready flows from examples/flows to start from',
  responses: { 200: { description: 'templates', content: json(z.object({ templates: z.array(z.object({ id: z.string(), name: z.string(), description: z.string(), graph: flowGraph })) })) } },
});

export const listNodeTypes = createRoute({
  method: 'get', path: '/api/node-types', tags: ['flows'], summary: 'Every node type: ports, params as JSON Schema, how it runs',
  responses: { 200: { description: 'the catalogue', content: json(z.object({ nodeTypes: z.array(z.record(z.string(), z.unknown())), portTypes: z.array(z.record(z.string(), z.unknown())) })) } },
});
