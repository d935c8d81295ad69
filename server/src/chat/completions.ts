// What the OpenAI- and Ollama-compatible APIs share: a model name resolved to a published app (its
// slug) or a plain local model, and one completion run through the chat service, streamed.
import type { FlowMessage } from '@astra/workflows/flow';
import type { AppDeps } from '../app-types';
import { mayUse, type Caller, type StoredApp } from './apps-repo';
import type { ChatService, TurnCitation } from './chat-service';
import { appAccessRefusal } from './app-access';

export type Target = { kind: 'app'; app: StoredApp } | { kind: 'model'; name: string };

export class CompletionError extends Error {
  constructor(message: string, readonly status: 400 | 403 | 404 | 500 | 503, readonly code: string, readonly param: string | null = null) {
    super(message);
  }
}

/** A message as the compatible APIs receive it, reduced to what a flow reads. */
export interface IncomingMessage {
  role: string;
  content: string;
}

export interface CompletionRequest {
  caller: Caller;
  target: Target;
  messages: IncomingMessage[];
  maxTokens?: number;
  temperature?: number;
  stop?: string[];
  /** Inputs the app's flow declares besides the message (an Astra extension field). */
  inputs?: Record<string, string>;
  signal?: AbortSignal;
  onToken?: (text: string) => void | Promise<void>;
  /** The run of an app's flow has started (plain model turns start none). */
  onStarted?: (runId: string) => void | Promise<void>;
}

export interface Completion {
  text: string;
  citations: TurnCitation[];
  finishReason: 'stop' | 'length';
  promptTokens: number;
  completionTokens: number;
  runId: string | null;
  durationMs: number;
  firstTokenMs: number | null;
}

/** Strips Ollama's default tag: "my-app:latest" is "my-app". */
export const withoutTag = (name: string) => name.replace(/:latest$/, '');

/** The sources as numbered lines under the answer, so a client that shows only text still shows [n] → source. */
export function sourcesFooter(citations: TurnCitation[]): string {
  const shown = citations.some((citation) => citation.cited) ? citations.filter((citation) => citation.cited) : citations;
  if (shown.length === 0) return '';
  return `\n\nSources:\n${shown.map((citation) => `[${citation.number}] ${citation.title ? `${citation.title} — ` : ''}${citation.source}`).join('\n')}`;
}

export function createCompletions(deps: AppDeps, chat: ChatService) {
  /** Published apps first, then the provider's models of that kind; only what this caller may use (`known`: every model, for refusals). */
  const targets = async (caller: Caller, kind: 'generation' | 'embedding') => {
    const [listed, known] = await Promise.all([kind === 'generation' ? deps.apps.list(caller) : Promise.resolve([]), deps.models.list()]);
    // A key scoped to some apps reaches those apps and nothing else; and only what an admin lets the caller use is offered.
    const apps = await deps.access.usable(caller, 'app', listed, (app) => app.slug);
    const models = caller.key?.appIds ? [] : await deps.access.usable(caller, 'model', known.filter((model) => model.kind === kind), (model) => model.name);
    return { apps, models, known };
  };

  /** Refuses (403, naming it) an app the caller may not use, or one whose flow calls a model they may not use. */
  const checkApp = async (caller: Caller, app: StoredApp) => {
    const refusal = await appAccessRefusal(deps, caller, app);
    if (refusal) throw new CompletionError(refusal, 403, 'model_not_allowed', 'model');
  };

  const resolve = async (caller: Caller, name: string, kind: 'generation' | 'embedding'): Promise<Target> => {
    const wanted = withoutTag(name);
    if (kind === 'generation') {
      const app = await deps.apps.bySlug(wanted);
      if (app) {
        if (mayUse(caller, app)) {
          await checkApp(caller, app);
          return { kind: 'app', app };
        }
        if (caller.key?.appIds) throw new CompletionError(`this API key is not scoped to "${wanted}"`, 403, 'model_not_allowed', 'model');
      }
    }
    const { apps, models, known } = await targets(caller, kind);
    const model = models.find((candidate) => candidate.name === wanted);
    if (model) return { kind: 'model', name: model.name };
    if (!caller.key?.appIds && known.some((candidate) => candidate.name === wanted && candidate.kind === kind)) {
      throw new CompletionError(`you may not use model "${wanted}"; ask an admin for access`, 403, 'model_not_allowed', 'model');
    }
    if (caller.key?.appIds && known.some((candidate) => candidate.name === wanted)) {
      throw new CompletionError(`this API key is scoped to chat apps (${apps.map((app) => app.slug).join(', ')}) and does not reach model "${wanted}"`, 403, 'model_not_allowed', 'model');
    }
    const offered = [...apps.map((app) => app.slug), ...models.map((m) => m.name)];
    throw new CompletionError(`no ${kind === 'embedding' ? 'embedding model' : 'app or model'} "${name}"; available: ${offered.join(', ') || 'none'}`, 404, 'model_not_found', 'model');
  };

  const complete = async (request: CompletionRequest): Promise<Completion> => {
    const usable = request.messages.filter((message) => ['system', 'user', 'assistant', 'developer'].includes(message.role) && message.content !== '');
    const asFlow = (message: IncomingMessage): FlowMessage => ({ role: message.role === 'developer' ? 'system' : message.role === 'user' || message.role === 'assistant' ? message.role : 'system', content: message.content });
    if (request.target.kind === 'model') {
      if (usable.length === 0) throw new CompletionError('messages: give at least one message with text', 400, 'invalid_messages', 'messages');
      const result = await chat.modelTurn({ model: request.target.name, messages: usable.map(asFlow), maxTokens: request.maxTokens, temperature: request.temperature, stop: request.stop, signal: request.signal, onToken: request.onToken });
      return { text: result.answer, citations: [], finishReason: result.finishReason === 'length' ? 'length' : 'stop', promptTokens: result.promptTokens, completionTokens: result.completionTokens, runId: null, durationMs: result.durationMs, firstTokenMs: result.firstTokenMs };
    }
    // The turn's message is the last user message; everything before it is the history the flow sees.
    const last = usable.map((message) => message.role).lastIndexOf('user');
    if (last === -1) throw new CompletionError('messages: a chat app needs a user message', 400, 'invalid_messages', 'messages');
    const result = await chat.turn({
      caller: request.caller, app: request.target.app, message: usable[last]!.content, history: usable.slice(0, last).map(asFlow), inputs: request.inputs,
      maxTokens: request.maxTokens, stop: request.stop, signal: request.signal, onToken: request.onToken, onStarted: request.onStarted,
    });
    if (result.status === 'failed') throw new CompletionError(result.error ?? 'the run failed', 500, 'run_failed');
    return { text: result.text, citations: result.citations, finishReason: result.finishReason, promptTokens: result.promptTokens, completionTokens: result.completionTokens, runId: result.runId, durationMs: result.durationMs, firstTokenMs: result.firstTokenMs };
  };

  return { targets, resolve, checkApp, complete, countTokens: chat.countTokens };
}

export type Completions = ReturnType<typeof createCompletions>;
