import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { databaseUnavailableReason } from '@astra/activities';
import type { AppDeps, AppEnv, App } from './app-types';
import { inputGuard } from './input-guard';
import { hideServerPaths } from './server-paths';
import { authenticate, requireRole } from './auth/auth.middleware';
import * as authRoutes from './routes/auth.routes';
import { authHandlers, sessionStarter } from './routes/auth.handlers';
import * as oidcRoutes from './routes/oidc.routes';
import { oidcHandlers } from './routes/oidc.handlers';
import { oidcFromEnv } from './auth/oidc';
import * as healthRoutes from './routes/health.routes';
import { healthHandlers } from './routes/health.handlers';
import { editorStatic } from './routes/editor-static';
import * as flowsRoutes from './routes/flows.routes';
import { flowsHandlers } from './routes/flows.handlers';
import * as runsRoutes from './routes/runs.routes';
import { runsHandlers } from './routes/runs.handlers';
import * as modelsRoutes from './routes/models.routes';
import { modelsHandlers } from './routes/models.handlers';
import * as collectionsRoutes from './routes/collections.routes';
import { collectionsHandlers } from './routes/collections.handlers';
import * as ingestRoutes from './routes/ingest.routes';
import { ingestHandlers } from './routes/ingest.handlers';
import * as queryRoutes from './routes/query.routes';
import { queryHandlers } from './routes/query.handlers';
import * as schedulesRoutes from './routes/schedules.routes';
import { schedulesHandlers } from './routes/schedules.handlers';
import * as statusRoutes from './routes/status.routes';
import { statusHandlers } from './routes/status.handlers';
import * as usersRoutes from './routes/users.routes';
import { usersHandlers } from './routes/users.handlers';
import * as accountRoutes from './routes/account.routes';
import { accountHandlers } from './routes/account.handlers';
import * as appsRoutes from './routes/apps.routes';
import { appsHandlers } from './routes/apps.handlers';
import * as keysRoutes from './routes/keys.routes';
import { keysHandlers } from './routes/keys.handlers';
import * as sessionsRoutes from './routes/sessions.routes';
import { sessionsHandlers } from './routes/sessions.handlers';
import * as adminRoutes from './routes/admin.routes';
import { adminHandlers } from './routes/admin.handlers';
import { openAiErrorShape, registerOpenAiRoutes } from './routes/openai';
import { registerOllamaRoutes } from './routes/ollama';
import { createRunService } from './flows/run-service';
import { createChatService } from './chat/chat-service';
import { createCompletions } from './chat/completions';
import { createServerMetrics } from './metrics';
import { httpTracing } from './http-tracing';
import { routeRateLimits } from './rate-limits';
import { withSharedAnswers } from './openapi-shared';
import { temporalUiPath, temporalUiProxy } from './routes/temporal-ui';
import { inRequest } from './request-context';

const uploadLimitBytes = 100 * 1024 * 1024;
/** Every body but an upload is JSON: a flow of thousands of nodes fits, a 200 MB login does not. */
export const jsonLimitBytes = 4 * 1024 * 1024;
const uploadRoute = '/api/uploads';
/** A request path as the log keeps it: a one-time login link's secret never reaches a log file. */
export const loggedPath = (requestPath: string) => requestPath.replace(/^(\/+auth\/+link\/+)[^/]*/i, '$1…');
const mib = (bytes: number) => `${bytes / 1024 / 1024} MiB`;

/** The HTTP API over its dependencies; `main.ts` serves it and tests call it directly. */
export function createApp(deps: AppDeps): App {
  const app = new OpenAPIHono<AppEnv>({
    // A request that fails its zod schema gets a 400 naming each field and what is wrong with it.
    defaultHook: (result, c) => {
      if (!result.success) {
        const issues = result.error.issues.map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message }));
        return c.json({ error: `invalid request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues }, 400);
      }
    },
  });

  const metrics = createServerMetrics({ pool: deps.pool, scrapeToken: deps.env.ASTRA_METRICS_TOKEN, host: deps.env.ASTRA_HOST });
  app.use('*', httpTracing());
  app.use('*', metrics.middleware);
  app.use('*', async (c, next) => {
    const requestId = randomUUID();
    c.set('requestId', requestId);
    // A person reporting a problem can quote it; worker log lines of the runs it starts carry it too.
    c.header('X-Request-Id', requestId);
    const began = performance.now();
    await inRequest(requestId, next);
    deps.logger.info({ event: 'http', requestId, method: c.req.method, path: loggedPath(c.req.path), status: c.res.status, ms: Math.round(performance.now() - began) });
  });
  app.use('*', async (c, next) => {
    await next();
    // No browser may guess a type for an answer, and no cache may keep an API answer (they hold user data).
    c.header('X-Content-Type-Options', 'nosniff');
    if (c.req.path.startsWith('/api/') || c.req.path.startsWith('/auth/')) c.header('Cache-Control', 'no-store');
  });
  // Bodies are counted while they are read, before anything parses them, and before authentication,
  // so the public login and register routes are bounded too.
  const uploadLimit = bodyLimit({ maxSize: uploadLimitBytes, onError: (c) => c.json({ error: `uploads are limited to ${mib(uploadLimitBytes)}` }, 413) });
  const jsonLimit = bodyLimit({ maxSize: jsonLimitBytes, onError: (c) => c.json({ error: `request bodies are limited to ${mib(jsonLimitBytes)} (uploads to ${mib(uploadLimitBytes)}, at ${uploadRoute})` }, 413) });
  // OpenAI clients read errors in OpenAI's shape, including the ones the shared middleware below answers.
  app.use('/v1/*', openAiErrorShape);
  app.use('*', (c, next) => (c.req.path === uploadRoute ? uploadLimit(c, next) : jsonLimit(c, next)));
  app.use('*', authenticate(deps.credentials, deps.keys, new URL(deps.env.publicUrl).origin, deps.env.ASTRA_TRUSTED_PROXIES));
  app.use('*', inputGuard);
  app.use('*', hideServerPaths({ pool: deps.pool, dataDir: deps.env.dataDir }));
  app.use('/api/users', requireRole('admin'));
  app.use('/api/users/*', requireRole('admin'));
  // Each call probes every backing service or runs a workflow: bounded so no one can turn them into load.
  const limits = routeRateLimits(deps.rateLimits ?? {}, deps.env.ASTRA_TRUSTED_PROXIES);
  app.use('/readyz', limits.readiness);
  app.use('/api/status/self-check', requireRole('admin'), limits.selfCheck);
  if (deps.env.ASTRA_TEMPORAL_UI_UPSTREAM) {
    const temporalUi = temporalUiProxy(deps.env.ASTRA_TEMPORAL_UI_UPSTREAM);
    for (const route of [temporalUiPath, `${temporalUiPath}/*`]) {
      app.use(route, requireRole('admin'));
      app.all(route, temporalUi);
    }
  }
  app.use('/api/admin/*', requireRole('admin'));

  const health = healthHandlers(deps);
  app.openapi(healthRoutes.healthz, health.healthz);
  app.openapi(healthRoutes.readyz, health.readyz);

  const auth = authHandlers(deps);
  app.openapi(authRoutes.login, auth.login);
  app.openapi(authRoutes.register, auth.register);
  app.openapi(authRoutes.logout, auth.logout);
  app.openapi(authRoutes.me, auth.me);
  app.openapi(authRoutes.loginLink, auth.loginLink);

  const oidc = oidcHandlers(deps, oidcFromEnv(deps.pool, deps.env), sessionStarter(deps));
  app.openapi(oidcRoutes.signInProviders, oidc.signInProviders);
  app.openapi(oidcRoutes.oidcStart, oidc.oidcStart);
  app.openapi(oidcRoutes.oidcCallback, oidc.oidcCallback);

  const users = usersHandlers(deps);
  app.openapi(usersRoutes.listUsers, users.listUsers);
  app.openapi(usersRoutes.createUser, users.createUser);
  app.openapi(usersRoutes.approveUser, users.approveUser);
  app.openapi(usersRoutes.changeUserRole, users.changeUserRole);
  app.openapi(usersRoutes.suspendUser, users.suspendUser);
  app.openapi(usersRoutes.reinstateUser, users.reinstateUser);
  app.openapi(usersRoutes.signOutUser, users.signOutUser);
  app.openapi(usersRoutes.userCredentials, users.userCredentials);
  app.openapi(usersRoutes.revokeUserSession, users.revokeUserSession);

  const account = accountHandlers(deps);
  app.openapi(accountRoutes.changePassword, account.changePassword);
  app.openapi(accountRoutes.listUserNames, account.listUserNames);

  const sessions = sessionsHandlers(deps);
  app.openapi(sessionsRoutes.listSessions, sessions.listSessions);
  app.openapi(sessionsRoutes.revokeSession, sessions.revokeSession);
  app.openapi(sessionsRoutes.listTokens, sessions.listTokens);
  app.openapi(sessionsRoutes.revokeToken, sessions.revokeToken);

  const admin = adminHandlers(deps);
  app.openapi(adminRoutes.listAudit, admin.listAudit);
  app.openapi(adminRoutes.exportAudit, admin.exportAudit);
  app.openapi(adminRoutes.listModelAccess, admin.listModelAccess);
  app.openapi(adminRoutes.setModelAccess, admin.setModelAccess);

  const status = statusHandlers(deps);
  app.openapi(statusRoutes.status, status.status);
  app.openapi(statusRoutes.selfCheck, status.selfCheck);

  const models = modelsHandlers(deps);
  app.openapi(modelsRoutes.listModels, models.listModels);
  app.openapi(modelsRoutes.showModel, models.showModel);

  const collections = collectionsHandlers(deps);
  app.openapi(collectionsRoutes.listCollections, collections.listCollections);
  app.openapi(collectionsRoutes.showCollection, collections.showCollection);
  app.openapi(collectionsRoutes.listDocuments, collections.listDocuments);
  app.openapi(collectionsRoutes.deleteCollection, collections.deleteCollection);
  app.openapi(collectionsRoutes.startRebuild, collections.startRebuild);
  app.openapi(collectionsRoutes.rebuildStatus, collections.rebuildStatus);

  const ingest = ingestHandlers(deps);
  app.openapi(ingestRoutes.startIngest, ingest.startIngest);
  app.openapi(ingestRoutes.ingestStatus, ingest.ingestStatus);
  app.openapi(ingestRoutes.cancelIngest, ingest.cancelIngest);
  app.openapi(ingestRoutes.uploadAndIngest, ingest.uploadAndIngest);

  const query = queryHandlers(deps);
  app.openapi(queryRoutes.queryCollection, query.queryCollection);
  app.openapi(queryRoutes.askCollection, query.askCollection);

  const schedules = schedulesHandlers(deps);
  app.openapi(schedulesRoutes.createSchedule, schedules.createSchedule);
  app.openapi(schedulesRoutes.listSchedules, schedules.listSchedules);
  app.openapi(schedulesRoutes.pauseSchedule, schedules.pauseSchedule);
  app.openapi(schedulesRoutes.resumeSchedule, schedules.resumeSchedule);
  app.openapi(schedulesRoutes.deleteSchedule, schedules.deleteSchedule);

  const flows = flowsHandlers(deps);
  app.openapi(flowsRoutes.listNodeTypes, flows.listNodeTypes);
  app.openapi(flowsRoutes.listTemplates, flows.listTemplates);
  app.openapi(flowsRoutes.validateFlowRoute, flows.validateFlowRoute);
  app.openapi(flowsRoutes.importFlow, flows.importFlow);
  app.openapi(flowsRoutes.listFlows, flows.listFlows);
  app.openapi(flowsRoutes.createFlow, flows.createFlow);
  app.openapi(flowsRoutes.getFlow, flows.getFlow);
  app.openapi(flowsRoutes.updateFlow, flows.updateFlow);
  app.openapi(flowsRoutes.deleteFlow, flows.deleteFlow);
  app.openapi(flowsRoutes.listVersions, flows.listVersions);
  app.openapi(flowsRoutes.getVersion, flows.getVersion);
  app.openapi(flowsRoutes.diffVersions, flows.diffVersions);
  app.openapi(flowsRoutes.restoreVersion, flows.restoreVersion);
  app.openapi(flowsRoutes.exportFlow, flows.exportFlow);
  app.openapi(flowsRoutes.shareFlow, flows.shareFlow);

  const runService = createRunService(deps);
  const chat = createChatService(deps, runService);
  const runs = runsHandlers(deps, runService);
  app.openapi(runsRoutes.startRun, runs.startRun);
  app.openapi(runsRoutes.listRuns, runs.listRuns);
  app.openapi(runsRoutes.getRun, runs.getRun);
  app.openapi(runsRoutes.getNodeOutputs, runs.getNodeOutputs);
  app.openapi(runsRoutes.getRunTraining, runs.getRunTraining);
  app.openapi(runsRoutes.cancelRun, runs.cancelRun);
  app.openapi(runsRoutes.rerunRun, runs.rerunRun);
  app.openapi(runsRoutes.runEventsRoute, runs.runEventsRoute);

  const apps = appsHandlers(deps, chat);
  app.openapi(appsRoutes.listApps, apps.listApps);
  app.openapi(appsRoutes.publishApp, apps.publishApp);
  app.openapi(appsRoutes.getApp, apps.getApp);
  app.openapi(appsRoutes.updateApp, apps.updateApp);
  app.openapi(appsRoutes.unpublishApp, apps.unpublishApp);
  app.openapi(appsRoutes.listConversations, apps.listConversations);
  app.openapi(appsRoutes.createConversation, apps.createConversation);
  app.openapi(appsRoutes.getConversation, apps.getConversation);
  app.openapi(appsRoutes.renameConversation, apps.renameConversation);
  app.openapi(appsRoutes.deleteConversation, apps.deleteConversation);
  app.openapi(appsRoutes.sendMessage, apps.sendMessage);
  app.openapi(appsRoutes.regenerateMessage, apps.regenerateMessage);
  app.openapi(appsRoutes.stopConversation, apps.stopConversation);

  const keys = keysHandlers(deps);
  app.openapi(keysRoutes.listKeys, keys.listKeys);
  app.openapi(keysRoutes.createKey, keys.createKey);
  app.openapi(keysRoutes.revokeKey, keys.revokeKey);

  const completions = createCompletions(deps, chat);
  registerOpenAiRoutes(app, deps, completions);
  registerOllamaRoutes(app, deps, completions);

  // Public to the session auth, guarded by its own scrape token (server/src/metrics.ts).
  app.get('/metrics', metrics.handler);
  const openApiDocument = () => withSharedAnswers(app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'Astra API', version: '0.1.0' } }), { jsonLimitBytes });
  app.get('/api/openapi.json', (c) => c.json(openApiDocument()));
  // The editor's shell and bundles (public: they hold no data; the app asks /api/auth/me who is signed in).
  const editor = editorStatic();
  app.get('/', editor.index);
  app.get('/assets/:file', editor.asset);

  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException) return c.json({ error: error.message }, error.status);
    // The database down or restarting is not a bug: say so, and when to try again, so clients and people can wait it out.
    const unavailable = databaseUnavailableReason(error);
    if (unavailable) {
      deps.logger.warn({ event: 'http.database-unavailable', requestId: c.get('requestId'), reason: unavailable, err: error.message });
      c.header('Retry-After', '5');
      return c.json({ error: `the database is unavailable: ${unavailable}; try again in a few seconds` }, 503);
    }
    // Everything else is our fault: log it whole, answer without stack or paths.
    deps.logger.error({ event: 'http.error', requestId: c.get('requestId'), err: { message: error.message, stack: error.stack } });
    return c.json({ error: `internal error (request ${c.get('requestId')}); the server log has the details` }, 500);
  });
  return app;
}
