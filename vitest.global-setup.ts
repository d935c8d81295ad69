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
  try {
    const pool = new pg.Pool({ connectionString: services.databaseUrl });
    await migrate(pool);
    await pool.end();
    const { temporalAddress, databaseUrl, chromaUrl, namespace } = services;
    project.provide('services', { temporalAddress, databaseUrl, chromaUrl, namespace });
  } catch (error) {
    // Vitest runs no teardown when setup throws: stop what was started here, or it outlives the run.
    await services.stop();
    throw error;
  }
  return () => services.stop();
}
