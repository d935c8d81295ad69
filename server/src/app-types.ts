import type { RateLimits } from './rate-limits';
import type { LoginThrottle } from './auth/login-throttle';
import type { OpenAPIHono, RouteConfig, RouteHandler } from '@hono/zod-openapi';
import type pg from 'pg';
import type { Client } from '@temporalio/client';
import type { ChromaClient } from 'chromadb';
import type { CollectionsRepo, ModelProvider, Retriever } from '@astra/activities';
import type { RunEvents } from './run-events';
import type { FlowsRepo } from './flows/flows-repo';
import type { RunsRepo } from './flows/runs-repo';
import type { CredentialsRepo } from './auth/credentials-repo';
import type { AppsRepo, Caller } from './chat/apps-repo';
import type { KeysRepo } from './chat/keys-repo';
import type { ConversationsRepo } from './chat/conversations-repo';
import type { UsersRepo } from './auth/users-repo';
import type { AuditLog } from './audit/audit-log';
import type { ModelAccess } from './auth/model-access';
import type { ServerEnv } from './env';
import type { Logger } from './logger';
import type { ModelCatalog } from './model-catalog';
import type { Readiness } from './readiness';

export interface AppDeps {
  env: ServerEnv;
  pool: pg.Pool;
  logger: Logger;
  temporal: Client;
  readiness: Readiness;
  users: UsersRepo;
  credentials: CredentialsRepo;
  models: ModelCatalog;
  chroma: ChromaClient;
  collections: CollectionsRepo;
  retriever: Retriever;
  runEvents: RunEvents;
  flows: FlowsRepo;
  runs: RunsRepo;
  apps: AppsRepo;
  keys: KeysRepo;
  conversations: ConversationsRepo;
  /** The append-only record of who did what (migration 0011). */
  audit: AuditLog;
  /** Which users and roles may use each model and published app. */
  access: ModelAccess;
  /** The server's own model provider: query and `/v1/embeddings` embeddings, token counts. */
  inference: ModelProvider;
  /** Login and registration limits; one per app unless a test passes its own. */
  loginThrottle?: LoginThrottle;
  /** Limits on `/readyz` and self-checks; the defaults unless a test passes its own. */
  rateLimits?: Partial<RateLimits>;
}

export interface AppEnv {
  /** The signed-in user; `key` is set when the request came with an API key (held to its scope). */
  Variables: { user: Caller; requestId: string };
}

export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;
export type App = OpenAPIHono<AppEnv>;
