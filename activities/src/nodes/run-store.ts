// A run's records in Postgres: node states, outputs stored by reference, the per-activity ledger, and
// the live events every surface follows (NOTIFY on the run-event channel).
import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import { inlineValueBytes, type NodeState, type NodeStateRecord, type PortValue, type RunEvent, type RunFlowState, type RunStatus } from '@astra/workflows/flow';
import { runEventsChannel } from '../models/model.activities';

/** NOTIFY payloads must stay under 8000 bytes; previews are cut well below that. */
const previewChars = 280;

const illFormed = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\u0000/g;

/** Text PostgreSQL accepts: lone surrogates become U+FFFD and NUL characters are dropped (text and jsonb refuse both). */
export function storableText(text: string): string {
  return text.replace(illFormed, (found) => (found === '\u0000' ? '' : '\ufffd'));
}

/** JSON for a jsonb column, with every string made storable. */
export function storableJson(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, v: unknown) => (typeof v === 'string' ? storableText(v) : v));
}

/** The first `length` UTF-16 units of `text`, never ending inside a surrogate pair. */
function cut(text: string, length: number): string {
  const head = text.slice(0, length);
  return /[\ud800-\udbff]$/.test(head) ? head.slice(0, -1) : head;
}

/** A short human-readable look at a value, for run views and events. */
export function previewOf(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (Array.isArray(value)) text = `${value.length} item${value.length === 1 ? '' : 's'}: ${JSON.stringify(value.slice(0, 3))}`;
  else text = JSON.stringify(value) ?? String(value);
  return storableText(text.length > previewChars ? `${cut(text, previewChars - 1)}…` : text);
}

/** One line per port: the value's preview (a stored value carries its own). */
export function portsPreview(values: Record<string, PortValue>): string {
  return cut(Object.entries(values).map(([port, value]) => `${port}: ${'value' in value ? previewOf(value.value) : value.preview}`).join('\n'), previewChars * 2);
}

/** PostgreSQL's data exceptions (class 22) repeat on every retry: they fail the activity for good, naming the cause. */
function failForGood(error: unknown): never {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('22')) throw ApplicationFailure.nonRetryable(`the run's records could not be written: ${(error as Error).message}`, 'RunRecordRejected');
  throw error;
}

export function createRunStore(database: pg.Pool) {
  // Every statement here goes through this, so bad data fails once with its reason instead of being retried.
  const pool = { query: <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => database.query<R>(text, values).catch(failForGood) };
  const publish = async (event: RunEvent) => {
    await pool.query('select pg_notify($1, $2)', [runEventsChannel, storableJson(event)]);
  };

  return {
    publish,

    /** Small values travel inline; bigger ones are stored once and passed as a reference. */
    async storeValue(runId: string, nodeId: string, port: string, value: unknown): Promise<PortValue> {
      const json = storableJson(value);
      if (json.length <= inlineValueBytes) return { value: JSON.parse(json) as unknown };
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
        [input.runId, input.nodeId, input.ledgerId, storableJson(input.outputs), preview, runEventsChannel,
          storableJson({ stream: input.runId, type: 'node', nodeId: input.nodeId, state: 'succeeded', at: new Date().toISOString(), preview: cut(preview, previewChars) } satisfies RunEvent)],
      );
    },

    /** One attempt failed; the workflow decides (after retries) whether the node failed. */
    async attemptFailed(input: { runId: string; nodeId: string; ledgerId: string; attempt: number; message: string; outcome: 'failed' | 'cancelled' }): Promise<void> {
      await pool.query('update node_executions set finished_at = now(), outcome = $2 where id = $1', [input.ledgerId, input.outcome]);
      await this.log(input.runId, input.nodeId, 'warn', input.outcome === 'cancelled' ? `attempt ${input.attempt} cancelled` : `attempt ${input.attempt} failed: ${input.message}`);
    },

    async log(runId: string, nodeId: string, level: 'info' | 'warn' | 'error', message: string): Promise<void> {
      const at = new Date().toISOString();
      const entry = { at, level, message: storableText(cut(message, 2000)) };
      await pool.query(
        `with event as (select pg_notify($4, $5))
         update run_nodes set logs = logs || $3::jsonb where run_id = $1 and node_id = $2 and exists (select 1 from event)`,
        [runId, nodeId, JSON.stringify([entry]), runEventsChannel, JSON.stringify({ stream: runId, type: 'log', nodeId, level, message: cut(entry.message, previewChars * 4), at } satisfies RunEvent)],
      );
    },

    /**
     * One step of a training node's loss curve, merged into the step's row (a step's train loss and its
     * validation loss arrive as two reports), and the merged row published live as a `training` event.
     */
    async trainingPoint(runId: string, nodeId: string, point: { step: number; steps: number; loss?: number; valLoss?: number; tokensPerSecond?: number; etaSeconds?: number }): Promise<void> {
      await pool.query(
        `with point as (
           insert into run_training_points as p (run_id, node_id, step, steps, loss, val_loss, tokens_per_second, eta_seconds)
           values ($1, $2, $3, $4, $5, $6, $7, $8)
           on conflict (run_id, node_id, step) do update set steps = excluded.steps, loss = coalesce(excluded.loss, p.loss),
             val_loss = coalesce(excluded.val_loss, p.val_loss), tokens_per_second = coalesce(excluded.tokens_per_second, p.tokens_per_second),
             eta_seconds = coalesce(excluded.eta_seconds, p.eta_seconds), at = now()
           returning step, steps, loss, val_loss, tokens_per_second, eta_seconds
         )
         select pg_notify($9, json_build_object('stream', $1::text, 'type', 'training', 'nodeId', $2::text, 'point', json_build_object(
           'step', step, 'steps', steps, 'loss', loss, 'valLoss', val_loss, 'tokensPerSecond', tokens_per_second, 'etaSeconds', eta_seconds))::text) from point`,
        [runId, nodeId, point.step, point.steps, point.loss ?? null, point.valLoss ?? null, point.tokensPerSecond ?? null, point.etaSeconds ?? null, runEventsChannel],
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
        [runId, storableJson(records.map((record) => ({
          node_id: record.nodeId,
          node_type: types[record.nodeId] ?? 'unknown',
          state: record.state,
          error: record.error ?? null,
          outputs: record.outputs ?? null,
          preview: record.outputs ? portsPreview(record.outputs) : null,
        })))],
      );
      // Every node's own event, with its output's preview as an activity's success has; one statement for
      // the whole batch (pure nodes arrive here in waves of up to 200), each event its own notification.
      const events = records.map((record): RunEvent => ({ stream: runId, type: 'node', nodeId: record.nodeId, state: record.state, at, ...(record.error ? { error: cut(record.error, 1000) } : {}), ...(record.outputs ? { preview: cut(portsPreview(record.outputs), previewChars) } : {}) }));
      await pool.query('select pg_notify($1, event) from jsonb_array_elements_text($2::jsonb) as event', [runEventsChannel, JSON.stringify(events.map((event) => storableJson(event)))]);
    },

    /** Ends a run record still running; false when it had ended already (the workflow or the reconciler got there first). */
    async finishRun(runId: string, status: Exclude<RunStatus, 'running'>, outputs: Record<string, PortValue>, error: string | null): Promise<boolean> {
      const ended = await pool.query(
        "update runs set status = $2, outputs = $3::jsonb, error = $4, finished_at = now() where id = $1 and status = 'running'",
        [runId, status, storableJson(outputs), error === null ? null : storableText(error)],
      );
      await publish({ stream: runId, type: 'run', status, at: new Date().toISOString(), ...(error ? { error: cut(error, 1000) } : {}) });
      return (ended.rowCount ?? 0) > 0;
    },

    async saveRunState(runId: string, state: RunFlowState): Promise<string> {
      const json = storableJson(state);
      const row = await pool.query<{ id: string }>(
        "insert into run_artifacts (run_id, node_id, port, value, bytes) values ($1, '(run)', 'carried', $2::jsonb, $3) returning id",
        [runId, json, Buffer.byteLength(json)],
      );
      return row.rows[0]!.id;
    },

    async loadRunState(ref: string): Promise<RunFlowState> {
      const row = await pool.query<{ value: RunFlowState }>("select value from run_artifacts where id = $1 and node_id = '(run)'", [ref]);
      if (row.rowCount === 0) throw ApplicationFailure.nonRetryable(`the state this run carried across continue-as-new (${ref}) is gone`, 'RunStateMissing');
      return row.rows[0]!.value;
    },
  };
}

export type RunStore = ReturnType<typeof createRunStore>;
export type { NodeState };
