// A PostgreSQL or a Chroma that belongs to one fault test: its own folder and free port, so the test can
// stop, kill and restart it without touching the shared services other test files use meanwhile.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../ports';
import { startChroma, type RunningChroma } from '../services/chroma';
import { startEmbeddedPostgres, type RunningPostgres } from '../services/postgres';

export interface OwnService {
  /** Stable across restarts: the same port and credentials every time. */
  url: string;
  /** The folder the service keeps its data in. */
  dataDir: string;
  /** A graceful stop (PostgreSQL's fast shutdown, Chroma's SIGTERM). */
  stop(): Promise<void>;
  /** SIGKILL, as a crash or the OOM killer would. */
  kill(): Promise<void>;
  /** Starts it again on the same folder and port; resolves once it answers. */
  start(): Promise<void>;
  /** Stops it and deletes its folder. */
  dispose(): Promise<void>;
}

async function ownFolder(kind: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `astra-own-${kind}-`));
  // As root the embedded PostgreSQL runs as `postgres`, which must be able to enter this folder.
  await chmod(dir, 0o755);
  return dir;
}

function ownService<T extends RunningPostgres | RunningChroma>(dir: string, dataDir: string, launch: () => Promise<T>, first: T): OwnService {
  let running: T | undefined = first;
  return {
    url: first.url,
    dataDir,
    async stop() {
      await running?.stop();
      running = undefined;
    },
    async kill() {
      await running?.process.stop('SIGKILL');
      running = undefined;
    },
    async start() {
      if (running) throw new Error('the service is already running');
      running = await launch();
    },
    async dispose() {
      await running?.process.stop('SIGKILL');
      running = undefined;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A PostgreSQL cluster of the test's own, with `database` created. */
export async function startOwnPostgres(database = 'astra_own'): Promise<OwnService> {
  const dir = await ownFolder('postgres');
  const port = await freePort();
  const dataDir = path.join(dir, 'postgres');
  const launch = () => startEmbeddedPostgres({ dataDir, port, database, logDir: path.join(dir, 'logs') });
  return ownService(dir, dataDir, launch, await launch());
}

/** A Chroma server of the test's own. */
export async function startOwnChroma(): Promise<OwnService> {
  const dir = await ownFolder('chroma');
  const port = await freePort();
  const dataDir = path.join(dir, 'chroma');
  const launch = () => startChroma({ dataDir, port, logDir: path.join(dir, 'logs') });
  return ownService(dir, dataDir, launch, await launch());
}
