// The real parts the test suite runs against: a Temporal dev server, PostgreSQL and Chroma,
// each started fresh for one test run in a temporary folder and stopped after it.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../ports';
import { startChroma } from '../services/chroma';
import { startEmbeddedPostgres } from '../services/postgres';
import { startTemporalDevServer } from '../services/temporal';

export interface TestServices {
  temporalAddress: string;
  databaseUrl: string;
  chromaUrl: string;
  namespace: string;
}

export interface StartedTestServices extends TestServices {
  stop(): Promise<void>;
}

/** A throwaway database on an external server (ASTRA_TEST_DATABASE_URL), dropped afterwards. */
async function externalDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `astra_test_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export async function startTestServices(): Promise<StartedTestServices> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'astra-test-'));
  // As root the embedded PostgreSQL runs as `postgres`, which must be able to enter this folder.
  await chmod(dir, 0o755);
  const logDir = path.join(dir, 'logs');
  const namespace = 'default';
  const [temporal, chroma] = await Promise.all([
    startTemporalDevServer({ port: await freePort(), namespace, logDir }),
    startChroma({ dataDir: path.join(dir, 'chroma'), port: await freePort(), logDir }),
  ]);
  let databaseUrl: string;
  let stopDatabase: () => Promise<void>;
  const external = process.env.ASTRA_TEST_DATABASE_URL;
  if (external) {
    const database = await externalDatabase(external);
    databaseUrl = database.url;
    stopDatabase = database.drop;
  } else {
    const postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port: await freePort(), database: 'astra_test', logDir });
    databaseUrl = postgres.url;
    stopDatabase = postgres.stop;
  }
  return {
    temporalAddress: temporal.address,
    databaseUrl,
    chromaUrl: chroma.url,
    namespace,
    async stop() {
      await Promise.allSettled([temporal.stop(), chroma.stop(), stopDatabase()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
