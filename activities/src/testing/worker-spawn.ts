// A real worker process, started as `npm start` starts it, for tests and scripts that SIGKILL one mid-run.
// No vitest here, so scripts outside the test runner (the replay recorder) can use it too.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface WorkerServices {
  temporalAddress: string;
  databaseUrl: string;
  chromaUrl: string;
}

/** Starts `activities/src/worker.ts` on these services and this task queue (plus `env`: no training queue unless its ASTRA_WORKER_QUEUES names one); resolves once it polls. */
export async function spawnWorkerProcess(taskQueue: string, services: WorkerServices, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'activities/src/worker.ts'], {
    cwd: repoRoot,
    env: { ...process.env, TEMPORAL_ADDRESS: services.temporalAddress, DATABASE_URL: services.databaseUrl, CHROMA_URL: services.chromaUrl, ASTRA_TASK_QUEUE: taskQueue, ASTRA_WORKER_QUEUES: 'default,ingest,generation', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // Bundling the workflows takes a worker over a minute on a loaded two-core machine (seen at load 20 beside a training run).
  const deadline = Date.now() + 180_000;
  while (!output.includes('worker polling')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`worker did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return child;
}
