import { createRoute, z } from '@hono/zod-openapi';
import { collectionName } from './collections.routes';
import { errorContent, httpUrl } from './schemas';

export const scheduleName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a schedule name is 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit');

/** "30s", "15m", "1h", "1d": a whole number of one unit, so the stored spec reads back exactly as given. */
export const intervalPattern = /^([1-9][0-9]{0,5})(s|m|h|d)$/;

export const scheduleBody = z.object({
  name: z.string(),
  collection: z.string(),
  /** The folder or file on the server, or the URL, each run ingests. */
  source: z.string(),
  glob: z.string().nullable(),
  every: z.string().nullable(),
  cron: z.string().nullable(),
  /** `missing`: Temporal no longer has the schedule (deleted behind Astra's back); delete and re-create it. */
  state: z.enum(['active', 'paused', 'missing']),
  note: z.string().nullable(),
  nextRuns: z.array(z.string()),
  actionsTaken: z.number(),
  /** Firings skipped because the previous ingest of this schedule was still running. */
  actionsSkipped: z.number(),
  /** The latest runs, newest last; each workflowId works with GET /api/ingest/{workflowId}. */
  recentRuns: z.array(z.object({ workflowId: z.string(), scheduledAt: z.string(), startedAt: z.string() })),
  createdAt: z.string(),
});

const scheduleContent = { 'application/json': { schema: z.object({ schedule: scheduleBody }) } };
const nameParam = z.object({ name: scheduleName });

export const createSchedule = createRoute({
  method: 'post',
  path: '/api/schedules',
  tags: ['schedules'],
  summary: 'Ingest a folder or file on the server (admin) or a URL into a collection on an interval or a cron spec',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              name: scheduleName,
              collection: collectionName,
              path: z.string().min(1).optional(),
              glob: z.string().min(1).optional(),
              url: httpUrl.optional(),
              every: z.string().regex(intervalPattern, 'an interval is a whole number and one unit, such as "30s", "15m", "1h" or "1d"').optional(),
              cron: z.string().trim().min(1).max(200).optional(),
              paused: z.boolean().optional(),
            })
            .superRefine((body, ctx) => {
              if (Boolean(body.path) === Boolean(body.url)) ctx.addIssue({ code: 'custom', message: 'give exactly one of path or url', path: ['path'] });
              if (body.glob && !body.path) ctx.addIssue({ code: 'custom', message: 'a glob applies to a path only', path: ['glob'] });
              if ((body.every === undefined) === (body.cron === undefined)) ctx.addIssue({ code: 'custom', message: 'give exactly one of every (an interval such as "1h") or cron (such as "0 3 * * *")', path: ['every'] });
            }),
        },
      },
    },
  },
  responses: {
    201: { description: 'created', content: scheduleContent },
    400: { description: 'bad request', content: errorContent },
    403: { description: 'path ingestion needs the admin role', content: errorContent },
    409: { description: 'a schedule with that name exists', content: errorContent },
  },
});

export const listSchedules = createRoute({
  method: 'get',
  path: '/api/schedules',
  tags: ['schedules'],
  summary: "The caller's schedules with their state, next runs and recent runs",
  responses: { 200: { description: 'schedules', content: { 'application/json': { schema: z.object({ schedules: z.array(scheduleBody) }) } } } },
});

export const pauseSchedule = createRoute({
  method: 'post',
  path: '/api/schedules/{name}/pause',
  tags: ['schedules'],
  summary: 'Stop a schedule firing until it is resumed; a run in progress goes on',
  request: { params: nameParam },
  responses: {
    200: { description: 'paused', content: scheduleContent },
    404: { description: 'no such schedule', content: errorContent },
    409: { description: 'Temporal no longer has the schedule', content: errorContent },
  },
});

export const resumeSchedule = createRoute({
  method: 'post',
  path: '/api/schedules/{name}/resume',
  tags: ['schedules'],
  summary: 'Let a paused schedule fire again',
  request: { params: nameParam },
  responses: {
    200: { description: 'resumed', content: scheduleContent },
    404: { description: 'no such schedule', content: errorContent },
    409: { description: 'Temporal no longer has the schedule', content: errorContent },
  },
});

export const deleteSchedule = createRoute({
  method: 'delete',
  path: '/api/schedules/{name}',
  tags: ['schedules'],
  summary: 'Delete a schedule; a run in progress goes on, and what was ingested stays',
  request: { params: nameParam },
  responses: {
    200: { description: 'deleted', content: { 'application/json': { schema: z.object({ deleted: z.string() }) } } },
    404: { description: 'no such schedule', content: errorContent },
  },
});
