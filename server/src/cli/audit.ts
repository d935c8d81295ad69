// `astra audit` (admins read the audit log, filtered; --jsonl exports it) and `astra access` (admins
// decide who may use each model and published app).
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { auditEventSchema, type AuditEvent } from '../audit/audit-log';
import { accessRuleSchema } from '../auth/model-access';
import { parseExpiry } from '../chat/keys-repo';
import { api } from './api';
import { resolveCliConfig } from './config';
import { CliError } from './errors';

const out = (text: string) => process.stdout.write(`${text}\n`);

export const auditUsage = 'usage: astra audit [--action A|prefix.] [--actor NAME] [--target T] [--outcome success|failure] [--since 24h|ISO] [--until ISO] [--limit N] [--json|--jsonl]';
export const accessUsage = 'usage: astra access list [--json] | astra access set model|app <name> [--users a,b] [--roles user,admin] | astra access open model|app <name>';

/** "24h", "7d" (that long ago) or an ISO date-time, as the API's since/until filters take it. */
function instant(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ago = parseExpiry(value);
  if (ago !== undefined) return new Date(Date.now() - ago).toISOString();
  if (!Number.isNaN(Date.parse(value)) && /\d{4}-\d{2}-\d{2}/.test(value)) return new Date(value).toISOString();
  throw new CliError(`--${flag} "${value}": give a duration such as 24h or 7d, or a date-time such as 2026-12-01T09:00:00Z`, 2);
}

const line = (event: AuditEvent) =>
  `${event.at}  ${event.outcome === 'failure' ? 'FAILED ' : ''}${event.action.padEnd(20)} ${(event.actor ?? '-').padEnd(20)} ${event.target ?? ''}${event.ip ? `  from ${event.ip}` : ''}`;

export async function auditCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      action: { type: 'string' }, actor: { type: 'string' }, target: { type: 'string' }, outcome: { type: 'string' },
      since: { type: 'string' }, until: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, jsonl: { type: 'boolean' },
    },
  });
  if (values.outcome && !['success', 'failure'].includes(values.outcome)) throw new CliError(`--outcome must be success or failure (got "${values.outcome}")`, 2);
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries({ action: values.action, actor: values.actor, target: values.target, outcome: values.outcome, since: instant('since', values.since), until: instant('until', values.until), limit: values.limit })) {
    if (value !== undefined) query.set(name, value);
  }
  const { events } = await api(resolveCliConfig(), z.object({ events: z.array(auditEventSchema) }), 'GET', `/api/admin/audit?${query.toString()}`);
  if (values.jsonl) for (const event of events) out(JSON.stringify(event));
  else if (values.json) out(JSON.stringify(events, null, 2));
  else if (events.length === 0) out('no audit events match');
  else for (const event of events) out(line(event));
  return 0;
}

const list = (value: string | undefined) => (value ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);

export async function accessCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const config = resolveCliConfig();
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { users: { type: 'string' }, roles: { type: 'string' }, json: { type: 'boolean' } } });
  switch (action) {
    case undefined:
    case 'list': {
      const answer = await api(config, z.object({ rules: z.array(accessRuleSchema), models: z.array(z.object({ name: z.string(), kind: z.string() })), apps: z.array(z.object({ slug: z.string() })) }), 'GET', '/api/admin/model-access');
      if (values.json) {
        out(JSON.stringify(answer, null, 2));
        return 0;
      }
      const ruleFor = (kind: string, name: string) => answer.rules.find((rule) => rule.kind === kind && rule.name === name);
      const who = (rule: ReturnType<typeof ruleFor>) => (rule ? `only ${[...rule.users, ...rule.roles.map((role) => `role ${role}`)].join(', ')} (and admins)` : 'every user');
      for (const model of answer.models) out(`model ${model.name.padEnd(32)} ${who(ruleFor('model', model.name))}`);
      for (const app of answer.apps) out(`app   ${app.slug.padEnd(32)} ${who(ruleFor('app', app.slug))}`);
      return 0;
    }
    case 'set':
    case 'open': {
      const [kind, name] = positionals;
      if ((kind !== 'model' && kind !== 'app') || !name) throw new CliError(accessUsage, 2);
      const roles = action === 'open' ? [] : list(values.roles);
      const users = action === 'open' ? [] : list(values.users);
      if (action === 'set' && roles.length + users.length === 0) throw new CliError(`astra access set needs --users or --roles; to let everyone use ${kind} "${name}" again: astra access open ${kind} ${name}`, 2);
      const { rule } = await api(config, z.object({ rule: accessRuleSchema.nullable() }), 'PUT', `/api/admin/model-access/${kind}/${encodeURIComponent(name)}`, { users, roles });
      out(rule ? `${kind} ${name}: only ${[...rule.users, ...rule.roles.map((role) => `role ${role}`)].join(', ')} (and admins) may use it` : `${kind} ${name}: every user may use it`);
      return 0;
    }
    default:
      throw new CliError(`unknown access command "${action}"; ${accessUsage}`, 2);
  }
}
