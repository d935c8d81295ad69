// A real worker process on the test run's services, for tests that SIGKILL one mid-run.
import type { ChildProcess } from 'node:child_process';
import { inject } from 'vitest';
import { spawnWorkerProcess } from './worker-spawn';

/**
 * Starts `activities/src/worker.ts` on the test run's services and this task queue; resolves once it polls.
 * A fault test passes a database or Chroma of its own (one it can stop) instead of the shared ones, and
 * any other environment the worker should see.
 */
export function startWorkerProcess(taskQueue: string, own: { databaseUrl?: string; chromaUrl?: string; env?: Record<string, string> } = {}): Promise<ChildProcess> {
  const shared = inject('services');
  return spawnWorkerProcess(taskQueue, { temporalAddress: shared.temporalAddress, databaseUrl: own.databaseUrl ?? shared.databaseUrl, chromaUrl: own.chromaUrl ?? shared.chromaUrl }, own.env);
}
