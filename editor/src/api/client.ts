// The editor's only way to the server: same-origin fetch with the session cookie, every answer parsed.
import type { z } from 'zod';
import * as s from './schemas';
import type { FlowGraph, FlowProblem } from './schemas';

/** A refusal the person can act on: the server's message, and the flow problems of a 422. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly problems: FlowProblem[] = []) {
    super(message);
  }
}

async function request<T extends z.ZodType>(schema: T, method: string, path: string, body?: unknown): Promise<z.infer<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'the Astra server cannot be reached; check that it is running');
  }
  const text = await response.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiError(response.status, `the server answered ${response.status} with something that is not JSON`);
    }
  }
  if (!response.ok) {
    const refusal = s.problemsAnswer.safeParse(json);
    throw new ApiError(response.status, refusal.success ? refusal.data.error : `the server answered ${response.status}`, refusal.success ? refusal.data.problems : []);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ApiError(response.status, `unexpected answer from ${method} ${path}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

const noContent = s.user.optional();
const enc = encodeURIComponent;

export const api = {
  me: () => request(s.userAnswer, 'GET', '/api/auth/me'),
  login: (username: string, password: string) => request(s.userAnswer, 'POST', '/api/auth/login', { username, password }),
  logout: () => request(noContent, 'POST', '/api/auth/logout'),

  nodeTypes: () => request(s.nodeTypesAnswer, 'GET', '/api/node-types'),
  models: () => request(s.modelList, 'GET', '/api/models'),

  listFlows: (q: string) => request(s.flowList, 'GET', `/api/flows${q ? `?q=${enc(q)}` : ''}`),
  createFlow: (body: { name: string; description?: string; graph: FlowGraph; message?: string }) => request(s.flowWithVersion, 'POST', '/api/flows', body),
  getFlow: (id: string) => request(s.flowWithVersion, 'GET', `/api/flows/${enc(id)}`),
  saveFlow: (id: string, body: { graph: FlowGraph; name?: string; description?: string; message?: string }) => request(s.flowWithVersion, 'PUT', `/api/flows/${enc(id)}`, body),
  deleteFlow: (id: string) => request(noContent, 'DELETE', `/api/flows/${enc(id)}`),
  versions: (id: string) => request(s.versionList, 'GET', `/api/flows/${enc(id)}/versions`),
  version: (id: string, n: number) => request(s.versionAnswer, 'GET', `/api/flows/${enc(id)}/versions/${n}`),
  diff: (id: string, from: number, to: number) => request(s.diffAnswer, 'GET', `/api/flows/${enc(id)}/diff?from=${from}&to=${to}`),
  restore: (id: string, n: number) => request(s.flowWithVersion, 'POST', `/api/flows/${enc(id)}/versions/${n}/restore`),
  exportFlow: (id: string, version?: number) => request(s.flowExportFile, 'GET', `/api/flows/${enc(id)}/export${version ? `?version=${version}` : ''}`),
  importFlow: (file: s.FlowExportFile & { name?: string }) => request(s.flowWithVersion, 'POST', '/api/flows/import', file),
  validate: (graph: FlowGraph) => request(s.validation, 'POST', '/api/flows/validate', { graph }),
  templates: () => request(s.templateList, 'GET', '/api/flow-templates'),

  startRun: (body: { flowId: string; version?: number; inputs?: Record<string, string> }) => request(s.runAnswer, 'POST', '/api/runs', body),
  listRuns: (flowId: string) => request(s.runList, 'GET', `/api/runs?flowId=${enc(flowId)}&limit=50`),
  getRun: (id: string) => request(s.runAnswer, 'GET', `/api/runs/${enc(id)}`),
  nodeOutputs: (runId: string, nodeId: string) => request(s.nodeOutputs, 'GET', `/api/runs/${enc(runId)}/nodes/${enc(nodeId)}/outputs`),
  cancelRun: (id: string) => request(s.runAnswer, 'POST', `/api/runs/${enc(id)}/cancel`),
  rerun: (id: string, fromNode: string, version?: number) => request(s.runAnswer, 'POST', `/api/runs/${enc(id)}/rerun`, { fromNode, ...(version ? { version } : {}) }),
};

/** The JSON an SSE message carries, or undefined (which no schema accepts). */
function dataOf(message: Event): unknown {
  if (!(message instanceof MessageEvent) || typeof message.data !== 'string') return undefined;
  try {
    return JSON.parse(message.data) as unknown;
  } catch {
    return undefined;
  }
}

/** The live events of a run: the snapshot first, then each event, until the run ends (the caller closes). */
export function followRun(runId: string, handlers: { snapshot(run: s.Run): void; event(event: s.RunEvent): void; lost(): void }): () => void {
  const source = new EventSource(`/api/runs/${enc(runId)}/events`);
  let ended = false;
  const close = () => {
    ended = true;
    source.close();
  };
  source.addEventListener('snapshot', (message) => {
    const parsed = s.run.safeParse(dataOf(message));
    if (parsed.success) handlers.snapshot(parsed.data);
  });
  for (const type of ['node', 'progress', 'log', 'token', 'run'] as const) {
    source.addEventListener(type, (message) => {
      const data = dataOf(message);
      const parsed = s.runEvent.safeParse(typeof data === 'object' && data !== null ? { type, ...data } : data);
      if (!parsed.success) return;
      handlers.event(parsed.data);
      // The server closes after the run ends; without this the browser would reconnect and replay.
      if (parsed.data.type === 'run' && parsed.data.status !== 'running') close();
    });
  }
  source.onerror = () => {
    if (ended) return;
    if (source.readyState === EventSource.CLOSED) {
      ended = true;
      handlers.lost();
    }
  };
  return close;
}
