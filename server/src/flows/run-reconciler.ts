// Every end of a run's workflow reaches its run record. runFlow writes its own end, but a workflow can
// also end where it cannot: terminated or timed out in Temporal, or its bookkeeping failing for good.
// The reconciler asks Temporal about runs the database still calls running and writes what it finds.
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type pg from 'pg';
import { createRunStore, type RunStore } from '@astra/activities';
import type { workflows } from '@astra/workflows';
import type { RunFlowResult } from '@astra/workflows/flow';
import type { Logger } from '../logger';

/** How soon a running run is first checked, and the longest pause between checks of one run. */
const firstCheckMs = 1_000;
const slowestCheckMs = 30_000;

/** The reason a failed workflow gives, down to its root cause. */
function reasonOf(error: unknown): string {
  const parts: string[] = [];
  let cause: unknown = error instanceof WorkflowFailedError ? error.cause : error;
  while (cause instanceof Error) {
    if (cause.message && !parts.includes(cause.message)) parts.push(cause.message);
    cause = cause.cause;
  }
  return parts.join(': ') || String(error);
}

export interface RunReconciler {
  /** Checks the runs that are due; returns how many records it ended. */
  sweep(): Promise<number>;
  start(intervalMs?: number): void;
  stop(): Promise<void>;
}

export function createRunReconciler(deps: { pool: pg.Pool; temporal: Client; logger: Logger; store?: RunStore }): RunReconciler {
  const store = deps.store ?? createRunStore(deps.pool);
  // Per run: when to look next and how long to wait after that, doubling while it keeps running.
  const due = new Map<string, { at: number; backoff: number }>();
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<number> | undefined;

  const end = async (runId: string, status: 'succeeded' | 'failed' | 'cancelled', outputs: RunFlowResult['outputs'], error: string | null) => {
    // Nodes the workflow never got to record as ended end with the run; a record the workflow ended meanwhile is left as it is.
    await deps.pool.query(
      "update run_nodes set state = 'cancelled', finished_at = now(), error = coalesce(error, $2) where run_id = $1 and state in ('pending', 'running') and exists (select 1 from runs where id = $1 and status = 'running')",
      [runId, error ?? 'the run ended'],
    );
    if (await store.finishRun(runId, status, outputs, error)) deps.logger.warn({ event: 'run.reconciled', id: runId, status, error });
  };

  const check = async (runId: string, workflowId: string): Promise<boolean> => {
    const handle = deps.temporal.workflow.getHandle<typeof workflows.runFlow>(workflowId);
    let status: string;
    try {
      status = (await handle.describe()).status.name;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      await end(runId, 'failed', {}, 'the run\'s workflow is not known to Temporal (its history may have been deleted)');
      return true;
    }
    if (status === 'RUNNING' || status === 'CONTINUED_AS_NEW' || status === 'UNSPECIFIED') return false;
    try {
      const result = await handle.result();
      await end(runId, 'succeeded', result.outputs ?? {}, null);
    } catch (error) {
      const reason = reasonOf(error);
      if (status === 'CANCELLED') await end(runId, 'cancelled', {}, 'cancelled');
      else if (status === 'TERMINATED') await end(runId, 'failed', {}, `terminated in Temporal: ${reason}`);
      else if (status === 'TIMED_OUT') await end(runId, 'failed', {}, `timed out in Temporal: ${reason}`);
      else await end(runId, 'failed', {}, reason);
    }
    return true;
  };

  const sweepOnce = async (): Promise<number> => {
    const running = (await deps.pool.query<{ id: string; workflow_id: string }>("select id, workflow_id from runs where status = 'running' order by started_at limit 1000")).rows;
    const now = Date.now();
    const stillRunning = new Set(running.map((row) => row.id));
    for (const id of due.keys()) if (!stillRunning.has(id)) due.delete(id);
    let ended = 0;
    for (const row of running) {
      const next = due.get(row.id);
      if (!next) {
        due.set(row.id, { at: now + firstCheckMs, backoff: firstCheckMs });
        continue;
      }
      if (next.at > now) continue;
      try {
        if (await check(row.id, row.workflow_id)) {
          due.delete(row.id);
          ended += 1;
          continue;
        }
      } catch (error) {
        deps.logger.warn({ event: 'run.reconcile-failed', id: row.id, reason: (error as Error).message });
      }
      const backoff = Math.min(next.backoff * 2, slowestCheckMs);
      due.set(row.id, { at: Date.now() + backoff, backoff });
    }
    return ended;
  };

  const sweep = () => {
    sweeping ??= sweepOnce().finally(() => (sweeping = undefined));
    return sweeping;
  };

  return {
    sweep,
    start(intervalMs = 1_000) {
      timer ??= setInterval(() => {
        sweep().catch((error: unknown) => deps.logger.warn({ event: 'run.reconcile-failed', reason: (error as Error).message }));
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await sweeping?.catch(() => undefined);
    },
  };
}
