// A real worker process on the test run's services, for tests that SIGKILL one mid-run.
import type { ChildProcess } from 'node:child_process';
import { inject } from 'vitest';
import { spawnWorkerProcess } from './worker-spawn';

/** Starts `activities/src/worker.ts` on the test run's services and this task queue; resolves once it polls. */
export function startWorkerProcess(taskQueue: string): Promise<ChildProcess> {
  return spawnWorkerProcess(taskQueue, inject('services'));
}
