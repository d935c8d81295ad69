import type { Connection } from '@temporalio/client';
import type pg from 'pg';
import { liveWorkers } from '@astra/infra';

export type PartName = 'temporal' | 'postgres' | 'chroma' | 'worker';

export interface PartState {
  up: boolean;
  latencyMs: number;
  /** What was seen, for authenticated callers only: it can name internal addresses. */
  detail: string;
}

export interface ReadinessReport {
  ready: boolean;
  parts: Record<PartName, PartState>;
}

const probeTimeoutMs = 3_000;

async function probe(check: () => Promise<string>): Promise<PartState> {
  const began = performance.now();
  try {
    const detail = await Promise.race([
      check(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${probeTimeoutMs} ms`)), probeTimeoutMs).unref()),
    ]);
    return { up: true, latencyMs: Math.round(performance.now() - began), detail };
  } catch (error) {
    return { up: false, latencyMs: Math.round(performance.now() - began), detail: (error as Error).message.split('\n')[0]! };
  }
}

/** Asks each part of Astra whether it answers, in parallel. */
export function createReadiness(deps: { pool: pg.Pool; connection: Connection; namespace: string; taskQueue: string; chromaUrl: string }) {
  return {
    async report(): Promise<ReadinessReport> {
      const [postgres, temporal, chroma, worker] = await Promise.all([
        probe(async () => {
          const result = await deps.pool.query<{ server_version: string }>('show server_version');
          return `PostgreSQL ${result.rows[0]?.server_version}`;
        }),
        probe(async () => {
          const info = await deps.connection.workflowService.getSystemInfo({});
          await deps.connection.workflowService.describeNamespace({ namespace: deps.namespace });
          return `Temporal ${info.serverVersion}, namespace ${deps.namespace}`;
        }),
        probe(async () => {
          const response = await fetch(new URL('/api/v2/version', deps.chromaUrl));
          if (!response.ok) throw new Error(`Chroma answered ${response.status}`);
          return `Chroma ${(await response.text()).replaceAll('"', '')}`;
        }),
        probe(async () => {
          const workers = await liveWorkers(deps.connection, deps.namespace, deps.taskQueue);
          if (workers.length === 0) throw new Error(`no worker polls task queue "${deps.taskQueue}"`);
          return `${workers.length} worker(s) on "${deps.taskQueue}": ${workers.join(', ')}`;
        }),
      ]);
      const parts = { temporal, postgres, chroma, worker };
      return { ready: Object.values(parts).every((part) => part.up), parts };
    },
  };
}

export type Readiness = ReturnType<typeof createReadiness>;
