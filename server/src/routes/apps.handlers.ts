import { streamSSE } from 'hono/streaming';
import type { Context } from 'hono';
import { validateFlow, type FlowMessage } from '@astra/workflows/flow';
import type { AppDeps, AppEnv, AppRouteHandler } from '../app-types';
import { mayUse, SlugTakenError, type Caller, type StoredApp } from '../chat/apps-repo';
import { TurnRefusedError, type ChatService } from '../chat/chat-service';
import type { ChatMessageRecord } from '../chat/conversations-repo';
import { inputNames } from '../flows/run-service';
import { appAccessRefusal } from '../chat/app-access';
import { auditRequest } from '../audit/audit-request';
import type * as routes from './apps.routes';

/** A slug from a flow name: "RAG: answer a question" → "rag-answer-a-question". */
export const slugFrom = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'app';

/** Why a graph cannot be a chat app, or undefined when it can. */
export function notAChatFlow(graph: unknown): string | undefined {
  const { graph: valid, problems } = validateFlow(graph);
  if (!valid) return `it has problems: ${problems.map((p) => p.message).join('; ')}`;
  const missing = ['io.chat-input', 'io.chat-output'].filter((type) => !valid.nodes.some((node) => node.type === type));
  if (missing.length > 0) return `a chat app needs a Chat Input and a Chat Output node; this version has no ${missing.map((type) => (type === 'io.chat-input' ? 'Chat Input' : 'Chat Output')).join(' and no ')}`;
  return undefined;
}

/** The conversation so far as the flow reads it: finished turns only, in order. */
export const historyOf = (messages: ChatMessageRecord[]): FlowMessage[] =>
  messages.filter((message) => message.role === 'user' || message.status !== 'failed').map((message) => ({ role: message.role, content: message.content }));

export const appsHandlers = (deps: AppDeps, chat: ChatService) => {
  const running = new Map<string, AbortController>();
  const audit = auditRequest(deps);

  const describe = async (app: StoredApp, caller: Caller) => {
    const version = await deps.flows.version(app.flowId, app.version);
    const { id, slug, title, description, flowId, flowName, owner, visibility, sharedWith, createdAt, updatedAt, ownerId } = app;
    return { id, slug, title, description, flowId, flowName, version: app.version, owner, visibility, sharedWith, createdAt, updatedAt, inputs: version ? inputNames(version.graph).filter((name) => name !== 'message') : [], canManage: ownerId === caller.id || (caller.role === 'admin' && !caller.key) };
  };

  /** The app if this caller may use it; someone else's private app is simply not found. */
  const usable = async (caller: Caller, slug: string) => {
    const app = await deps.apps.bySlug(slug);
    return app && mayUse(caller, app) ? app : undefined;
  };
  const manageable = (caller: Caller, app: StoredApp) => !caller.key && (app.ownerId === caller.id || caller.role === 'admin');

  /** One turn streamed as SSE: started, status lines, tokens, then done (the stored answer) or error. */
  const streamTurn = (c: Context<AppEnv>, input: { caller: Caller; app: StoredApp; conversationId: string; message: string; history: FlowMessage[]; inputs: Record<string, string> }) =>
    streamSSE(c, async (stream) => {
      // Leaving the page does not stop the answer: it is still written and stored. Stop does.
      const stop = new AbortController();
      running.set(input.conversationId, stop);
      let open = true;
      stream.onAbort(() => {
        open = false;
      });
      const send = async (event: string, data: unknown) => {
        if (!open) return;
        await stream.writeSSE({ event, data: JSON.stringify(data) }).catch(() => {
          open = false;
        });
      };
      const reply = await deps.conversations.append(input.conversationId, { role: 'assistant', content: '', status: 'streaming' });
      try {
        const result = await chat.turn({
          caller: input.caller, app: input.app, message: input.message, history: input.history, inputs: input.inputs, signal: stop.signal,
          onStarted: async (runId) => {
            await deps.conversations.setRun(reply.id, runId);
            // A chat turn starts a run of the app's flow, which the audit log records like any other.
            await audit(c, 'run.start', runId, { detail: { app: input.app.slug, conversation: input.conversationId } });
            await send('started', { runId, messageId: reply.id });
          },
          onStatus: (status) => send('status', { status }),
          onToken: (text) => send('token', { text }),
        });
        const stored = await deps.conversations.finish(reply.id, { content: result.text, status: result.status, error: result.error, citations: result.citations, runId: result.runId, promptTokens: result.promptTokens, completionTokens: result.completionTokens, firstTokenMs: result.firstTokenMs, durationMs: result.durationMs });
        if (result.status === 'failed') await send('error', { error: result.error, message: stored });
        else await send('done', { message: stored });
      } catch (error) {
        const reason = error instanceof TurnRefusedError ? error.message : `the turn could not start: ${(error as Error).message}`;
        if (!(error instanceof TurnRefusedError)) deps.logger.error({ event: 'chat.turn-failed', conversation: input.conversationId, err: (error as Error).message });
        const stored = await deps.conversations.finish(reply.id, { content: '', status: 'failed', error: reason, citations: [], runId: null, promptTokens: 0, completionTokens: 0, firstTokenMs: null, durationMs: 0 }).catch(() => reply);
        await send('error', { error: reason, message: stored });
      } finally {
        running.delete(input.conversationId);
      }
    });

  /** The conversation, its app, and whether the caller may still use the app. */
  const conversationFor = async (caller: Caller, id: string) => {
    const conversation = await deps.conversations.get(caller.id, id);
    if (!conversation) return undefined;
    const app = await deps.apps.byId(conversation.appId);
    return app && mayUse(caller, app) ? { conversation, app } : undefined;
  };

  return {
    listApps: (async (c) => {
      const caller = c.get('user');
      const apps = await deps.access.usable(caller, 'app', await deps.apps.list(caller), (app) => app.slug);
      return c.json({ apps: await Promise.all(apps.map((app) => describe(app, caller))) }, 200);
    }) satisfies AppRouteHandler<typeof routes.listApps>,

    publishApp: (async (c) => {
      const caller = c.get('user');
      const body = c.req.valid('json');
      const flow = await deps.flows.get(caller, body.flowId);
      if (!flow) return c.json({ error: `no flow ${body.flowId}` }, 404);
      if (!flow.canEdit) return c.json({ error: `only the owner of "${flow.name}" can publish it` }, 403);
      const number = body.version ?? flow.latestVersion;
      const version = await deps.flows.version(flow.id, number);
      if (!version) return c.json({ error: `flow "${flow.name}" has no version ${number}` }, 404);
      const why = notAChatFlow(version.graph);
      if (why) return c.json({ error: `version ${number} of "${flow.name}" cannot be published: ${why}` }, 422);
      const slug = body.slug ?? slugFrom(flow.name);
      try {
        const created = await deps.apps.create(caller, { slug, title: body.title ?? flow.name, description: body.description || flow.description, flowId: flow.id, version: number, visibility: body.visibility, users: body.users, roles: body.roles });
        if (created.unknownUsers.length > 0) return c.json({ error: `invalid request: users: no user named ${created.unknownUsers.join(', ')}` }, 400);
      } catch (error) {
        if (error instanceof SlugTakenError) return c.json({ error: error.message }, 409);
        throw error;
      }
      deps.logger.info({ event: 'app.published', slug, flow: flow.id, version: number, by: caller.username });
      await audit(c, 'app.publish', slug, { detail: { flowId: flow.id, version: number, visibility: body.visibility } });
      return c.json({ app: await describe((await deps.apps.bySlug(slug))!, caller) }, 201);
    }) satisfies AppRouteHandler<typeof routes.publishApp>,

    getApp: (async (c) => {
      const caller = c.get('user');
      const app = await usable(caller, c.req.valid('param').slug);
      if (!app) return c.json({ error: `no app "${c.req.valid('param').slug}"` }, 404);
      return c.json({ app: await describe(app, caller) }, 200);
    }) satisfies AppRouteHandler<typeof routes.getApp>,

    updateApp: (async (c) => {
      const caller = c.get('user');
      const { slug } = c.req.valid('param');
      const body = c.req.valid('json');
      const app = await deps.apps.bySlug(slug);
      if (!app || !(mayUse(caller, app) || manageable(caller, app))) return c.json({ error: `no app "${slug}"` }, 404);
      if (!manageable(caller, app)) return c.json({ error: `only the owner of app "${slug}" (or an admin) can change it` }, 403);
      if (body.version !== undefined) {
        const version = await deps.flows.version(app.flowId, body.version);
        if (!version) return c.json({ error: `flow "${app.flowName}" has no version ${body.version}` }, 404);
        const why = notAChatFlow(version.graph);
        if (why) return c.json({ error: `version ${body.version} of "${app.flowName}" cannot be published: ${why}` }, 422);
      }
      const updated = await deps.apps.update(app.id, body);
      if (updated.unknownUsers.length > 0) return c.json({ error: `invalid request: users: no user named ${updated.unknownUsers.join(', ')}` }, 400);
      deps.logger.info({ event: 'app.updated', slug, by: caller.username, ...(body.version ? { version: body.version } : {}) });
      await audit(c, 'app.update', slug, { detail: { ...body } });
      return c.json({ app: await describe((await deps.apps.byId(app.id))!, caller) }, 200);
    }) satisfies AppRouteHandler<typeof routes.updateApp>,

    unpublishApp: (async (c) => {
      const caller = c.get('user');
      const { slug } = c.req.valid('param');
      const app = await deps.apps.bySlug(slug);
      if (!app || !(mayUse(caller, app) || manageable(caller, app))) return c.json({ error: `no app "${slug}"` }, 404);
      if (!manageable(caller, app)) return c.json({ error: `only the owner of app "${slug}" (or an admin) can unpublish it` }, 403);
      await deps.apps.remove(app.id);
      deps.logger.info({ event: 'app.unpublished', slug, by: caller.username });
      await audit(c, 'app.unpublish', slug, { detail: { flowId: app.flowId } });
      return c.body(null, 204);
    }) satisfies AppRouteHandler<typeof routes.unpublishApp>,

    listConversations: (async (c) => {
      const caller = c.get('user');
      const app = await usable(caller, c.req.valid('param').slug);
      if (!app) return c.json({ error: `no app "${c.req.valid('param').slug}"` }, 404);
      return c.json({ conversations: await deps.conversations.list(caller.id, app.id) }, 200);
    }) satisfies AppRouteHandler<typeof routes.listConversations>,

    createConversation: (async (c) => {
      const caller = c.get('user');
      const app = await usable(caller, c.req.valid('param').slug);
      if (!app) return c.json({ error: `no app "${c.req.valid('param').slug}"` }, 404);
      const body = c.req.header('content-type')?.includes('json') ? c.req.valid('json') : {};
      return c.json({ conversation: await deps.conversations.create(caller.id, app.id, body.title) }, 201);
    }) satisfies AppRouteHandler<typeof routes.createConversation>,

    getConversation: (async (c) => {
      const found = await conversationFor(c.get('user'), c.req.valid('param').id);
      if (!found) return c.json({ error: `no conversation ${c.req.valid('param').id}` }, 404);
      return c.json({ conversation: found.conversation }, 200);
    }) satisfies AppRouteHandler<typeof routes.getConversation>,

    renameConversation: (async (c) => {
      const caller = c.get('user');
      const { id } = c.req.valid('param');
      if (!(await conversationFor(caller, id)) || !(await deps.conversations.rename(caller.id, id, c.req.valid('json').title))) return c.json({ error: `no conversation ${id}` }, 404);
      return c.json({ conversation: (await deps.conversations.get(caller.id, id))! }, 200);
    }) satisfies AppRouteHandler<typeof routes.renameConversation>,

    deleteConversation: (async (c) => {
      const caller = c.get('user');
      const { id } = c.req.valid('param');
      if (!(await conversationFor(caller, id)) || !(await deps.conversations.remove(caller.id, id))) return c.json({ error: `no conversation ${id}` }, 404);
      return c.body(null, 204);
    }) satisfies AppRouteHandler<typeof routes.deleteConversation>,

    sendMessage: (async (c) => {
      const caller = c.get('user');
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const found = await conversationFor(caller, id);
      if (!found) return c.json({ error: `no conversation ${id}` }, 404);
      const version = await deps.flows.version(found.app.flowId, found.app.version);
      const declared = version ? inputNames(version.graph).filter((name) => name !== 'message') : [];
      for (const name of Object.keys(body.inputs)) {
        if (!declared.includes(name)) return c.json({ error: `invalid request: inputs.${name}: app "${found.app.slug}" takes no input "${name}" (it takes ${declared.join(', ') || 'only the message'})` }, 400);
      }
      const refusal = await appAccessRefusal(deps, caller, found.app);
      if (refusal) return c.json({ error: refusal }, 403);
      const messages = found.conversation.messages ?? [];
      if (messages.some((message) => message.status === 'streaming') && running.has(id)) return c.json({ error: 'an answer is still being written in this conversation: stop it or wait' }, 409);
      let before = messages;
      if (body.editSeq !== undefined) {
        const edited = messages.find((message) => message.seq === body.editSeq);
        if (!edited || edited.role !== 'user') return c.json({ error: `invalid request: editSeq: message ${body.editSeq} is not one of your messages in this conversation` }, 400);
        await deps.conversations.truncate(id, body.editSeq);
        before = messages.filter((message) => message.seq < body.editSeq!);
      }
      if (before.length === 0 && found.conversation.title === 'New conversation') await deps.conversations.rename(caller.id, id, body.content.slice(0, 80));
      await deps.conversations.append(id, { role: 'user', content: body.content });
      return streamTurn(c, { caller, app: found.app, conversationId: id, message: body.content, history: historyOf(before), inputs: body.inputs });
    }) satisfies AppRouteHandler<typeof routes.sendMessage>,

    regenerateMessage: (async (c) => {
      const caller = c.get('user');
      const { id } = c.req.valid('param');
      const found = await conversationFor(caller, id);
      if (!found) return c.json({ error: `no conversation ${id}` }, 404);
      if (running.has(id)) return c.json({ error: 'an answer is still being written in this conversation: stop it or wait' }, 409);
      const refusal = await appAccessRefusal(deps, caller, found.app);
      if (refusal) return c.json({ error: refusal }, 403);
      const messages = found.conversation.messages ?? [];
      const lastUser = [...messages].reverse().find((message) => message.role === 'user');
      if (!lastUser) return c.json({ error: 'nothing to regenerate: this conversation has no message yet' }, 409);
      await deps.conversations.truncate(id, lastUser.seq + 1);
      return streamTurn(c, { caller, app: found.app, conversationId: id, message: lastUser.content, history: historyOf(messages.filter((message) => message.seq < lastUser.seq)), inputs: {} });
    }) satisfies AppRouteHandler<typeof routes.regenerateMessage>,

    stopConversation: (async (c) => {
      const caller = c.get('user');
      const { id } = c.req.valid('param');
      const found = await conversationFor(caller, id);
      if (!found) return c.json({ error: `no conversation ${id}` }, 404);
      const here = running.get(id);
      here?.abort();
      // A turn streamed by another server process: cancelling its run ends it there too.
      const streaming = (found.conversation.messages ?? []).find((message) => message.status === 'streaming' && message.runId);
      if (!here && streaming?.runId) {
        const run = await deps.runs.get(caller.id, streaming.runId);
        if (run) await deps.temporal.workflow.getHandle(run.workflowId).cancel().catch(() => undefined);
      }
      return c.json({ stopped: Boolean(here || streaming) }, 202);
    }) satisfies AppRouteHandler<typeof routes.stopConversation>,
  };
};
