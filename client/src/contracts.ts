// The answers the client parses, each taken from the one definition of its contract: the shared flow and
// run schemas of @astra/workflows/flow, and the response schemas of the server's own route definitions.
import { z } from 'zod';
import { askCollection, queryCollection } from '@astra/server/routes/query';
import { ingestStatus, startIngest } from '@astra/server/routes/ingest';
import { deleteCollection, listCollections, listDocuments, showCollection } from '@astra/server/routes/collections';
import { createSchedule, deleteSchedule, listSchedules } from '@astra/server/routes/schedules';
import { listModels, showModel } from '@astra/server/routes/models';
import { createKey, listKeys } from '@astra/server/routes/keys';
import { createConversation, getApp, getConversation, listApps, listConversations, publishApp, sendMessage, stopConversation, turnEvent as chatTurnEvent, updateApp } from '@astra/server/routes/apps';
import { uploadAndIngest } from '@astra/server/routes/ingest';
import { listSessions, listTokens } from '@astra/server/routes/sessions';
import { signInProviders } from '@astra/server/routes/oidc';
import { listAudit, listModelAccess, setModelAccess } from '@astra/server/routes/admin';
import { approveUser, createUser, listUsers } from '@astra/server/routes/users';

/** The JSON schema of a route's answer with that status (the route definitions name them once). */
function answerOf<R extends { responses: Record<number, unknown> }, S extends keyof R['responses'] & number>(route: R, status: S) {
  const response = route.responses[status];
  const schema = (response as { content?: { 'application/json'?: { schema?: unknown } } }).content?.['application/json']?.schema;
  if (!(schema instanceof z.ZodType)) throw new Error(`route has no JSON answer for ${status}`);
  return schema as R['responses'][S] extends { content: { 'application/json': { schema: infer T } } } ? T : never;
}

export const queryAnswer = answerOf(queryCollection, 200);
export const queryRequest = queryCollection.request.body.content['application/json'].schema;
export const askRequest = askCollection.request.body.content['application/json'].schema;
export const ingestStarted = answerOf(startIngest, 202);
export const ingestRequest = startIngest.request.body.content['application/json'].schema;
export const ingestStatusAnswer = answerOf(ingestStatus, 200);
export const collectionsAnswer = answerOf(listCollections, 200);
export const collectionAnswer = answerOf(showCollection, 200);
export const documentsAnswer = answerOf(listDocuments, 200);
export const collectionDeleted = answerOf(deleteCollection, 200);
export const schedulesAnswer = answerOf(listSchedules, 200);
export const scheduleCreated = answerOf(createSchedule, 201);
export const scheduleRequest = createSchedule.request.body.content['application/json'].schema;
export const scheduleDeleted = answerOf(deleteSchedule, 200);
export const modelsAnswer = answerOf(listModels, 200);
export const modelAnswer = answerOf(showModel, 200);
export const keysAnswer = answerOf(listKeys, 200);
export const keyCreated = answerOf(createKey, 201);
export const keyRequest = createKey.request.body.content['application/json'].schema;
export const appsAnswer = answerOf(listApps, 200);
export const appAnswer = answerOf(getApp, 200);
export const publishRequest = publishApp.request.body.content['application/json'].schema;
export const appUpdateRequest = updateApp.request.body.content['application/json'].schema;
export const conversationsAnswer = answerOf(listConversations, 200);
export const conversationAnswer = answerOf(getConversation, 200);
export const conversationCreated = answerOf(createConversation, 201);
export const sendRequest = sendMessage.request.body.content['application/json'].schema;
export const stopAnswer = answerOf(stopConversation, 202);
export const uploadStarted = answerOf(uploadAndIngest, 202);

/** The events of a streamed chat turn, by SSE event name (started, status lines, tokens, then done or error). */
export const turnEvent = chatTurnEvent;

export const providersAnswer = answerOf(signInProviders, 200);
export const sessionsAnswer = answerOf(listSessions, 200);
export const tokensAnswer = answerOf(listTokens, 200);
export const auditAnswer = answerOf(listAudit, 200);
export const auditFilter = listAudit.request.query;
export const modelAccessAnswer = answerOf(listModelAccess, 200);
export const modelAccessSet = answerOf(setModelAccess, 200);
export const usersAnswer = answerOf(listUsers, 200);
export const userCreated = answerOf(createUser, 201);
export const userApproved = answerOf(approveUser, 200);

/** What `POST /api/ask` streams after its tokens (docs: askCollection's description). */
export const askAnswerEvent = z.object({
  answer: z.string(),
  citations: z.array(z.object({ number: z.number(), source: z.string(), title: z.string().nullable().optional(), cited: z.boolean().optional() }).passthrough()),
}).passthrough();
export const askTokenEvent = z.object({ text: z.string() });
export const askErrorEvent = z.object({ error: z.string() });
export const errorAnswer = z.object({ error: z.string(), problems: z.array(z.object({ code: z.string(), nodeId: z.string().optional(), edgeId: z.string().optional(), path: z.string(), message: z.string() })).optional() });

export type QueryRequest = z.input<typeof queryRequest>;
export type KeyRequest = z.input<typeof keyRequest>;
export type AuditFilter = Partial<z.input<typeof auditFilter>>;
export type PublishRequest = z.input<typeof publishRequest>;
export type AppUpdateRequest = z.input<typeof appUpdateRequest>;
export type SendRequest = z.input<typeof sendRequest>;
export type ChatApp = z.infer<typeof appAnswer>['app'];
export type ChatMessage = z.infer<typeof turnEvent.done>['message'];
export type Conversation = z.infer<typeof conversationAnswer>['conversation'];
export type App = z.infer<typeof appsAnswer>['apps'][number];
export type QueryResult = z.infer<typeof queryAnswer>['results'][number];
export type AskRequest = z.input<typeof askRequest>;
export type AskAnswer = z.infer<typeof askAnswerEvent>;
export type IngestRequest = z.input<typeof ingestRequest>;
export type ScheduleRequest = z.input<typeof scheduleRequest>;
export type IngestStatus = z.infer<typeof ingestStatusAnswer>;
