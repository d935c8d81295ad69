// CLI for scheduled ingestion: create, list, pause, resume and delete schedules.
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { scheduleChanged, scheduleCreated, scheduleDeleted, schedulesAnswer } from '@astra/client/contracts';
import { api } from './api';
import { resolveCliConfig } from './config';
import { CliError } from './errors';

type Schedule = z.infer<typeof schedulesAnswer>['schedules'][number];

const usage = `usage:
  astra schedules create <name> <path|url> --collection C (--every 1h | --cron "0 3 * * *") [--glob G] [--paused]
  astra schedules list [--json]
  astra schedules pause <name>
  astra schedules resume <name>
  astra schedules delete <name>
Intervals are a whole number and one unit (30s, 15m, 1h, 1d); cron specs are in UTC.`;

const out = (text: string) => process.stdout.write(`${text}\n`);
const specOf = (schedule: Schedule) => (schedule.every ? `every ${schedule.every}` : `cron "${schedule.cron}"`);

function describeSchedule(schedule: Schedule): string[] {
  const lines = [
    `${schedule.name.padEnd(20)} ${schedule.state.padEnd(7)} ${specOf(schedule)} → "${schedule.collection}" from ${schedule.source}${schedule.glob ? ` (${schedule.glob})` : ''}`,
  ];
  const runs = `${schedule.actionsTaken} run${schedule.actionsTaken === 1 ? '' : 's'}${schedule.actionsSkipped ? `, ${schedule.actionsSkipped} skipped while one was running` : ''}`;
  lines.push(`  ${runs}${schedule.state === 'active' && schedule.nextRuns[0] ? `; next ${schedule.nextRuns[0]}` : ''}`);
  const last = schedule.recentRuns.at(-1);
  if (last) lines.push(`  last run started ${last.startedAt} (workflow ${last.workflowId}); its summary: astra collections show ${schedule.collection}`);
  if (schedule.note) lines.push(`  note: ${schedule.note}`);
  if (schedule.state === 'missing') lines.push('  Temporal no longer has this schedule: delete it and create it again');
  return lines;
}

export async function schedulesCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  switch (action) {
    case 'create': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { collection: { type: 'string', short: 'c' }, every: { type: 'string' }, cron: { type: 'string' }, glob: { type: 'string' }, paused: { type: 'boolean' } },
      });
      const [name, target] = positionals;
      if (!name || !target || !values.collection) throw new CliError(usage, 2);
      if (Boolean(values.every) === Boolean(values.cron)) throw new CliError('give exactly one of --every (such as 1h) or --cron (such as "0 3 * * *")', 2);
      const isUrl = /^https?:\/\//i.test(target);
      const { schedule } = await api(resolveCliConfig(), scheduleCreated, 'POST', '/api/schedules', {
        name,
        collection: values.collection,
        ...(isUrl ? { url: target } : { path: path.resolve(target) }),
        ...(values.glob ? { glob: values.glob } : {}),
        ...(values.every ? { every: values.every } : { cron: values.cron }),
        ...(values.paused ? { paused: true } : {}),
      });
      const when = schedule.state === 'paused' ? ` (paused; start it with \`astra schedules resume ${schedule.name}\`)` : schedule.nextRuns[0] ? `, first run ${schedule.nextRuns[0]}` : '';
      out(`created schedule "${schedule.name}": ${specOf(schedule)} ingests ${schedule.source} into "${schedule.collection}"${when}`);
      return 0;
    }
    case undefined: // the bare command lists
    case 'list': {
      const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' } } });
      const { schedules } = await api(resolveCliConfig(), schedulesAnswer, 'GET', '/api/schedules');
      if (values.json) out(JSON.stringify(schedules, null, 2));
      else if (schedules.length === 0) out('no schedules; create one with `astra schedules create <name> <path|url> --collection C --every 1h`');
      else for (const schedule of schedules) for (const line of describeSchedule(schedule)) out(line);
      return 0;
    }
    case 'pause':
    case 'resume': {
      const name = rest[0];
      if (!name) throw new CliError(`usage: astra schedules ${action} <name>`, 2);
      const { schedule } = await api(resolveCliConfig(), scheduleChanged, 'POST', `/api/schedules/${encodeURIComponent(name)}/${action}`);
      out(action === 'pause' ? `paused "${schedule.name}"; a run in progress goes on` : `resumed "${schedule.name}"${schedule.nextRuns[0] ? `; next run ${schedule.nextRuns[0]}` : ''}`);
      return 0;
    }
    case 'delete': {
      const name = rest[0];
      if (!name) throw new CliError('usage: astra schedules delete <name>', 2);
      await api(resolveCliConfig(), scheduleDeleted, 'DELETE', `/api/schedules/${encodeURIComponent(name)}`);
      out(`deleted schedule "${name}"; what it ingested stays in the collection`);
      return 0;
    }
    default:
      throw new CliError(`unknown schedules command "${action ?? ''}"; expected create, list, pause, resume or delete\n\n${usage}`, 2);
  }
}
