import type { LoginThrottle } from './auth/login-throttle';
import type { OpenAPIHono, RouteConfig, RouteHandler } from '@hono/zod-openapi';
import type pg from 'pg';
import type { Client } from '@temporalio/client';
import type { ChromaClient } from 'chromadb';
import type { CollectionsRepo, Retriever } from '@astra/activities';
import type { RunEvents } from './run-events';
import type { FlowsRepo } from './flows/flows-repo';
import type { RunsRepo } from './flows/runs-repo';
import type { CredentialsRepo, Principal } from './auth/credentials-repo';
import type { UsersRepo } from './auth/users-repo';
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
  /** Login and registration limits; one per app unless a test passes its own. */
  loginThrottle?: LoginThrottle;
}

export interface AppEnv {
  Variables: { user: Principal; requestId: string };
}

export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;
export type App = OpenAPIHono<AppEnv>;
