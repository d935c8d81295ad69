// `astra publish`, `astra apps`, `astra chat` and `astra keys`: chat over published flows from a terminal.
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { appBody, conversationBody, messageBody } from '../routes/apps.routes';
import { keyBody } from '../routes/keys.routes';
import { api, openStream } from './api';
import { resolveCliConfig, type CliConfig } from './config';
import { ApiError, CliError } from './errors';
import { resolveFlow } from './flows';

const out = (text: string) => process.stdout.write(`${text}\n`);
const enc = encodeURIComponent;
const appAnswer = z.object({ app: appBody });
const list = (value: string | undefined) => (value ? value.split(',').map((item) => item.trim()).filter(Boolean) : undefined);

const describeApp = (app: z.infer<typeof appBody>) =>
  `${app.slug.padEnd(24)} ${app.title}  (flow "${app.flowName}" v${app.version}, ${app.visibility}${app.visibility === 'shared' ? ` with ${[...app.sharedWith.users, ...app.sharedWith.roles.map((role) => `role ${role}`)].join(', ') || 'no one'}` : ''}, by ${app.owner})`;

export async function publishCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { slug: { type: 'string' }, version: { type: 'string' }, title: { type: 'string' }, description: { type: 'string' }, visibility: { type: 'string' }, users: { type: 'string' }, roles: { type: 'string' }, json: { type: 'boolean' } },
  });
  const reference = positionals[0];
  if (!reference) throw new CliError('usage: astra publish <flow> [--slug S] [--version V] [--title T] [--visibility private|shared|keys] [--users a,b] [--roles user]', 2);
  const config = resolveCliConfig();
  const flow = await resolveFlow(config, reference);
  const version = values.version === undefined ? undefined : Number(values.version);
  if (version !== undefined && (!Number.isInteger(version) || version < 1)) throw new CliError(`--version must be a version number such as 1 or 2 (got "${values.version}")`, 2);
  const sharing = { ...(values.visibility ? { visibility: values.visibility } : {}), ...(values.users ? { users: list(values.users) } : {}), ...(values.roles ? { roles: list(values.roles) } : {}) };
  const { apps } = await api(config, z.object({ apps: z.array(appBody) }), 'GET', '/api/apps');
  const existing = apps.find((app) => (values.slug ? app.slug === values.slug : app.flowId === flow.id) && app.canManage);
  let app: z.infer<typeof appBody>;
  if (existing) {
    // Already published: moving it to another version is an explicit act.
    if (version === undefined && !values.title && !values.description && Object.keys(sharing).length === 0) {
      throw new CliError(`"${flow.name}" is already published as "${existing.slug}" at version ${existing.version} (the flow is at ${flow.latestVersion}); pass --version ${flow.latestVersion} to pin that one`);
    }
    ({ app } = await api(config, appAnswer, 'PATCH', `/api/apps/${enc(existing.slug)}`, { ...(version ? { version } : {}), ...(values.title ? { title: values.title } : {}), ...(values.description ? { description: values.description } : {}), ...sharing }));
    out(`updated ${describeApp(app)}`);
  } else {
    ({ app } = await api(config, appAnswer, 'POST', '/api/apps', { flowId: flow.id, ...(version ? { version } : {}), ...(values.slug ? { slug: values.slug } : {}), ...(values.title ? { title: values.title } : {}), ...(values.description ? { description: values.description } : {}), ...sharing }));
    out(`published ${describeApp(app)}`);
  }
  if (values.json) out(JSON.stringify(app, null, 2));
  else out(`  chat: astra chat ${app.slug}   ·   OpenAI model "${app.slug}" at ${config.url}/v1   ·   Ollama host ${config.url}/ollama`);
  return 0;
}

export async function appsCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const config = resolveCliConfig();
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean' }, visibility: { type: 'string' }, users: { type: 'string' }, roles: { type: 'string' } } });
  const slug = positionals[0];
  switch (action) {
    case undefined:
    case 'list': {
      const { apps } = await api(config, z.object({ apps: z.array(appBody) }), 'GET', '/api/apps');
      if (values.json) out(JSON.stringify(apps, null, 2));
      else if (apps.length === 0) out('no chat apps yet: astra publish <flow> makes one from a flow with Chat Input and Chat Output');
      else for (const app of apps) out(describeApp(app));
      return 0;
    }
    case 'show': {
      if (!slug) throw new CliError('usage: astra apps show <slug> [--json]', 2);
      const { app } = await api(config, appAnswer, 'GET', `/api/apps/${enc(slug)}`);
      if (values.json) out(JSON.stringify(app, null, 2));
      else {
        out(describeApp(app));
        if (app.description) out(`  ${app.description}`);
        out(`  inputs besides the message: ${app.inputs.join(', ') || 'none'}`);
        out(`  OpenAI: model "${app.slug}" at ${config.url}/v1   Ollama: model "${app.slug}" at ${config.url}/ollama`);
      }
      return 0;
    }
    case 'share': {
      if (!slug || !values.visibility) throw new CliError('usage: astra apps share <slug> --visibility private|shared|keys [--users a,b] [--roles user]', 2);
      const { app } = await api(config, appAnswer, 'PATCH', `/api/apps/${enc(slug)}`, { visibility: values.visibility, ...(values.users ? { users: list(values.users) } : {}), ...(values.roles ? { roles: list(values.roles) } : {}) });
      out(describeApp(app));
      return 0;
    }
    case 'unpublish': {
      if (!slug) throw new CliError('usage: astra apps unpublish <slug>', 2);
      await api(config, z.undefined(), 'DELETE', `/api/apps/${enc(slug)}`);
      out(`unpublished ${slug} (the flow and its versions stay)`);
      return 0;
    }
    default:
      throw new CliError(`unknown apps command "${action}"; expected list, show, share or unpublish`, 2);
  }
}

/** One turn: the answer streamed to stdout, then its sources; the stored message comes back. */
async function turn(config: CliConfig, conversationId: string, content: string): Promise<z.infer<typeof messageBody> | undefined> {
  let message: z.infer<typeof messageBody> | undefined;
  // The status line ("Retrieve…", "Generate…") is redrawn in place, so only on a terminal.
  let wrote = !process.stderr.isTTY;
  let streamed = false;
  for await (const event of openStream(config, `/api/conversations/${enc(conversationId)}/messages`, { content })) {
    const data: unknown = JSON.parse(event.data);
    if (event.event === 'status' && !wrote) process.stderr.write(`\r\x1b[2m${z.object({ status: z.string() }).parse(data).status}…\x1b[0m\x1b[K`);
    if (event.event === 'token') {
      if (!wrote) process.stderr.write('\r\x1b[K');
      wrote = true;
      streamed = true;
      process.stdout.write(z.object({ text: z.string() }).parse(data).text);
    }
    if (event.event === 'done' || event.event === 'error') {
      const parsed = z.object({ message: messageBody, error: z.string().optional() }).parse(data);
      message = parsed.message;
      if (!wrote) process.stderr.write('\r\x1b[K');
      if (!streamed && message.content) process.stdout.write(message.content);
      process.stdout.write('\n');
      if (event.event === 'error') process.stderr.write(`astra: the answer failed: ${parsed.error ?? message.error ?? 'unknown error'}\n`);
      const cited = message.citations.filter((citation) => citation.cited);
      for (const citation of cited.length ? cited : message.citations) out(`  [${citation.number}] ${citation.title ? `${citation.title} — ` : ''}${citation.source}`);
    }
  }
  return message;
}

export async function chatCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { message: { type: 'string', short: 'm' }, conversation: { type: 'string' } } });
  const slug = positionals[0];
  if (!slug) throw new CliError('usage: astra chat <app> [-m "one message"] [--conversation ID]', 2);
  const config = resolveCliConfig();
  const { app } = await api(config, appAnswer, 'GET', `/api/apps/${enc(slug)}`);
  const start = async () => (await api(config, z.object({ conversation: conversationBody }), 'POST', `/api/apps/${enc(slug)}/conversations`, {})).conversation.id;
  let conversationId = values.conversation ?? (await start());
  if (values.message !== undefined) {
    const message = await turn(config, conversationId, values.message);
    return message?.status === 'done' ? 0 : 1;
  }
  const interactive = process.stdin.isTTY;
  if (interactive) out(`${app.title} (${app.slug}) — type a message; /new starts over, /history shows this conversation, /exit or Ctrl-D leaves`);
  const lines = createInterface({ input: process.stdin, output: process.stdout, terminal: interactive });
  lines.setPrompt(interactive ? 'you › ' : '');
  lines.prompt();
  let failed = false;
  for await (const line of lines) {
    const text = line.trim();
    if (text === '/exit' || text === '/quit') break;
    if (text === '/new') {
      conversationId = await start();
      out('(new conversation)');
    } else if (text === '/history') {
      const { conversation } = await api(config, z.object({ conversation: conversationBody }), 'GET', `/api/conversations/${enc(conversationId)}`);
      for (const message of conversation.messages ?? []) out(`${message.role === 'user' ? 'you' : app.slug} › ${message.content}${message.status !== 'done' ? ` (${message.status})` : ''}`);
    } else if (text !== '') {
      try {
        const message = await turn(config, conversationId, text);
        failed ||= message?.status !== 'done';
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        process.stderr.write(`astra: ${error.message}\n`);
        failed = true;
      }
    }
    lines.prompt();
  }
  lines.close();
  return failed && !interactive ? 1 : 0;
}

export async function keysCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const config = resolveCliConfig();
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { name: { type: 'string' }, apps: { type: 'string' }, expires: { type: 'string' }, rate: { type: 'string' }, json: { type: 'boolean' } } });
  switch (action) {
    case undefined:
    case 'list': {
      const { keys } = await api(config, z.object({ keys: z.array(keyBody) }), 'GET', '/api/keys');
      if (values.json) out(JSON.stringify(keys, null, 2));
      else if (keys.length === 0) out('no API keys yet: astra keys create --name N [--apps a,b] [--expires 30d]');
      else {
        for (const key of keys) {
          const state = key.revokedAt ? 'revoked' : key.expiresAt && new Date(key.expiresAt) <= new Date() ? 'expired' : 'live';
          out(`${key.prefix}…  ${key.name.padEnd(20)} ${state.padEnd(8)} apps: ${key.apps ? key.apps.map((app) => app.slug ?? '(unpublished)').join(', ') : 'all'}  ${key.ratePerMinute}/min  expires ${key.expiresAt ?? 'never'}  last used ${key.lastUsedAt ?? 'never'}  id ${key.id}`);
        }
      }
      return 0;
    }
    case 'create': {
      const rate = values.rate === undefined ? undefined : Number(values.rate);
      if (rate !== undefined && (!Number.isInteger(rate) || rate < 1)) throw new CliError(`--rate must be requests per minute, such as 60 (got "${values.rate}")`, 2);
      const created = await api(config, z.object({ key: z.string(), record: keyBody }), 'POST', '/api/keys', {
        name: values.name ?? `key ${new Date().toISOString().slice(0, 16)}`, ...(values.apps ? { apps: list(values.apps) } : {}), ...(values.expires ? { expires: values.expires } : {}), ...(rate ? { ratePerMinute: rate } : {}),
      });
      if (values.json) out(JSON.stringify(created, null, 2));
      else {
        out(created.key);
        process.stderr.write(`API key "${created.record.name}" for ${created.record.apps ? created.record.apps.map((app) => app.slug).join(', ') : 'every app you may use'}; it is shown only now. Use it as the OpenAI API key at ${config.url}/v1 or as a Bearer token at ${config.url}/ollama.\n`);
      }
      return 0;
    }
    case 'revoke': {
      const key = positionals[0];
      if (!key) throw new CliError('usage: astra keys revoke <id|name>', 2);
      await api(config, z.undefined(), 'DELETE', `/api/keys/${enc(key)}`);
      out(`revoked ${key}`);
      return 0;
    }
    default:
      throw new CliError(`unknown keys command "${action}"; expected list, create or revoke`, 2);
  }
}
