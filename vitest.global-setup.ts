import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { startTestServices, type TestServices } from './infra/src/testing/services';
import { migrate } from './server/src/db/migrate';

declare module 'vitest' {
  export interface ProvidedContext {
    services: TestServices;
  }
}

/** One set of real services for the whole run; every test file reaches them through inject('services'). */
export default async function setup(project: TestProject) {
  const services = await startTestServices();
  const pool = new pg.Pool({ connectionString: services.databaseUrl });
  await migrate(pool);
  await pool.end();
  const { temporalAddress, databaseUrl, chromaUrl, namespace } = services;
  project.provide('services', { temporalAddress, databaseUrl, chromaUrl, namespace });
  return () => services.stop();
}
