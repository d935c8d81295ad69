import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../config';
import { logTail, spawnService, waitUntil, type ServiceProcess } from '../process';

export interface ChromaOptions {
  /** Persistent folder for collections. */
  dataDir: string;
  port: number;
  logDir: string;
  timeoutMs?: number;
}

export interface RunningChroma {
  url: string;
  process: ServiceProcess;
  stop(): Promise<void>;
}

/** `chroma run` from the chromadb npm package (a real Chroma server, its Rust core in the pinned native bindings). */
export async function startChroma(options: ChromaOptions): Promise<RunningChroma> {
  mkdirSync(options.dataDir, { recursive: true });
  const cli = path.join(repoRoot, 'node_modules', 'chromadb', 'dist', 'cli.mjs');
  const proc = spawnService('chroma', process.execPath, [cli, 'run', '--path', options.dataDir, '--host', '127.0.0.1', '--port', String(options.port)], {
    logDir: options.logDir,
    cwd: options.dataDir,
  });
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitUntil('Chroma', () => chromaAnswers(url), {
      timeoutMs: options.timeoutMs ?? 60_000,
      abortIf: () => (proc.child.exitCode !== null ? `exited with code ${proc.child.exitCode}` : undefined),
    });
  } catch (error) {
    await proc.stop('SIGKILL');
    throw new Error(`${(error as Error).message}\n${await logTail(proc.logFile)}`);
  }
  return { url, process: proc, stop: () => proc.stop('SIGTERM', 10_000) };
}

/** True only for Chroma's own heartbeat body: any other server on the port (a web UI answering every path) is not Chroma. */
export async function chromaAnswers(url: string): Promise<boolean> {
  const response = await fetch(new URL('/api/v2/heartbeat', url), { signal: AbortSignal.timeout(3_000) });
  if (!response.ok) return false;
  const body: unknown = await response.json().catch(() => undefined);
  return typeof body === 'object' && body !== null && 'nanosecond heartbeat' in body;
}
