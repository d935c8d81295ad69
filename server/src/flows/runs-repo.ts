// Runs as the runs API shows them: the row the server writes when it starts one, and the per-node
// states, outputs and logs the activities and the workflow record as it goes.
import type pg from 'pg';
import type { NodeState, PortValue, RunStatus, RunTraining } from '@astra/workflows/flow';
import { createRunStore } from '@astra/activities';
import { isUuid } from './flows-repo';

export interface RunNodeRecord {
  nodeId: string;
  type: string;
  state: NodeState;
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  error: string | null;
  inputPreview: string | null;
  outputPreview: string | null;
  outputs: Record<string, PortValue> | null;
  logs: Array<{ at: string; level: string; message: string }>;
}

export interface RunRecord {
  id: string;
  flowId: string;
  flowName: string;
  version: number;
  ownerId: string;
  /** The owner's username. */
  ranBy: string;
  workflowId: string;
  status: RunStatus;
  inputs: Record<string, string>;
  outputs: Record<string, PortValue> | null;
  error: string | null;
  rerunOf: string | null;
  fromNode: string | null;
  startedAt: string;
  finishedAt: string | null;
}

interface RunRow {
  id: string;
  flow_id: string;
  flow_name: string;
  flow_version: number;
  owner_id: string;
  ran_by: string;
  workflow_id: string;
  status: RunStatus;
  inputs: Record<string, string>;
  outputs: Record<string, PortValue> | null;
  error: string | null;
  rerun_of: string | null;
  from_node: string | null;
  started_at: Date;
  finished_at: Date | null;
}

const toRun = (row: RunRow): RunRecord => ({
  id: row.id,
  flowId: row.flow_id,
  flowName: row.flow_name,
  version: row.flow_version,
  ownerId: row.owner_id,
  ranBy: row.ran_by,
  workflowId: row.workflow_id,
  status: row.status,
  inputs: row.inputs,
  outputs: row.outputs,
  error: row.error,
  rerunOf: row.rerun_of,
  fromNode: row.from_node,
  startedAt: row.started_at.toISOString(),
  finishedAt: row.finished_at?.toISOString() ?? null,
});

const runColumns = 'r.*, f.name as flow_name, u.username as ran_by';
const runJoins = 'runs r join flows f on f.id = r.flow_id join users u on u.id = r.owner_id';

export function createRunsRepo(pool: pg.Pool) {
  return {
    /** The run row and a pending row per node, before the workflow starts. */
    /** Returns the record as written (running), so a start needs no second read. */
    async create(input: { id: string; flowId: string; flowName: string; ranBy: string; version: number; ownerId: string; workflowId: string; inputs: Record<string, string>; rerunOf?: string; fromNode?: string; nodes: Array<{ id: string; type: string }> }): Promise<RunRecord> {
      const row = await pool.query<{ started_at: Date }>(
        `with run as (
           insert into runs (id, flow_id, flow_version, owner_id, workflow_id, inputs, rerun_of, from_node) values ($1, $2, $3, $4, $5, $6, $7, $8) returning started_at
         ), nodes as (
           insert into run_nodes (run_id, node_id, node_type, state) select $1, node_id, node_type, 'pending' from unnest($9::text[], $10::text[]) as t(node_id, node_type)
         )
         select started_at from run`,
        [input.id, input.flowId, input.version, input.ownerId, input.workflowId, JSON.stringify(input.inputs), input.rerunOf ?? null, input.fromNode ?? null,
          input.nodes.map((node) => node.id), input.nodes.map((node) => node.type)],
      );
      return {
        id: input.id, flowId: input.flowId, flowName: input.flowName, ranBy: input.ranBy, version: input.version, ownerId: input.ownerId, workflowId: input.workflowId,
        status: 'running', inputs: input.inputs, outputs: null, error: null, rerunOf: input.rerunOf ?? null, fromNode: input.fromNode ?? null,
        startedAt: row.rows[0]!.started_at.toISOString(), finishedAt: null,
      };
    },

    async markFailedToStart(id: string, error: string): Promise<void> {
      await pool.query("update runs set status = 'failed', error = $2, finished_at = now() where id = $1", [id, error]);
    },

    /** One run of this owner, or undefined (someone else's run is not found). */
    async get(ownerId: string, id: string): Promise<RunRecord | undefined> {
      if (!isUuid(id)) return undefined;
      const row = (await pool.query<RunRow>(`select ${runColumns} from ${runJoins} where r.id = $1 and r.owner_id = $2`, [id, ownerId])).rows[0];
      return row && toRun(row);
    },

    async list(ownerId: string, filter: { flowId?: string; status?: RunStatus; since?: string; until?: string; limit: number }): Promise<RunRecord[]> {
      const rows = await pool.query<RunRow>(
        `select ${runColumns} from ${runJoins}
          where r.owner_id = $1 and ($2::uuid is null or r.flow_id = $2) and ($4::text is null or r.status = $4)
            and ($5::timestamptz is null or r.started_at >= $5) and ($6::timestamptz is null or r.started_at < $6)
          order by r.started_at desc limit $3`,
        [ownerId, filter.flowId ?? null, filter.limit, filter.status ?? null, filter.since ?? null, filter.until ?? null],
      );
      return rows.rows.map(toRun);
    },

    async nodes(runId: string): Promise<RunNodeRecord[]> {
      const rows = await pool.query<{ node_id: string; node_type: string; state: NodeState; attempts: number; started_at: Date | null; finished_at: Date | null; error: string | null; input_preview: string | null; output_preview: string | null; outputs: Record<string, PortValue> | null; logs: RunNodeRecord['logs'] }>(
        'select * from run_nodes where run_id = $1',
        [runId],
      );
      return rows.rows.map((row) => ({
        nodeId: row.node_id,
        type: row.node_type,
        state: row.state,
        attempts: row.attempts,
        startedAt: row.started_at?.toISOString() ?? null,
        finishedAt: row.finished_at?.toISOString() ?? null,
        durationMs: row.started_at && row.finished_at ? row.finished_at.getTime() - row.started_at.getTime() : null,
        error: row.error,
        inputPreview: row.input_preview,
        outputPreview: row.output_preview,
        outputs: row.outputs,
        logs: row.logs,
      }));
    },

    /** The loss curve of each training node of a run, by step. */
    async trainingCurves(runId: string): Promise<RunTraining['curves']> {
      const rows = await pool.query<{ node_id: string; step: number; steps: number; loss: number | null; val_loss: number | null; tokens_per_second: number | null; eta_seconds: number | null }>(
        'select node_id, step, steps, loss, val_loss, tokens_per_second, eta_seconds from run_training_points where run_id = $1 order by node_id, step',
        [runId],
      );
      const curves = new Map<string, RunTraining['curves'][number]>();
      for (const row of rows.rows) {
        const curve = curves.get(row.node_id) ?? { nodeId: row.node_id, points: [] };
        curves.set(row.node_id, curve);
        curve.points.push({ step: row.step, steps: row.steps, loss: row.loss, valLoss: row.val_loss, tokensPerSecond: row.tokens_per_second, etaSeconds: row.eta_seconds });
      }
      return [...curves.values()];
    },

    /** A value as a person reads it: references to stored artifacts replaced by what they hold. */
    resolve: createRunStore(pool).resolve,

    /** Ledger rows of one run: each execution of a node activity, attempts included. */
    async executions(runId: string): Promise<Array<{ nodeId: string; attempt: number; outcome: string | null }>> {
      const rows = await pool.query<{ node_id: string; attempt: number; outcome: string | null }>('select node_id, attempt, outcome from node_executions where run_id = $1 order by id', [runId]);
      return rows.rows.map((row) => ({ nodeId: row.node_id, attempt: row.attempt, outcome: row.outcome }));
    },
  };
}

export type RunsRepo = ReturnType<typeof createRunsRepo>;
