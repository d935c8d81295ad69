// A run's records in Postgres: node states, outputs stored by reference, the per-activity ledger, and
// the live events every surface follows (NOTIFY on the run-event channel).
import type pg from 'pg';
import { inlineValueBytes, type NodeState, type NodeStateRecord, type PortValue, type RunEvent, type RunStatus } from '@astra/workflows/flow';
import { runEventsChannel } from '../models/model.activities';

/** NOTIFY payloads must stay under 8000 bytes; previews are cut well below that. */
const previewChars = 280;

/** A short human-readable look at a value, for run views and events. */
export function previewOf(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (Array.isArray(value)) text = `${value.length} item${value.length === 1 ? '' : 's'}: ${JSON.stringify(value.slice(0, 3))}`;
  else text = JSON.stringify(value) ?? String(value);
  return text.length > previewChars ? `${text.slice(0, previewChars - 1)}…` : text;
}

/** One line per port: the value's preview (a stored value carries its own). */
export function portsPreview(values: Record<string, PortValue>): string {
  return Object.entries(values).map(([port, value]) => `${port}: ${'value' in value ? previewOf(value.value) : value.preview}`).join('\n').slice(0, previewChars * 2);
}

export function createRunStore(pool: pg.Pool) {
  const publish = async (event: RunEvent) => {
    await pool.query('select pg_notify($1, $2)', [runEventsChannel, JSON.stringify(event)]);
  };

  return {
    publish,

    /** Small values travel inline; bigger ones are stored once and passed as a reference. */
    async storeValue(runId: string, nodeId: string, port: string, value: unknown): Promise<PortValue> {
      const json = JSON.stringify(value ?? null);
      if (json.length <= inlineValueBytes) return { value: value ?? null };
      const row = await pool.query<{ id: string }>(
        'insert into run_artifacts (run_id, node_id, port, value, bytes) values ($1, $2, $3, $4::jsonb, $5) returning id',
        [runId, nodeId, port, json, Buffer.byteLength(json)],
      );
      return { ref: row.rows[0]!.id, bytes: Buffer.byteLength(json), preview: previewOf(value) };
    },

    async resolve(value: PortValue): Promise<unknown> {
      if ('value' in value) return value.value;
      const row = await pool.query<{ value: unknown }>('select value from run_artifacts where id = $1', [value.ref]);
      if (row.rowCount === 0) throw new Error(`stored value ${value.ref} is gone (was its run deleted?)`);
      return row.rows[0]!.value;
    },

    /** Ledger row plus the node's state, in one round trip; returns the ledger id. */
    async nodeStarted(input: { runId: string; nodeId: string; type: string; activity: string; attempt: number; worker: string; inputs: Record<string, PortValue> }): Promise<string> {
      const row = await pool.query<{ id: string }>(
        `with ledger as (
           insert into node_executions (run_id, node_id, activity, attempt, worker) values ($1, $2, $4, $5, $6) returning id
         ), state as (
           insert into run_nodes (run_id, node_id, node_type, state, attempts, started_at, input_preview)
           values ($1, $2, $3, 'running', $5, now(), $9)
           on conflict (run_id, node_id) do update set state = 'running', attempts = excluded.attempts,
             started_at = coalesce(run_nodes.started_at, now()), error = null, input_preview = excluded.input_preview
         ), event as (
           select pg_notify($7, $8)
         )
         select ledger.id from ledger, event`,
        [input.runId, input.nodeId, input.type, input.activity, input.attempt, input.worker, runEventsChannel,
          JSON.stringify({ stream: input.runId, type: 'node', nodeId: input.nodeId, state: 'running', attempt: input.attempt, at: new Date().toISOString() } satisfies RunEvent),
          portsPreview(input.inputs)],
      );
      return row.rows[0]!.id;
    },

    async nodeSucceeded(input: { runId: string; nodeId: string; ledgerId: string; outputs: Record<string, PortValue> }): Promise<void> {
      const preview = portsPreview(input.outputs);
      await pool.query(
        `with ledger as (
           update node_executions set finished_at = now(), outcome = 'succeeded' where id = $3
         ), event as (
           select pg_notify($6, $7)
         )
         update run_nodes set state = 'succeeded', finished_at = now(), outputs = $4::jsonb, output_preview = $5, error = null
          where run_id = $1 and node_id = $2 and exists (select 1 from event)`,
        [input.runId, input.nodeId, input.ledgerId, JSON.stringify(input.outputs), preview, runEventsChannel,
          JSON.stringify({ stream: input.runId, type: 'node', nodeId: input.nodeId, state: 'succeeded', at: new Date().toISOString(), preview: preview.slice(0, previewChars) } satisfies RunEvent)],
      );
    },

    /** One attempt failed; the workflow decides (after retries) whether the node failed. */
    async attemptFailed(input: { runId: string; nodeId: string; ledgerId: string; attempt: number; message: string }): Promise<void> {
      await pool.query("update node_executions set finished_at = now(), outcome = 'failed' where id = $1", [input.ledgerId]);
      await this.log(input.runId, input.nodeId, 'warn', `attempt ${input.attempt} failed: ${input.message}`);
    },

    async log(runId: string, nodeId: string, level: 'info' | 'warn' | 'error', message: string): Promise<void> {
      const at = new Date().toISOString();
      const entry = { at, level, message: message.slice(0, 2000) };
      await pool.query(
        `with event as (select pg_notify($4, $5))
         update run_nodes set logs = logs || $3::jsonb where run_id = $1 and node_id = $2 and exists (select 1 from event)`,
        [runId, nodeId, JSON.stringify([entry]), runEventsChannel, JSON.stringify({ stream: runId, type: 'log', nodeId, level, message: entry.message.slice(0, previewChars * 4), at } satisfies RunEvent)],
      );
    },

    /** States the workflow decides itself (inputs, outputs, skipped, cached, failed after retries, cancelled). */
    async recordNodeStates(runId: string, types: Record<string, string>, records: NodeStateRecord[]): Promise<void> {
      if (records.length === 0) return;
      const at = new Date().toISOString();
      await pool.query(
        `insert into run_nodes (run_id, node_id, node_type, state, error, outputs, output_preview, started_at, finished_at)
         select $1, t.node_id, t.node_type, t.state, t.error, t.outputs, t.preview, now(), case when t.state in ('pending', 'running') then null else now() end
           from jsonb_to_recordset($2::jsonb) as t(node_id text, node_type text, state text, error text, outputs jsonb, preview text)
         on conflict (run_id, node_id) do update set state = excluded.state, error = coalesce(excluded.error, run_nodes.error),
           outputs = coalesce(excluded.outputs, run_nodes.outputs), output_preview = coalesce(excluded.output_preview, run_nodes.output_preview),
           finished_at = coalesce(run_nodes.finished_at, excluded.finished_at)`,
        [runId, JSON.stringify(records.map((record) => ({
          node_id: record.nodeId,
          node_type: types[record.nodeId] ?? 'unknown',
          state: record.state,
          error: record.error ?? null,
          outputs: record.outputs ?? null,
          preview: record.outputs ? portsPreview(record.outputs) : null,
        })))],
      );
      for (const record of records) {
        await publish({ stream: runId, type: 'node', nodeId: record.nodeId, state: record.state, at, ...(record.error ? { error: record.error.slice(0, 1000) } : {}) });
      }
    },

    async finishRun(runId: string, status: Exclude<RunStatus, 'running'>, outputs: Record<string, PortValue>, error: string | null): Promise<void> {
      await pool.query(
        "update runs set status = $2, outputs = $3::jsonb, error = $4, finished_at = now() where id = $1 and status = 'running'",
        [runId, status, JSON.stringify(outputs), error],
      );
      await publish({ stream: runId, type: 'run', status, at: new Date().toISOString(), ...(error ? { error: error.slice(0, 1000) } : {}) });
    },
  };
}

export type RunStore = ReturnType<typeof createRunStore>;
export type { NodeState };
