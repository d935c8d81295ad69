// Parts an earlier `npm start` left running when it was killed outright (SIGKILL, the OOM killer):
// every part it spawns has a pid file in <data folder>/pids, removed when the part exits. The next
// start stops whatever those files still name before it checks ports, so a killed start never
// blocks the next one with "port already in use". A start that is still alive is never touched.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './config';

interface PidRecord {
  name: string;
  pid: number;
  /** Field 22 of /proc/<pid>/stat: with the pid, it tells this process from a later one given the same pid. */
  startTime: string;
  stopSignal: NodeJS.Signals;
  recordedAt: number;
}

const supervisorName = 'supervisor';

function procStat(pid: number): { state: string; startTime: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, startTime: fields[19]! };
  } catch {
    return undefined;
  }
}

/** The process the record names, if it still runs (a zombie has finished). */
function stillRunning(record: PidRecord): boolean {
  const stat = procStat(record.pid);
  return stat !== undefined && stat.startTime === record.startTime && stat.state !== 'Z';
}

let pidDir: string | undefined;

/** From now on, every spawned part of this start gets a pid file in `dir`. */
export function recordPidsIn(dir: string): void {
  mkdirSync(dir, { recursive: true });
  pidDir = dir;
}

/** Writes the pid file of a part just spawned; returns what removes it once the part has exited. */
export function recordPid(name: string, pid: number, stopSignal: NodeJS.Signals = 'SIGTERM'): () => void {
  if (!pidDir) return () => {};
  const startTime = procStat(pid)?.startTime;
  if (!startTime) return () => {};
  const file = path.join(pidDir, `${name}.json`);
  const record: PidRecord = { name, pid, startTime, stopSignal, recordedAt: Date.now() };
  writeFileSync(file, `${JSON.stringify(record)}\n`);
  return () => {
    // A restarted part may already have written its own file under the same name.
    const current = readRecord(file);
    if (current?.pid === pid) rmSync(file, { force: true });
  };
}

function readRecord(file: string): PidRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PidRecord;
  } catch {
    return undefined;
  }
}

/**
 * Refuses to start beside a live start on the same data folder; otherwise stops, newest first, every
 * part a killed start left behind, and records this supervisor.
 */
export async function reapLeftovers(dir: string, say: (message: string) => void): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const records = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => ({ file: path.join(dir, name), record: readRecord(path.join(dir, name)) }));
  const supervisor = records.find(({ record }) => record?.name === supervisorName)?.record;
  if (supervisor && supervisor.pid !== process.pid && stillRunning(supervisor)) {
    throw new ConfigError(`Astra is already running from this data folder (pid ${supervisor.pid}); stop it first, or give this one its own ASTRA_DATA_DIR`);
  }
  const leftovers = records.sort((a, b) => (b.record?.recordedAt ?? 0) - (a.record?.recordedAt ?? 0));
  for (const { file, record } of leftovers) {
    // An unreadable file names nothing we could stop safely; it goes with the rest.
    if (record && record.name !== supervisorName && stillRunning(record)) {
      say(`stopping ${record.name} (pid ${record.pid}), left running by an earlier start that was killed`);
      await stopProcess(record);
    }
    rmSync(file, { force: true });
  }
  recordPidsIn(dir);
  recordPid(supervisorName, process.pid);
}

async function stopProcess(record: PidRecord, graceMs = 15_000): Promise<void> {
  const signal = (which: NodeJS.Signals) => {
    try {
      process.kill(record.pid, which);
    } catch {
      // Gone already.
    }
  };
  signal(record.stopSignal);
  const deadline = Date.now() + graceMs;
  while (stillRunning(record) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (!stillRunning(record)) return;
  signal('SIGKILL');
  for (const killedBy = Date.now() + 5_000; stillRunning(record); await new Promise((resolve) => setTimeout(resolve, 100))) {
    if (Date.now() > killedBy) throw new ConfigError(`could not stop ${record.name} (pid ${record.pid}) left running by an earlier start; stop it by hand`);
  }
}

/** This supervisor's own record, removed on a clean stop. */
export function forgetSupervisor(): void {
  if (pidDir) rmSync(path.join(pidDir, `${supervisorName}.json`), { force: true });
}
