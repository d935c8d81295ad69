import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, openSync, closeSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { recordPid } from './leftovers';

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** What this launch has written to its log so far (the file also holds earlier launches). */
  logOfThisLaunch(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** Asks the process to stop with `signal`, and kills it after `graceMs` if it has not. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  logDir: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  /** The signal that stops it cleanly, used when a later start stops it after this one was killed. */
  stopSignal?: NodeJS.Signals;
}

/** Runs one service with its output appended to `<logDir>/<name>.log`. */
export function spawnService(name: string, command: string, args: string[], options: SpawnOptions): ServiceProcess {
  mkdirSync(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, `${name}.log`);
  const logStart = sizeOf(logFile);
  const log = createWriteStream(logFile, { flags: 'a' });
  log.write(`\n--- ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    uid: options.uid,
    gid: options.gid,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const forgetPid = child.pid === undefined ? () => {} : recordPid(name, child.pid, options.stopSignal);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      log.write(`spawn error: ${error.message}\n`);
      resolve(null);
    });
    child.once('exit', (code) => {
      forgetPid();
      resolve(code);
    });
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const logOfThisLaunch = () => {
    const length = sizeOf(logFile) - logStart;
    if (length <= 0) return '';
    const fd = openSync(logFile, 'r');
    try {
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, logStart);
      return buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  };
  return { name, child, logFile, logOfThisLaunch, exited, stop };
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** The last lines of a log file, for error messages that say why a service did not come up. */
export async function logTail(file: string, lines = 8): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Polls `probe` until it returns true or `timeoutMs` passes; the last error explains a timeout. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  { timeoutMs, intervalMs = 250, abortIf }: { timeoutMs: number; intervalMs?: number; abortIf?: () => string | undefined },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    const aborted = abortIf?.();
    if (aborted) throw new Error(`${what}: ${aborted}`);
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`${what} was not ready after ${Math.round(timeoutMs / 1000)} s${lastError ? ` (last error: ${lastError})` : ''}`);
}
