// The one Astra API client. Every surface makes its own with what it has: the editor same-origin with the
// session cookie, JupyterLab through its server extension (Jupyter's auth, Astra's key kept server-side),
// notebooks and Node programs with ASTRA_URL and an API token. Every answer is parsed with its contract.
import type { z } from 'zod';
import * as c from './contracts';
import * as s from './schemas';
import { jsonOf, readEvents } from './sse';
import { lossSeriesOf } from './loss-curve';

/** A refusal the person can act on: the server's message, and the flow problems of a 422. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly problems: s.FlowProblem[] = []) {
    super(message);
  }
}

export interface AstraClientOptions {
  /** Where Astra's routes start: '' for same origin, 'http://127.0.0.1:3210', or JupyterLab's '/astra' proxy. */
  baseUrl?: string;
  /** An Astra API token, sent as `Authorization: Bearer`; leave it out where a cookie or a proxy authenticates. */
  token?: string;
  /** The fetch to use (JupyterLab passes its ServerConnection's, which adds Jupyter's own auth). */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  credentials?: RequestInit['credentials'];
}

export interface TurnHandlers {
  started?(runId: string, messageId: string): void;
  status?(status: string): void;
  token?(text: string): void;
}

export interface RunHandlers {
  snapshot(run: s.Run): void;
  event(event: s.RunEvent): void;
  /** The stream broke before the run ended. */
  lost?(reason: string): void;
}

const enc = encodeURIComponent;
const noContent = s.user.optional();
const idempotent = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

export function createAstraClient(options: AstraClientOptions = {}) {
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((url: string, init: RequestInit) => fetch(url, init));

  function send(method: string, path: string, body?: unknown, accept = 'application/json', signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { accept };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const attempt = () => doFetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
    // A kept-alive connection the server closed while idle fails at once ("other side closed"); a request
    // that changes nothing twice (GET, PUT, DELETE) is sent again on a fresh one.
    return attempt().catch((error: unknown) => {
      if (signal?.aborted || !idempotent.has(method)) throw error;
      return attempt();
    }).catch((error: unknown) => {
      if (signal?.aborted) throw error;
      const cause = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error);
      throw new ApiError(0, `the Astra server at ${baseUrl || 'this origin'} cannot be reached (${cause}); check that it is running`);
    });
  }

  async function refusal(response: Response): Promise<ApiError> {
    const text = await response.text().catch(() => '');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = c.errorAnswer.safeParse(json);
    return new ApiError(response.status, parsed.success ? parsed.data.error : `the server answered ${response.status}`, parsed.success ? (parsed.data.problems ?? []) : []);
  }

  async function request<T extends z.ZodType>(schema: T, method: string, path: string, body?: unknown): Promise<z.infer<T>> {
    const response = await send(method, path, body);
    if (!response.ok) throw await refusal(response);
    const text = await response.text();
    let json: unknown = undefined;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        throw new ApiError(response.status, `the server answered ${response.status} with something that is not JSON`);
      }
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new ApiError(response.status, `unexpected answer from ${method} ${path}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data;
  }

  /** The live events of a run: the snapshot first, then each event, until the run ends. Returns a stop function. */
  function followRun(runId: string, handlers: RunHandlers): () => void {
    const controller = new AbortController();
    void (async () => {
      let ended = false;
      try {
        const response = await send('GET', `/api/runs/${enc(runId)}/events`, undefined, 'text/event-stream', controller.signal);
        if (!response.ok || !response.body) throw await refusal(response);
        for await (const message of readEvents(response.body, controller.signal)) {
          const data = jsonOf(message);
          if (message.event === 'snapshot') {
            const run = s.run.safeParse(data);
            if (run.success) {
              handlers.snapshot(run.data);
              if (run.data.status !== 'running') ended = true;
            }
            continue;
          }
          const event = s.runEvent.safeParse(typeof data === 'object' && data !== null ? { type: message.event, ...data } : data);
          if (!event.success) continue;
          handlers.event(event.data);
          if (event.data.type === 'run' && event.data.status !== 'running') {
            ended = true;
            break;
          }
        }
        if (!ended && !controller.signal.aborted) handlers.lost?.('the event stream ended before the run did');
      } catch (error) {
        if (!controller.signal.aborted) handlers.lost?.(error instanceof Error ? error.message : String(error));
      } finally {
        controller.abort();
      }
    })();
    return () => controller.abort();
  }

  /** Resolves with the finished run; `onEvent` sees every live event on the way. */
  function awaitRun(runId: string, onEvent?: (event: s.RunEvent) => void): Promise<s.Run> {
    return new Promise((resolve, reject) => {
      followRun(runId, {
        snapshot: (run) => {
          if (run.status !== 'running') resolve(run);
        },
        event: (event) => {
          onEvent?.(event);
          if (event.type === 'run' && event.status !== 'running') getRun(runId).then(({ run }) => resolve(run), reject);
        },
        lost: (reason) => {
          // The stream may close right after the end; the record says how it ended.
          getRun(runId).then(({ run }) => (run.status === 'running' ? reject(new ApiError(0, `lost the run's events: ${reason}`)) : resolve(run)), reject);
        },
      });
    });
  }

  const getRun = (id: string) => request(s.runAnswer, 'GET', `/api/runs/${enc(id)}`);
  const runTraining = (id: string) => request(s.runTraining, 'GET', `/api/runs/${enc(id)}/training`);

  /** Streams an answer: `onToken` gets each piece as it is generated; resolves with the answer and its citations. */
  async function ask(body: c.AskRequest, onToken?: (text: string) => void): Promise<c.AskAnswer> {
    const request = c.askRequest.safeParse(body);
    if (!request.success) throw new ApiError(400, `ask: ${request.error.issues[0]?.path.join('.') ?? ''} ${request.error.issues[0]?.message ?? 'invalid'}`.trim());
    const response = await send('POST', '/api/ask', request.data, 'text/event-stream');
    if (!response.ok || !response.body) throw await refusal(response);
    for await (const message of readEvents(response.body)) {
      const data = jsonOf(message);
      if (message.event === 'token') {
        const token = c.askTokenEvent.safeParse(data);
        if (token.success) onToken?.(token.data.text);
      } else if (message.event === 'answer') {
        const answer = c.askAnswerEvent.safeParse(data);
        if (!answer.success) throw new ApiError(200, `unexpected answer event: ${answer.error.issues[0]?.message ?? 'invalid'}`);
        return answer.data;
      } else if (message.event === 'error') {
        const failure = c.askErrorEvent.safeParse(data);
        throw new ApiError(200, failure.success ? failure.data.error : 'answering failed');
      }
    }
    throw new ApiError(200, 'the answer stream ended without an answer');
  }

  /** Streams one chat turn: `handlers` see the run starting, status lines and tokens; resolves with the stored answer. */
  async function streamTurn(path: string, body: unknown, handlers: TurnHandlers = {}, signal?: AbortSignal): Promise<c.ChatMessage> {
    const response = await send('POST', path, body, 'text/event-stream', signal);
    if (!response.ok || !response.body) throw await refusal(response);
    for await (const message of readEvents(response.body, signal)) {
      const data = jsonOf(message);
      if (message.event === 'started') {
        const started = c.turnEvent.started.safeParse(data);
        if (started.success) handlers.started?.(started.data.runId, started.data.messageId);
      } else if (message.event === 'status') {
        const status = c.turnEvent.status.safeParse(data);
        if (status.success) handlers.status?.(status.data.status);
      } else if (message.event === 'token') {
        const token = c.turnEvent.token.safeParse(data);
        if (token.success) handlers.token?.(token.data.text);
      } else if (message.event === 'done') {
        const done = c.turnEvent.done.safeParse(data);
        if (!done.success) throw new ApiError(200, `unexpected done event: ${done.error.issues[0]?.message ?? 'invalid'}`);
        return done.data.message;
      } else if (message.event === 'error') {
        const failure = c.turnEvent.error.safeParse(data);
        if (failure.success) return failure.data.message;
        throw new ApiError(200, 'the turn failed');
      }
    }
    throw new ApiError(200, 'the answer stream ended without an answer');
  }

  /** Uploads one file's bytes into a collection and starts ingesting it. */
  async function upload(collection: string, filename: string, bytes: Blob | ArrayBuffer | Uint8Array, embeddingModel?: string) {
    const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/octet-stream' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const query = `collection=${enc(collection)}&filename=${enc(filename)}${embeddingModel ? `&embeddingModel=${enc(embeddingModel)}` : ''}`;
    const response = await doFetch(`${baseUrl}/api/uploads?${query}`, {
      method: 'POST', headers, body: bytes as RequestInit['body'], ...(options.credentials ? { credentials: options.credentials } : {}),
    }).catch((error: unknown) => {
      throw new ApiError(0, `the Astra server at ${baseUrl || 'this origin'} cannot be reached (${(error as Error).message})`);
    });
    if (!response.ok) throw await refusal(response);
    const parsed = c.uploadStarted.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new ApiError(response.status, 'unexpected answer from POST /api/uploads');
    return parsed.data;
  }

  /** Starts an ingest and polls it; `onProgress` sees each status until it is done. */
  async function ingest(body: c.IngestRequest, onProgress?: (status: c.IngestStatus) => void, pollMs = 500): Promise<c.IngestStatus> {
    const started = await request(c.ingestStarted, 'POST', '/api/ingest', body);
    for (;;) {
      const status = await request(c.ingestStatusAnswer, 'GET', `/api/ingest/${enc(started.workflowId)}`);
      onProgress?.(status);
      if (status.status !== 'running') return status;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  return {
    baseUrl,
    me: () => request(s.userAnswer, 'GET', '/api/auth/me'),
    signInProviders: () => request(c.providersAnswer, 'GET', '/api/auth/providers'),
    login: (username: string, password: string) => request(s.userAnswer, 'POST', '/api/auth/login', { username, password }),
    logout: () => request(noContent, 'POST', '/api/auth/logout'),

    nodeTypes: () => request(s.nodeTypesAnswer, 'GET', '/api/node-types'),
    models: () => request(c.modelsAnswer, 'GET', '/api/models'),
    /** One model; a fine-tune with its lineage (base, dataset, hyperparameters, metrics per file). */
    model: (name: string) => request(c.modelAnswer, 'GET', `/api/models/${enc(name)}`),

    listFlows: (q = '', page: { offset?: number; limit?: number } = {}) =>
      request(s.flowList, 'GET', `/api/flows?offset=${page.offset ?? 0}&limit=${page.limit ?? 500}${q ? `&q=${enc(q)}` : ''}`),
    /** Every flow I can see with exactly this name, my own first. */
    flowsNamed: (name: string) => request(s.flowList, 'GET', `/api/flows?name=${enc(name)}`),
    createFlow: (body: { name: string; description?: string; graph: s.FlowGraph; message?: string }) => request(s.flowWithVersion, 'POST', '/api/flows', body),
    getFlow: (id: string) => request(s.flowWithVersion, 'GET', `/api/flows/${enc(id)}`),
    saveFlow: (id: string, body: { graph: s.FlowGraph; name?: string; description?: string; message?: string }) => request(s.flowWithVersion, 'PUT', `/api/flows/${enc(id)}`, body),
    deleteFlow: (id: string) => request(noContent, 'DELETE', `/api/flows/${enc(id)}`),
    versions: (id: string) => request(s.versionList, 'GET', `/api/flows/${enc(id)}/versions`),
    version: (id: string, n: number) => request(s.versionAnswer, 'GET', `/api/flows/${enc(id)}/versions/${n}`),
    diff: (id: string, from: number, to: number) => request(s.diffAnswer, 'GET', `/api/flows/${enc(id)}/diff?from=${from}&to=${to}`),
    restore: (id: string, n: number) => request(s.flowWithVersion, 'POST', `/api/flows/${enc(id)}/versions/${n}/restore`),
    exportFlow: (id: string, version?: number) => request(s.flowExportFile, 'GET', `/api/flows/${enc(id)}/export${version ? `?version=${version}` : ''}`),
    importFlow: (file: s.FlowExportFile & { name?: string }) => request(s.flowWithVersion, 'POST', '/api/flows/import', file),
    validate: (graph: s.FlowGraph) => request(s.validation, 'POST', '/api/flows/validate', { graph }),
    templates: () => request(s.templateList, 'GET', '/api/flow-templates'),
    /** Who else may see and run a flow: named users, everyone with a role, or nobody (private). */
    shareFlow: (id: string, body: { visibility: 'private' | 'shared'; users?: string[]; roles?: Array<'user' | 'admin'> }) => request(s.flowAnswer, 'PUT', `/api/flows/${enc(id)}/sharing`, body),

    startRun: (body: { flowId: string; version?: number; inputs?: Record<string, string>; chat?: { history: Array<{ role: 'user' | 'assistant'; content: string }> } }) => request(s.runAnswer, 'POST', '/api/runs', body),
    listRuns: (flowId?: string, limit = 50) => request(s.runList, 'GET', `/api/runs?${flowId ? `flowId=${enc(flowId)}&` : ''}limit=${limit}`),
    /** Runs across your flows, filtered by flow, status and start time (ISO 8601), newest first. */
    findRuns: (filter: { flowId?: string; status?: s.RunStatus; since?: string; until?: string; limit?: number }) =>
      request(s.runList, 'GET', `/api/runs?${new URLSearchParams(Object.entries({ ...filter, limit: String(filter.limit ?? 100) }).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '')).toString()}`),
    getRun,
    nodeOutputs: (runId: string, nodeId: string) => request(s.nodeOutputs, 'GET', `/api/runs/${enc(runId)}/nodes/${enc(nodeId)}/outputs`),
    /** The loss curves so far of a run's Fine-tune nodes and its Evaluate nodes' before/after samples. */
    runTraining,
    /** The loss series of a run (train and validation loss by step), one per Fine-tune node. */
    lossSeries: async (id: string) => lossSeriesOf(await runTraining(id)),
    cancelRun: (id: string) => request(s.runAnswer, 'POST', `/api/runs/${enc(id)}/cancel`),
    rerun: (id: string, fromNode: string, version?: number) => request(s.runAnswer, 'POST', `/api/runs/${enc(id)}/rerun`, { fromNode, ...(version ? { version } : {}) }),
    followRun,
    awaitRun,

    query: (body: c.QueryRequest) => request(c.queryAnswer, 'POST', '/api/query', body),
    ask,
    ingest,
    ingestStatus: (workflowId: string) => request(c.ingestStatusAnswer, 'GET', `/api/ingest/${enc(workflowId)}`),
    collections: () => request(c.collectionsAnswer, 'GET', '/api/collections'),
    collection: (name: string) => request(c.collectionAnswer, 'GET', `/api/collections/${enc(name)}`),
    collectionDocuments: (name: string) => request(c.documentsAnswer, 'GET', `/api/collections/${enc(name)}/documents`),
    deleteCollection: (name: string) => request(c.collectionDeleted, 'DELETE', `/api/collections/${enc(name)}`),
    schedules: () => request(c.schedulesAnswer, 'GET', '/api/schedules'),
    createSchedule: (body: c.ScheduleRequest) => request(c.scheduleCreated, 'POST', '/api/schedules', body),
    deleteSchedule: (name: string) => request(c.scheduleDeleted, 'DELETE', `/api/schedules/${enc(name)}`),

    apps: () => request(c.appsAnswer, 'GET', '/api/apps'),
    app: (slug: string) => request(c.appAnswer, 'GET', `/api/apps/${enc(slug)}`),
    publish: (body: c.PublishRequest) => request(c.appAnswer, 'POST', '/api/apps', body),
    updateApp: (slug: string, body: c.AppUpdateRequest) => request(c.appAnswer, 'PATCH', `/api/apps/${enc(slug)}`, body),
    unpublish: (slug: string) => request(noContent, 'DELETE', `/api/apps/${enc(slug)}`),
    conversations: (slug: string) => request(c.conversationsAnswer, 'GET', `/api/apps/${enc(slug)}/conversations`),
    createConversation: (slug: string, title?: string) => request(c.conversationCreated, 'POST', `/api/apps/${enc(slug)}/conversations`, title ? { title } : {}),
    conversation: (id: string) => request(c.conversationAnswer, 'GET', `/api/conversations/${enc(id)}`),
    renameConversation: (id: string, title: string) => request(c.conversationAnswer, 'PATCH', `/api/conversations/${enc(id)}`, { title }),
    deleteConversation: (id: string) => request(noContent, 'DELETE', `/api/conversations/${enc(id)}`),
    sendMessage: (id: string, body: c.SendRequest, handlers?: TurnHandlers, signal?: AbortSignal) => streamTurn(`/api/conversations/${enc(id)}/messages`, body, handlers, signal),
    regenerate: (id: string, handlers?: TurnHandlers, signal?: AbortSignal) => streamTurn(`/api/conversations/${enc(id)}/regenerate`, undefined, handlers, signal),
    stopConversation: (id: string) => request(c.stopAnswer, 'POST', `/api/conversations/${enc(id)}/stop`),
    upload,
    keys: () => request(c.keysAnswer, 'GET', '/api/keys'),
    createKey: (body: c.KeyRequest) => request(c.keyCreated, 'POST', '/api/keys', body),
    revokeKey: (id: string) => request(noContent, 'DELETE', `/api/keys/${enc(id)}`),
    sessions: () => request(c.sessionsAnswer, 'GET', '/api/sessions'),
    revokeSession: (id: string) => request(noContent, 'DELETE', `/api/sessions/${enc(id)}`),
    tokens: () => request(c.tokensAnswer, 'GET', '/api/tokens'),
    revokeToken: (id: string) => request(noContent, 'DELETE', `/api/tokens/${enc(id)}`),
    audit: (filter: c.AuditFilter = {}) => request(c.auditAnswer, 'GET', `/api/admin/audit?${auditQuery(filter)}`),
    auditExportHref: (filter: c.AuditFilter = {}) => `${baseUrl}/api/admin/audit/export?${auditQuery(filter)}`,
    modelAccess: () => request(c.modelAccessAnswer, 'GET', '/api/admin/model-access'),
    setModelAccess: (kind: 'model' | 'app', name: string, body: { users: string[]; roles: Array<'admin' | 'user'> }) => request(c.modelAccessSet, 'PUT', `/api/admin/model-access/${kind}/${enc(name)}`, body),

    users: () => request(c.usersAnswer, 'GET', '/api/users'),
    createUser: (body: { username: string; password: string; role?: 'admin' | 'user' | 'pending' }) => request(c.userCreated, 'POST', '/api/users', body),
    approveUser: (username: string, role: 'admin' | 'user' = 'user') => request(c.userApproved, 'POST', `/api/users/${enc(username)}/approve`, { role }),
    changeUserRole: (username: string, role: 'admin' | 'user') => request(c.userRoleChanged, 'PUT', `/api/users/${enc(username)}/role`, { role }),
    changePassword: (currentPassword: string, newPassword: string) => request(c.passwordChanged, 'POST', '/api/account/password', { currentPassword, newPassword }),
    userNames: (contains = '') => request(c.userNamesAnswer, 'GET', `/api/user-names?q=${enc(contains)}`),
  };
}

/** The audit filters as a query string; empty ones left out. */
function auditQuery(filter: c.AuditFilter): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filter)) if (value !== undefined && value !== '') query.set(name, String(value));
  return query.toString();
}

export type AstraClient = ReturnType<typeof createAstraClient>;
