// One chat turn of a published app, for every chat surface (the chat API, /v1, /ollama): a durable
// run of the app's pinned flow version with the conversation as a structured value, its tokens
// streamed as the answering node writes them, and the answer the workflow recorded at the end.
import { randomUUID } from 'node:crypto';
import { findNodeSpec, type FlowGraph, type FlowMessage } from '@astra/workflows/flow';
import type { workflows } from '@astra/workflows';
import { z } from 'zod';
import type { AppDeps } from '../app-types';
import { createRunService, isRefusal, type RunService } from '../flows/run-service';
import type { Caller, StoredApp } from './apps-repo';
import type { RunNodeRecord } from '../flows/runs-repo';
import { citationSchema } from '../routes/apps.routes';

export type TurnCitation = z.infer<typeof citationSchema>;

/** What a Chat Output may receive: plain text (Generate) or an answer with citations (Answer with Citations). */
const chatOutputValue = z.union([z.string(), z.object({ answer: z.string(), citations: z.array(citationSchema) })]);

/** What a Retrieve node's passages output holds, as far as citations need it. */
const retrievedPassages = z.array(z.object({ chunkId: z.string(), text: z.string() }));

const modelParam = z.object({ model: z.string(), maxTokens: z.number().optional() });

export interface TurnOptions {
  /** Stop after this many completion tokens (finish reason "length"). */
  maxTokens?: number;
  /** Stop before the first of these (finish reason "stop"). */
  stop?: string[];
}

export interface TurnRequest extends TurnOptions {
  caller: Caller;
  app: StoredApp;
  message: string;
  history: FlowMessage[];
  /** Other inputs the flow declares (Input nodes), by name. */
  inputs?: Record<string, string>;
  /** Aborting stops the turn: the run is cancelled and the turn ends "stopped" with the text so far. */
  signal?: AbortSignal;
  onStarted?: (runId: string) => void | Promise<void>;
  onToken?: (text: string) => void | Promise<void>;
  /** What the run is doing now, for a status line: the running node's title ("Retrieve", "Generate"). */
  onStatus?: (status: string) => void | Promise<void>;
}

export interface TurnResult {
  runId: string;
  status: 'done' | 'failed' | 'stopped';
  text: string;
  citations: TurnCitation[];
  error?: string;
  finishReason: 'stop' | 'length';
  promptTokens: number;
  completionTokens: number;
  firstTokenMs: number | null;
  durationMs: number;
}

export class TurnRefusedError extends Error {
  constructor(message: string, readonly status: 403 | 404 | 422) {
    super(message);
  }
}

/** The node whose tokens are the reply: the one wired into the Chat Output. */
export function answeringNode(graph: FlowGraph): { nodeId: string; port: string; model: string | null; maxTokens: number | null } | undefined {
  const output = graph.nodes.find((node) => node.type === 'io.chat-output');
  const edge = output && graph.edges.find((candidate) => candidate.target === output.id);
  const source = edge && graph.nodes.find((node) => node.id === edge.source);
  if (!source) return undefined;
  const params = modelParam.safeParse(findNodeSpec(source.type, source.version)?.params.safeParse(source.params).data);
  return { nodeId: source.id, port: edge.sourcePort, model: params.success ? params.data.model : null, maxTokens: params.success ? params.data.maxTokens ?? null : null };
}

/** Turns that end without a word from the run for this long end with an error instead of waiting for ever. */
export const turnSilenceLimitMs = 120_000;

export function createChatService(deps: AppDeps, runs: RunService = createRunService(deps)) {
  const counters = new Map<string, Promise<((text: string) => number) | undefined>>();
  /** The model's own tokenizer where the provider has one; otherwise about four characters a token. */
  const countTokens = async (model: string | null, text: string): Promise<number> => {
    if (text === '') return 0;
    const counter = model && deps.inference.tokenCounter
      ? await (counters.get(model) ?? counters.set(model, deps.inference.tokenCounter(model).catch(() => undefined)).get(model)!)
      : undefined;
    return counter ? counter(text) : Math.ceil(text.length / 4);
  };

  /** Cuts the reply at a stop sequence or a token limit the client asked for. */
  const limiter = (options: TurnOptions, model: string | null) => {
    let ended: 'stop' | 'length' | undefined;
    return {
      get ended() {
        return ended;
      },
      async cut(text: string): Promise<string> {
        let result = text;
        for (const stop of options.stop ?? []) {
          const at = result.indexOf(stop);
          if (at !== -1) {
            result = result.slice(0, at);
            ended = 'stop';
          }
        }
        if (options.maxTokens !== undefined && (await countTokens(model, result)) > options.maxTokens) {
          // Shorten word by word until it fits: the limit is a count of the model's tokens.
          const words = result.split(/(?<=\s)/);
          while (words.length > 0 && (await countTokens(model, words.join(''))) > options.maxTokens) words.pop();
          result = words.join('');
          ended = 'length';
        }
        return result;
      },
    };
  };

  /** The value the answering node sent to the Chat Output, from its recorded outputs. */
  const answerOf = async (nodes: RunNodeRecord[], answering: { nodeId: string; port: string }): Promise<unknown> => {
    const node = nodes.find((candidate) => candidate.nodeId === answering.nodeId);
    const value = node?.outputs?.[answering.port];
    return value === undefined ? undefined : deps.runs.resolve(value);
  };

  /** Citations with the text of each cited passage, from the passages the run's nodes retrieved, so a reader can open it. */
  const withPassages = async (nodes: RunNodeRecord[], citations: TurnCitation[]): Promise<TurnCitation[]> => {
    if (citations.length === 0) return citations;
    const texts = new Map<string, string>();
    for (const node of nodes) {
      const value = node.outputs?.passages;
      if (value === undefined) continue;
      const passages = retrievedPassages.safeParse(await deps.runs.resolve(value));
      if (passages.success) for (const passage of passages.data) texts.set(passage.chunkId, passage.text);
    }
    return citations.map((citation) => (texts.has(citation.chunkId) ? { ...citation, passage: texts.get(citation.chunkId)! } : citation));
  };

  const turn = async (request: TurnRequest): Promise<TurnResult> => {
    const began = performance.now();
    const [flow, version] = await Promise.all([deps.flows.byId(request.app.flowId), deps.flows.version(request.app.flowId, request.app.version)]);
    if (!flow || !version) throw new TurnRefusedError(`app "${request.app.slug}" pins version ${request.app.version} of its flow, which no longer exists`, 404);
    const answering = answeringNode(version.graph);
    const titles = new Map(version.graph.nodes.map((node) => [node.id, node.label ?? findNodeSpec(node.type, node.version)?.title ?? node.type]));
    const started = await runs.start(request.caller, {
      flowId: request.app.flowId, version: request.app.version, authorisedBy: 'app', known: { flow, version },
      inputs: { ...request.inputs, message: request.message }, chat: { history: request.history },
    });
    if (isRefusal(started)) throw new TurnRefusedError(started.error, started.refused);
    const runId = started.run.id;
    await request.onStarted?.(runId);

    // Tokens are forwarded as long as they extend what was already sent: a retried attempt (seq back
    // at 0) re-generates the same text at temperature 0, and only what goes beyond it is new.
    let sent = '';
    let attemptText = '';
    let seenTokens = false;
    let diverged = false;
    let firstTokenMs: number | null = null;
    const limits = limiter(request, answering?.model ?? null);
    const forward = async (candidate: string) => {
      if (limits.ended) return;
      const allowed = await limits.cut(candidate);
      if (allowed.length > sent.length && allowed.startsWith(sent)) {
        const piece = allowed.slice(sent.length);
        sent = allowed;
        firstTokenMs ??= Math.round(performance.now() - began);
        await request.onToken?.(piece);
      }
    };

    let lastWord = Date.now();
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    request.signal?.addEventListener('abort', onAbort);
    if (request.signal?.aborted) stop.abort();
    let silentTooLong = false;
    // The answer is known once the node writing it has succeeded: the turn ends then, without waiting for the run's bookkeeping.
    const answered = new AbortController();
    const following = AbortSignal.any([stop.signal, answered.signal]);
    try {
      const record = await runs.follow(request.caller, runId, async (event) => {
        lastWord = Date.now();
        if (event.type === 'node' && event.nodeId === answering?.nodeId && event.state === 'succeeded') answered.abort();
        if (event.type === 'node' && event.state === 'running') await request.onStatus?.(titles.get(event.nodeId) ?? event.nodeId);
        if (event.type !== 'token' || event.nodeId !== answering?.nodeId) return;
        if (event.seq === 0 && seenTokens) attemptText = '';
        seenTokens = true;
        attemptText += event.text;
        if (!sent.startsWith(attemptText) && !attemptText.startsWith(sent)) diverged = true;
        if (!diverged) await forward(attemptText);
      }, {
        signal: following,
        idle: async () => {
          if (Date.now() - lastWord > turnSilenceLimitMs) {
            silentTooLong = true;
            stop.abort();
          }
        },
      });
      const durationMs = Math.round(performance.now() - began);
      const promptTokens = await countTokens(answering?.model ?? null, [...request.history.map((m) => m.content), request.message].join('\n'));
      if (stop.signal.aborted) {
        await runs.cancel(request.caller, record).catch(() => undefined);
        const error = silentTooLong ? `the run made no progress for ${turnSilenceLimitMs / 1000} s (is a worker running?); it was cancelled` : undefined;
        return { runId, status: silentTooLong ? 'failed' : 'stopped', text: sent, citations: [], ...(error ? { error } : {}), finishReason: 'stop', promptTokens, completionTokens: await countTokens(answering?.model ?? null, sent), firstTokenMs, durationMs };
      }
      if (!answered.signal.aborted && record.status !== 'succeeded') {
        return { runId, status: record.status === 'cancelled' ? 'stopped' : 'failed', text: sent, citations: [], error: record.error ?? `the run ${record.status}`, finishReason: 'stop', promptTokens, completionTokens: await countTokens(answering?.model ?? null, sent), firstTokenMs, durationMs };
      }
      // The run's recorded nodes, read once: the answer (when the turn ended at the answering node) and the cited passages both come from them.
      let recorded: Promise<RunNodeRecord[]> | undefined;
      const nodes = () => (recorded ??= deps.runs.nodes(runId));
      const produced = answered.signal.aborted
        ? await answerOf(await nodes(), answering!)
        : (await runs.resolvedOutputs(record)).message;
      const value = chatOutputValue.safeParse(produced);
      const full = value.success ? (typeof value.data === 'string' ? value.data : value.data.answer) : JSON.stringify(produced ?? '');
      const citations = value.success && typeof value.data !== 'string' ? await withPassages(await nodes(), value.data.citations) : [];
      const text = await limits.cut(full);
      if (!text.startsWith(sent)) {
        // What was streamed is not the start of the recorded answer (a retry wrote another one): say so instead of mixing them.
        return { runId, status: 'failed', text, citations, error: 'the answer was written again after a worker failure and differs from what was streamed; ask again', finishReason: 'stop', promptTokens, completionTokens: await countTokens(answering?.model ?? null, text), firstTokenMs, durationMs };
      }
      if (text.length > sent.length) await forward(text);
      const completionTokens = await countTokens(answering?.model ?? null, text);
      const finishReason = limits.ended ?? (answering?.maxTokens && completionTokens >= answering.maxTokens ? 'length' : 'stop');
      return { runId, status: 'done', text, citations, finishReason, promptTokens, completionTokens, firstTokenMs, durationMs };
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
    }
  };

  /** A turn straight to a plain model (no flow): a durable chatTurn workflow, streamed the same way. */
  const modelTurn = async (request: { model: string; messages: FlowMessage[]; maxTokens?: number; temperature?: number; stop?: string[]; signal?: AbortSignal; onToken?: (text: string) => void | Promise<void> }) => {
    const began = performance.now();
    const workflowId = `chat-${randomUUID()}`;
    let firstTokenMs: number | null = null;
    let pending = Promise.resolve();
    const unsubscribe = deps.runEvents.subscribe(workflowId, (event) => {
      if (event.type !== 'token' || !event.text) return;
      firstTokenMs ??= Math.round(performance.now() - began);
      const text = event.text;
      pending = pending.then(() => request.onToken?.(text));
    });
    const onAbort = () => void deps.temporal.workflow.getHandle(workflowId).cancel().catch(() => undefined);
    request.signal?.addEventListener('abort', onAbort);
    try {
      const result = await deps.temporal.workflow.execute<typeof workflows.chatTurn>('chatTurn', {
        taskQueue: deps.env.ASTRA_TASK_QUEUE,
        workflowId,
        args: [{ model: request.model, messages: request.messages, maxTokens: request.maxTokens, temperature: request.temperature, stop: request.stop, publishAs: workflowId }],
      });
      await pending;
      return { ...result, firstTokenMs, durationMs: Math.round(performance.now() - began) };
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
      unsubscribe();
    }
  };

  return { turn, modelTurn, countTokens };
}

export type ChatService = ReturnType<typeof createChatService>;
