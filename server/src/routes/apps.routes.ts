import { createRoute, z } from '@hono/zod-openapi';
import { appSlug, appVisibility } from '../chat/apps-repo';
import { errorContent } from './schemas';

/** A numbered source of an answer (Answer with Citations), as chat messages and the compatible APIs carry it. */
export const citationSchema = z.object({
  number: z.number(), source: z.string(), title: z.string().nullable(), chunkId: z.string(), cited: z.boolean(),
  /** The cited passage's text, as the run retrieved it (absent on answers stored before it was kept). */
  passage: z.string().optional(),
});

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });
const versionNumber = z.number().int().positive().max(2_147_483_647);

export const appBody = z.object({
  id: z.string(),
  slug: z.string(),
  title: z.string(),
  description: z.string(),
  flowId: z.string(),
  flowName: z.string(),
  version: z.number(),
  owner: z.string(),
  visibility: appVisibility,
  sharedWith: z.object({ users: z.array(z.string()), roles: z.array(z.string()) }),
  /** Run inputs the flow declares besides the message. */
  inputs: z.array(z.string()),
  canManage: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const appContent = json(z.object({ app: appBody }));
const slugParam = z.object({ slug: z.string() });
const idParam = z.object({ id: z.string() });
const roles = z.array(z.enum(['admin', 'user'])).max(2);
const usernames = z.array(z.string().min(1).max(63)).max(1000);

export const listApps = createRoute({
  method: 'get', path: '/api/apps', tags: ['chat'], summary: 'The chat apps you may use',
  responses: { 200: { description: 'apps', content: json(z.object({ apps: z.array(appBody) })) } },
});

export const publishApp = createRoute({
  method: 'post', path: '/api/apps', tags: ['chat'], summary: 'Publish a version of a flow (with Chat Input and Chat Output) as a chat app',
  request: {
    body: {
      content: json(z.strictObject({
        flowId: z.string(),
        version: versionNumber.optional(),
        slug: appSlug.optional(),
        title: z.string().trim().min(1).max(200).optional(),
        description: z.string().max(4000).default(''),
        visibility: appVisibility.default('private'),
        users: usernames.default([]),
        roles: roles.default([]),
      })),
      required: true,
    },
  },
  responses: {
    201: { description: 'published', content: appContent },
    400: { description: 'malformed', content: errorContent },
    403: { description: 'not your flow', content: errorContent },
    404: { description: 'no such flow or version', content: errorContent },
    409: { description: 'slug taken', content: errorContent },
    422: { description: 'the version is not a chat flow', content: errorContent },
  },
});

export const getApp = createRoute({
  method: 'get', path: '/api/apps/{slug}', tags: ['chat'], summary: 'One chat app',
  request: { params: slugParam },
  responses: { 200: { description: 'the app', content: appContent }, 404: { description: 'no such app (or not yours to use)', content: errorContent } },
});

export const updateApp = createRoute({
  method: 'patch', path: '/api/apps/{slug}', tags: ['chat'], summary: 'Change an app: pin another version (an explicit act), title, description, who may use it',
  request: {
    params: slugParam,
    body: {
      content: json(z.strictObject({
        version: versionNumber.optional(),
        title: z.string().trim().min(1).max(200).optional(),
        description: z.string().max(4000).optional(),
        visibility: appVisibility.optional(),
        users: usernames.optional(),
        roles: roles.optional(),
      })),
      required: true,
    },
  },
  responses: {
    200: { description: 'changed', content: appContent },
    400: { description: 'malformed', content: errorContent },
    403: { description: 'not yours', content: errorContent },
    404: { description: 'no such app or version', content: errorContent },
    422: { description: 'that version is not a chat flow', content: errorContent },
  },
});

export const unpublishApp = createRoute({
  method: 'delete', path: '/api/apps/{slug}', tags: ['chat'], summary: 'Unpublish an app (its conversations go with it; the flow stays)',
  request: { params: slugParam },
  responses: { 204: { description: 'unpublished' }, 403: { description: 'not yours', content: errorContent }, 404: { description: 'no such app', content: errorContent } },
});

export const messageBody = z.object({
  id: z.string(),
  seq: z.number(),
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  citations: z.array(citationSchema),
  runId: z.string().nullable(),
  status: z.enum(['done', 'streaming', 'failed', 'stopped']),
  error: z.string().nullable(),
  promptTokens: z.number().nullable(),
  completionTokens: z.number().nullable(),
  firstTokenMs: z.number().nullable(),
  durationMs: z.number().nullable(),
  createdAt: z.string(),
});
export const conversationBody = z.object({
  id: z.string(),
  appId: z.string(),
  appSlug: z.string(),
  title: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  messages: z.array(messageBody).optional(),
});
const conversationContent = json(z.object({ conversation: conversationBody }));

export const listConversations = createRoute({
  method: 'get', path: '/api/apps/{slug}/conversations', tags: ['chat'], summary: 'Your conversations with an app, latest first',
  request: { params: slugParam },
  responses: { 200: { description: 'conversations', content: json(z.object({ conversations: z.array(conversationBody) })) }, 404: { description: 'no such app', content: errorContent } },
});

export const createConversation = createRoute({
  method: 'post', path: '/api/apps/{slug}/conversations', tags: ['chat'], summary: 'Start a conversation with an app',
  request: { params: slugParam, body: { content: json(z.strictObject({ title: z.string().trim().min(1).max(200).optional() })), required: false } },
  responses: { 201: { description: 'created', content: conversationContent }, 400: { description: 'malformed', content: errorContent }, 404: { description: 'no such app', content: errorContent } },
});

export const getConversation = createRoute({
  method: 'get', path: '/api/conversations/{id}', tags: ['chat'], summary: 'A conversation with its messages',
  request: { params: idParam },
  responses: { 200: { description: 'the conversation', content: conversationContent }, 404: { description: 'no such conversation', content: errorContent } },
});

export const renameConversation = createRoute({
  method: 'patch', path: '/api/conversations/{id}', tags: ['chat'], summary: 'Rename a conversation',
  request: { params: idParam, body: { content: json(z.strictObject({ title: z.string().trim().min(1).max(200) })), required: true } },
  responses: { 200: { description: 'renamed', content: conversationContent }, 400: { description: 'malformed', content: errorContent }, 404: { description: 'no such conversation', content: errorContent } },
});

export const deleteConversation = createRoute({
  method: 'delete', path: '/api/conversations/{id}', tags: ['chat'], summary: 'Delete a conversation and its messages',
  request: { params: idParam },
  responses: { 204: { description: 'deleted' }, 404: { description: 'no such conversation', content: errorContent } },
});

/** The events of a streamed turn, by SSE event name (the CLI and the notebook client read them). */
export const turnEvent = {
  started: z.object({ runId: z.string(), messageId: z.string() }),
  status: z.object({ status: z.string() }),
  token: z.object({ text: z.string() }),
  /** `done` carries the stored answer; `error` the reason and the stored (failed) message. */
  done: z.object({ message: messageBody }),
  error: z.object({ error: z.string().nullable(), message: messageBody }),
};

const turnEvents = { 'text/event-stream': { schema: z.string() } };

export const sendMessage = createRoute({
  method: 'post', path: '/api/conversations/{id}/messages', tags: ['chat'],
  summary: 'Send a message; the answer streams back (SSE: started, status, token, then done or error)',
  request: {
    params: idParam,
    body: {
      content: json(z.strictObject({
        content: z.string().min(1, 'a message needs some text').max(100_000),
        /** The other inputs the flow declares, by name. */
        inputs: z.record(z.string().max(64), z.string().max(100_000)).default({}),
        /** Edit and resend: replace the user message at this position and everything after it. */
        editSeq: z.number().int().min(0).optional(),
      })),
      required: true,
    },
  },
  responses: { 200: { description: 'the turn, streamed', content: turnEvents }, 400: { description: 'malformed', content: errorContent }, 403: { description: 'the app, or a model it calls, is one the caller may not use', content: errorContent }, 404: { description: 'no such conversation', content: errorContent }, 409: { description: 'a turn is already running', content: errorContent } },
});

export const regenerateMessage = createRoute({
  method: 'post', path: '/api/conversations/{id}/regenerate', tags: ['chat'], summary: 'Answer the last message again (a new run of the same turn)',
  request: { params: idParam },
  responses: { 200: { description: 'the turn, streamed', content: turnEvents }, 403: { description: 'the app, or a model it calls, is one the caller may not use', content: errorContent }, 404: { description: 'no such conversation', content: errorContent }, 409: { description: 'nothing to regenerate, or a turn is running', content: errorContent } },
});

export const stopConversation = createRoute({
  method: 'post', path: '/api/conversations/{id}/stop', tags: ['chat'], summary: 'Stop the answer being written (cancels its run)',
  request: { params: idParam },
  responses: { 202: { description: 'stopping', content: json(z.object({ stopped: z.boolean() })) }, 404: { description: 'no such conversation', content: errorContent } },
});
