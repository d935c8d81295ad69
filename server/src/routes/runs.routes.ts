import { createRoute, z } from '@hono/zod-openapi';
import { errorContent } from './schemas';
import { runSchema, runStatusSchema, runSummarySchema, runTrainingSchema } from '@astra/workflows/flow';
import { flowProblem } from './flows.routes';

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

export const runSummary = runSummarySchema;
export const runBody = runSchema;

const runContent = json(z.object({ run: runBody }));
const idParam = z.object({ id: z.string() });
const inputsBody = z.record(z.string().max(64), z.string().max(1_000_000)).default({});

export const startRun = createRoute({
  method: 'post', path: '/api/runs', tags: ['runs'], summary: 'Run a flow version (default: the latest) with inputs',
  request: {
    body: {
      content: json(z.object({
        flowId: z.string(),
        version: z.number().int().positive().max(2_147_483_647).optional(),
        inputs: inputsBody,
        /** For a flow with a Chat Input: the conversation before this message (the editor's playground keeps one). */
        chat: z.strictObject({ history: z.array(z.strictObject({ role: z.enum(['user', 'assistant']), content: z.string().max(100_000) })).max(200) }).optional(),
      })),
      required: true,
    },
  },
  responses: {
    201: { description: 'started', content: runContent },
    400: { description: 'malformed', content: errorContent },
    403: { description: 'the flow calls a model the caller may not use', content: errorContent },
    404: { description: 'no such flow or version', content: errorContent },
    422: { description: 'the version has problems or an input is missing', content: json(z.object({ error: z.string(), problems: z.array(flowProblem) })) },
  },
});

export const listRuns = createRoute({
  method: 'get', path: '/api/runs', tags: ['runs'], summary: 'Your runs, newest first; filter by flow, status and start time',
  request: {
    query: z.object({
      flowId: z.string().optional(),
      status: runStatusSchema.optional(),
      since: z.iso.datetime({ offset: true }).optional().describe('runs started at or after this time (ISO 8601)'),
      until: z.iso.datetime({ offset: true }).optional().describe('runs started before this time (ISO 8601)'),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
  },
  responses: { 200: { description: 'runs', content: json(z.object({ runs: z.array(runSummary) })) }, 400: { description: 'malformed filter', content: errorContent } },
});

export const getRun = createRoute({
  method: 'get', path: '/api/runs/{id}', tags: ['runs'], summary: 'A run with every node: state, timings, errors, logs, outputs',
  request: { params: idParam },
  responses: { 200: { description: 'the run', content: runContent }, 404: { description: 'no such run', content: errorContent } },
});

export const getNodeOutputs = createRoute({
  method: 'get', path: '/api/runs/{id}/nodes/{nodeId}/outputs', tags: ['runs'], summary: "One node's full outputs",
  request: { params: z.object({ id: z.string(), nodeId: z.string() }) },
  responses: { 200: { description: 'outputs by port', content: json(z.object({ outputs: z.record(z.string(), z.unknown()) })) }, 404: { description: 'no such run or node', content: errorContent } },
});

export const cancelRun = createRoute({
  method: 'post', path: '/api/runs/{id}/cancel', tags: ['runs'], summary: 'Ask a running run to stop',
  request: { params: idParam },
  responses: { 202: { description: 'cancellation requested', content: runContent }, 404: { description: 'no such run', content: errorContent }, 409: { description: 'already finished', content: errorContent } },
});

export const rerunRun = createRoute({
  method: 'post', path: '/api/runs/{id}/rerun', tags: ['runs'], summary: 'Run again from a node, reusing the recorded outputs of everything unchanged upstream',
  request: { params: idParam, body: { content: json(z.object({ fromNode: z.string().min(1), version: z.number().int().positive().max(2_147_483_647).optional(), inputs: z.record(z.string(), z.string()).optional() })), required: true } },
  responses: {
    201: { description: 'started', content: runContent },
    400: { description: 'malformed', content: errorContent },
    403: { description: 'the flow calls a model the caller may not use', content: errorContent },
    404: { description: 'no such run, node or version', content: errorContent },
    422: { description: 'the version has problems', content: json(z.object({ error: z.string(), problems: z.array(flowProblem) })) },
  },
});

export const runEventsRoute = createRoute({
  method: 'get', path: '/api/runs/{id}/events', tags: ['runs'], summary: 'Live events (SSE): a snapshot, then node states, progress, logs, tokens, and the end of the run',
  request: { params: idParam },
  responses: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: z.string() } } }, 404: { description: 'no such run', content: errorContent } },
});

export const getRunTraining = createRoute({
  method: 'get', path: '/api/runs/{id}/training', tags: ['runs'],
  summary: "A run's loss curves (train and validation loss per step of each Fine-tune node, so far) and its Evaluate nodes' before/after figures and samples",
  request: { params: idParam },
  responses: { 200: { description: 'curves and evaluations (empty for a run that trains nothing)', content: json(runTrainingSchema) }, 404: { description: 'no such run', content: errorContent } },
});
