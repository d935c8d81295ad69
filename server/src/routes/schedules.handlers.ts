import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleDescription, type ScheduleSpec } from '@temporalio/client';
import { chunkSizeFor, type Collection, type IngestSource } from '@astra/activities';
import type { workflows } from '@astra/workflows';
import { ingestSourceFor } from './ingest-source';
import type { AppDeps, AppRouteHandler } from '../app-types';
import { intervalPattern, type createSchedule, type deleteSchedule, type listSchedules, type pauseSchedule, type resumeSchedule } from './schedules.routes';

interface ScheduleRow {
  id: string;
  name: string;
  collection: string;
  source: IngestSource;
  spec: string;
  created_at: Date;
}

/** Owner-scoped, so two users may both have a schedule called "nightly". */
export const temporalScheduleId = (ownerId: string, name: string) => `astra-${ownerId}-${name}`;

const unitMs: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function intervalMs(every: string): number {
  const match = intervalPattern.exec(every);
  const unit = match ? unitMs[match[2]!] : undefined;
  if (!match || unit === undefined) throw new Error(`not an interval: ${every}`);
  return Number(match[1]) * unit;
}

function scheduleView(row: ScheduleRow, description: ScheduleDescription | undefined) {
  const [kind, ...rest] = row.spec.split(' ');
  const info = description?.info;
  return {
    name: row.name,
    collection: row.collection,
    source: row.source.kind === 'path' ? row.source.path : row.source.kind === 'url' ? row.source.url : row.source.key,
    glob: row.source.kind === 'path' ? row.source.glob ?? null : null,
    every: kind === 'every' ? rest.join(' ') : null,
    cron: kind === 'cron' ? rest.join(' ') : null,
    state: !description ? ('missing' as const) : description.state.paused ? ('paused' as const) : ('active' as const),
    note: description?.state.note || null,
    nextRuns: (info?.nextActionTimes ?? []).slice(0, 5).map((time) => time.toISOString()),
    actionsTaken: info?.numActionsTaken ?? 0,
    actionsSkipped: info?.numActionsSkippedOverlap ?? 0,
    recentRuns: (info?.recentActions ?? []).map((action) => ({
      workflowId: action.action.workflow.workflowId,
      scheduledAt: action.scheduledAt.toISOString(),
      startedAt: action.takenAt.toISOString(),
    })),
    createdAt: row.created_at.toISOString(),
  };
}

export const schedulesHandlers = (deps: AppDeps) => {
  const selectRows = `select s.id, s.name, c.name as collection, s.source, s.spec, s.created_at
                        from schedules s join collections c on c.id = s.collection_id`;
  const ownRow = async (ownerId: string, name: string) =>
    (await deps.pool.query<ScheduleRow>(`${selectRows} where s.owner_id = $1 and s.name = $2`, [ownerId, name])).rows[0];

  /** Temporal's view of the schedule, or undefined when Temporal no longer has it. */
  const describe = async (ownerId: string, name: string) => {
    try {
      return await deps.temporal.schedule.getHandle(temporalScheduleId(ownerId, name)).describe();
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return undefined;
      throw error;
    }
  };

  /** A collection made for a schedule that was then refused goes again, unless something else started using it meanwhile. */
  const dropIfUnused = (collection: Collection) =>
    deps.pool.query(
      `delete from collections c where c.id = $1
         and not exists (select 1 from ingest_runs where collection_id = c.id)
         and not exists (select 1 from documents where collection_id = c.id)
         and not exists (select 1 from schedules where collection_id = c.id)`,
      [collection.id],
    );

  const setPaused = (paused: boolean) =>
    (async (c) => {
      const { name } = c.req.valid('param');
      const user = c.get('user');
      const row = await ownRow(user.id, name);
      if (!row) return c.json({ error: `no schedule named "${name}"` }, 404);
      const handle = deps.temporal.schedule.getHandle(temporalScheduleId(user.id, name));
      try {
        if (paused) await handle.pause(`paused by ${user.username}`);
        else await handle.unpause(`resumed by ${user.username}`);
      } catch (error) {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
        return c.json({ error: `Temporal no longer has schedule "${name}"; delete it and create it again` }, 409);
      }
      deps.logger.info({ event: paused ? 'schedule.paused' : 'schedule.resumed', name, by: user.username });
      return c.json({ schedule: scheduleView(row, await describe(user.id, name)) }, 200);
    }) satisfies AppRouteHandler<typeof pauseSchedule> & AppRouteHandler<typeof resumeSchedule>;

  const shortest = deps.env.ASTRA_SCHEDULE_MIN_INTERVAL;
  /** Why the schedule would fire too often (or in a way Astra cannot bound), naming the field; undefined when it may be made. */
  const tooFrequent = (body: { every?: string; cron?: string }): { path: string; message: string } | undefined => {
    if (body.every !== undefined && intervalMs(body.every) < intervalMs(shortest)) {
      return { path: 'every', message: `"${body.every}" is shorter than the shortest interval allowed, ${shortest}` };
    }
    if (body.cron !== undefined) {
      const fields = body.cron.trim().split(/\s+/);
      if (fields[0]?.toLowerCase().startsWith('@every')) return { path: 'cron', message: 'for an interval give every (such as "1h") instead of cron "@every"' };
      // Five fields: minute, hour, day of month, month, day of week; a sixth (seconds) could fire every second.
      if (fields.length > 5) return { path: 'cron', message: `give five fields (minute hour day-of-month month day-of-week), not ${fields.length}: a seconds field is not allowed` };
    }
    return undefined;
  };

  return {
    createSchedule: (async (c) => {
      const body = c.req.valid('json');
      const user = c.get('user');
      const frequent = tooFrequent(body);
      if (frequent) return c.json({ error: `invalid request: ${frequent.path}: ${frequent.message}`, issues: [frequent] }, 400);
      const resolved = await ingestSourceFor(body, user, deps.env.dataDir);
      if ('error' in resolved) return c.json({ error: resolved.error }, resolved.status);
      const { source } = resolved;
      const taken = () => c.json({ error: `you already have a schedule named "${body.name}"; delete it first or pick another name` }, 409);
      if (await ownRow(user.id, body.name)) return taken();

      const existing = await deps.collections.find(user.id, body.collection);
      let collection = existing;
      if (!collection) {
        const model = (await deps.models.list()).find((candidate) => candidate.name === deps.env.ASTRA_EMBEDDING_MODEL && candidate.kind === 'embedding');
        if (!model) return c.json({ error: `the default embedding model "${deps.env.ASTRA_EMBEDDING_MODEL}" is not available, so collection "${body.collection}" cannot be made; ingest into it once with a model of your choice, then schedule it` }, 400);
        collection = await deps.collections.findOrCreate({ ownerId: user.id, name: body.collection, embeddingModel: model.name, ...chunkSizeFor(model.contextLength ?? 512) });
      }

      const [specText, spec, specField]: [string, ScheduleSpec, string] = body.every !== undefined
        ? [`every ${body.every}`, { intervals: [{ every: intervalMs(body.every) }] }, 'every']
        : [`cron ${body.cron}`, { cronExpressions: [body.cron!] }, 'cron'];
      const scheduleId = temporalScheduleId(user.id, body.name);

      // The row and the Temporal schedule come and go together: the row's transaction commits only once Temporal has the schedule.
      const tx = await deps.pool.connect();
      let committed = false;
      let nameTaken = false;
      let badSpec: string | undefined;
      try {
        await tx.query('begin');
        const inserted = await tx.query<{ id: string }>(
          'insert into schedules (owner_id, name, collection_id, source, spec) values ($1, $2, $3, $4, $5) returning id',
          [user.id, body.name, collection.id, source, specText],
        ).catch((error: unknown) => {
          if ((error as { code?: string }).code === '23505') return undefined;
          throw error;
        });
        if (!inserted) {
          nameTaken = true;
        } else {
          const create = () => deps.temporal.schedule.create<typeof workflows.ingestCorpus>({
            scheduleId,
            spec,
            action: {
              type: 'startWorkflow',
              workflowType: 'ingestCorpus',
              taskQueue: deps.env.ASTRA_TASK_QUEUE,
              // Temporal appends the fire time; the row id keeps two schedules that feed a "docs" collection (two owners', or one owner's two sources) from colliding.
              workflowId: `ingest-${collection.name}-scheduled-${inserted.rows[0]!.id.slice(0, 8)}`,
              args: [{ collectionId: collection.id, source }],
            },
            // SKIP: never two ingests of one schedule at once. A failed run (source gone, collection deleted) pauses the schedule.
            policies: { overlap: ScheduleOverlapPolicy.SKIP, pauseOnFailure: true },
            ...(body.paused ? { state: { paused: true, note: `created paused by ${user.username}` } } : {}),
          });
          try {
            await create();
          } catch (error) {
            if (error instanceof ScheduleAlreadyRunning) {
              // We hold the (owner, name) row, so this is an orphan: its row went with a deleted collection or user.
              await deps.temporal.schedule.getHandle(scheduleId).delete();
              await create();
            } else if (error instanceof TypeError) {
              // Temporal's own parser judges the spec, so what it accepts is exactly what a schedule can run.
              badSpec = `${specField}: ${error.message}`;
            } else {
              throw error;
            }
          }
          if (!badSpec) {
            try {
              await tx.query('commit');
              committed = true;
            } catch (error) {
              await deps.temporal.schedule.getHandle(scheduleId).delete().catch(() => undefined);
              throw error;
            }
          }
        }
      } finally {
        if (!committed) await tx.query('rollback').catch(() => undefined);
        tx.release();
        if (!committed && !existing) await dropIfUnused(collection);
      }
      if (nameTaken) return taken();
      if (badSpec) return c.json({ error: badSpec }, 400);

      deps.logger.info({ event: 'schedule.created', scheduleId, collection: collection.name, spec: specText, by: user.username });
      const row = await ownRow(user.id, body.name);
      if (!row) throw new Error(`schedule ${scheduleId} vanished right after it was created`);
      return c.json({ schedule: scheduleView(row, await describe(user.id, body.name)) }, 201);
    }) satisfies AppRouteHandler<typeof createSchedule>,

    listSchedules: (async (c) => {
      const user = c.get('user');
      const rows = (await deps.pool.query<ScheduleRow>(`${selectRows} where s.owner_id = $1 order by s.name`, [user.id])).rows;
      const descriptions = await Promise.all(rows.map((row) => describe(user.id, row.name)));
      return c.json({ schedules: rows.map((row, i) => scheduleView(row, descriptions[i])) }, 200);
    }) satisfies AppRouteHandler<typeof listSchedules>,

    pauseSchedule: setPaused(true),
    resumeSchedule: setPaused(false),

    deleteSchedule: (async (c) => {
      const { name } = c.req.valid('param');
      const user = c.get('user');
      if (!(await ownRow(user.id, name))) return c.json({ error: `no schedule named "${name}"` }, 404);
      // Temporal first: if the row delete then fails, the row shows as missing and a second delete finishes the job.
      await deps.temporal.schedule.getHandle(temporalScheduleId(user.id, name)).delete().catch((error: unknown) => {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
      });
      await deps.pool.query('delete from schedules where owner_id = $1 and name = $2', [user.id, name]);
      deps.logger.info({ event: 'schedule.deleted', name, by: user.username });
      return c.json({ deleted: name }, 200);
    }) satisfies AppRouteHandler<typeof deleteSchedule>,
  };
};
