// One wrapper around every node's activity: it parses the params with the node's schema, resolves
// inputs passed by reference, records the ledger and the node's state, stores big outputs by
// reference, and turns bad input into a non-retryable failure that names the node and the field.
import { hostname } from 'node:os';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { z } from 'zod';
import type { ActivityOf, AnyNodeSpec, NodeRequest, NodeResult, PortInput } from '@astra/workflows/flow';
import { NodeParamError } from '@astra/workflows/nodes/pure';
import { databaseUnavailableReason } from '../db';
import { ContextOverflowError, UnknownModelError } from '../models/provider';
import type { RunStore } from './run-store';

export { NodeParamError };

export interface NodeContext {
  runId: string;
  nodeId: string;
  ownerId: string;
  signal: AbortSignal;
  /** What the last attempt reported before it stopped (to resume from), if anything. */
  resumeFrom: unknown;
  log(message: string, level?: 'info' | 'warn' | 'error'): Promise<void>;
  /** Heartbeats (with details to resume from) and, at most every 250 ms, a progress event. */
  progress(done: number, total: number, unit: string, resume?: unknown): void;
  /** Publishes generated text live as token events of this node. */
  token(text: string): void;
  flushTokens(): Promise<void>;
}

export type NodeImplementation<S extends AnyNodeSpec> = (call: {
  params: z.infer<S['params']>;
  /** Typed by each input port's type (and what it accepts); absent when nothing arrived on it. */
  inputs: { [K in keyof S['inputs'] & string]?: PortInput<S['inputs'][K]['type']> };
  node: NodeContext;
}) => Promise<Partial<Record<keyof S['outputs'] & string, unknown>>>;

const worker = `${hostname()}:${process.pid}`;

/** How long before its attempt's deadline a node stops waiting for the database and fails the attempt. */
const outageMargin = 2000;

/**
 * The node's own bookkeeping (ledger, state, values by reference) waits out a database outage inside
 * the attempt, beating as it waits, instead of failing the attempt at once: an outage costs the node
 * a retry only once it outlasts the attempt's start-to-close timeout, not every second or two.
 */
export async function waitingOutOutage<T>(context: Context, beat: () => void, call: () => Promise<T>): Promise<T> {
  const deadline = context.info.currentAttemptScheduledTimestampMs + context.info.startToCloseTimeoutMs - outageMargin;
  for (let pause = 200; ; pause = Math.min(pause * 2, 2000)) {
    try {
      return await call();
    } catch (error) {
      if (databaseUnavailableReason(error) === undefined || Date.now() + pause > deadline) throw error;
      beat();
      await context.sleep(pause);
    }
  }
}

export type NodeActivityFunction = (request: NodeRequest) => Promise<NodeResult>;

/** The activity of one node type, keyed by the name its spec gives, so the name is written once. */
export function nodeActivity<S extends AnyNodeSpec>(spec: S, store: RunStore, implementation: NodeImplementation<S>): Record<ActivityOf<S>, NodeActivityFunction> {
  const activity = 'activity' in spec.run ? spec.run.activity : spec.type;
  const where = (nodeId: string) => `${spec.title} "${nodeId}"`;

  const run: NodeActivityFunction = async (request) => {
    const context = Context.current();
    const attempt = context.info.attempt;
    // Every node heartbeats, so every node hears of its cancellation (a failed sibling, a cancelled run);
    // the last resume details go with each beat so a plain beat never erases them.
    let resumeDetails: unknown = context.info.heartbeatDetails;
    const beat = (details?: unknown) => {
      if (details !== undefined) resumeDetails = details;
      context.heartbeat(resumeDetails);
    };
    const bookkeeping = <T>(call: () => Promise<T>) => waitingOutOutage(context, beat, call);
    const [ledgerId] = await Promise.all([
      bookkeeping(() => store.nodeStarted({ runId: request.runId, nodeId: request.nodeId, type: spec.type, activity, attempt, worker, inputs: request.inputs })),
      // States the workflow settled just before starting this node, written here instead of in a round trip of their own.
      request.states ? bookkeeping(() => store.recordNodeStates(request.runId, request.states!.types, request.states!.records)) : undefined,
    ]);
    const fail = async (error: unknown): Promise<never> => {
      const bad = error instanceof NodeParamError
        ? ApplicationFailure.nonRetryable(`${where(request.nodeId)}: params.${error.field}: ${error.message}`, 'InvalidNodeParams')
        : error instanceof UnknownModelError || error instanceof ContextOverflowError
          ? ApplicationFailure.nonRetryable(`${where(request.nodeId)}: ${error.message}`, error.name)
          : error;
      const cancelled = bad instanceof CancelledFailure;
      await store.attemptFailed({ runId: request.runId, nodeId: request.nodeId, ledgerId, attempt, message: bad instanceof Error ? bad.message : String(bad), outcome: cancelled ? 'cancelled' : 'failed' }).catch(() => undefined);
      throw bad;
    };

    const parsed = spec.params.safeParse(request.params);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return fail(new NodeParamError(issue.path.map(String).join('.') || '(params)', issue.message));
    }
    let lastProgress = 0;
    let pendingTokens = '';
    let seq = 0;
    let flushing: Promise<unknown> = Promise.resolve();
    const flushTokens = () => {
      if (pendingTokens === '') return flushing;
      const text = pendingTokens;
      pendingTokens = '';
      flushing = flushing.then(() => store.publish({ stream: request.runId, type: 'token', nodeId: request.nodeId, text, seq: seq++ })).catch(() => undefined);
      return flushing;
    };
    const tokenTimer = setInterval(() => void flushTokens(), 50);
    const beatTimer = setInterval(() => beat(), 1000);
    const node: NodeContext = {
      runId: request.runId,
      nodeId: request.nodeId,
      ownerId: request.ownerId,
      signal: context.cancellationSignal,
      resumeFrom: context.info.heartbeatDetails,
      log: (message, level = 'info') => bookkeeping(() => store.log(request.runId, request.nodeId, level, message)),
      progress(done, total, unit, resume) {
        beat(resume ?? { done, total });
        if (Date.now() - lastProgress < 250 && done < total) return;
        lastProgress = Date.now();
        void store.publish({ stream: request.runId, type: 'progress', nodeId: request.nodeId, done, total, unit }).catch(() => undefined);
      },
      token(text) {
        pendingTokens += text;
        // The first piece goes out at once (time to first token is what a chat user feels); the rest in 50 ms bundles.
        // No beat per token: the beat timer already beats every second, and a beat costs an encode and a native call.
        if (seq === 0) void flushTokens();
      },
      flushTokens: () => flushTokens().then(() => undefined),
    };
    try {
      const inputs: Record<string, unknown> = {};
      for (const [port, value] of Object.entries(request.inputs)) inputs[port] = await bookkeeping(() => store.resolve(value));
      const produced = await Promise.race([implementation({ params: parsed.data as z.infer<S['params']>, inputs: inputs as Parameters<NodeImplementation<S>>[0]['inputs'], node }), context.cancelled]);
      await flushTokens();
      const outputs: NodeResult['outputs'] = {};
      for (const [port, value] of Object.entries(produced)) {
        if (value !== undefined) outputs[port] = await bookkeeping(() => store.storeValue(request.runId, request.nodeId, port, value));
      }
      await bookkeeping(() => store.nodeSucceeded({ runId: request.runId, nodeId: request.nodeId, ledgerId, outputs }));
      return { outputs };
    } catch (error) {
      return await fail(error);
    } finally {
      clearInterval(tokenTimer);
      clearInterval(beatTimer);
    }
  };
  return { [activity]: run } as Record<ActivityOf<S>, NodeActivityFunction>;
}
