import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { modelAnswer, modelsAnswer, selfCheckAnswer, statusAnswer, userApproved, userCreated, usersAnswer } from '@astra/client/contracts';
import { api } from './api';
import { modelLineageSchema } from '@astra/workflows/flow';
import { resolveCliConfig } from './config';
import { CliError } from './errors';
import { finetuneCommand, quantizeCommand } from './finetune';
import { flowsCommand, runCommand, runsCommand } from './flows';
import { schedulesCommand } from './schedules';
import { appsCommand, chatCommand, keysCommand, publishCommand } from './chat';
import { accessCommand, auditCommand } from './audit';
import { askCommand, collectionsCommand, ingestCancelCommand, ingestCommand, queryCommand } from './rag';

const usage = `astra — command line for Astra

  astra status [--json] [--deep]      readiness of every part (--deep runs the self-check workflow)
  astra users list [--json]           every user (admin)
  astra users create <name> [--role user|admin|pending] [--password P]
                                      create a user (a password is generated when omitted)
  astra users approve <name> [--role user|admin]
                                      approve a pending user
  astra ingest <path|url> --collection C [--glob G] [--upload] [--json]
                                      index documents (progress bar; summary, or JSON with --json);
                                      --upload sends a local file to the server (paths on the server need admin)
  astra ingest-cancel <workflow id>   cancel a running ingest
  astra query "<question>" --collection C [--k 5] [--mode hybrid|vector|keyword] [--json]
  astra ask "<question>" --collection C
                                      a streamed answer with numbered citations
  astra collections list|show <name>|delete <name>
  astra collections rebuild <name> [--json]
                                      re-embed the collection's chunks from the Postgres ledger into
                                      Chroma (after Chroma lost its data); progress bar, then counts
  astra schedules create <name> <path|url> --collection C (--every 1h | --cron "0 3 * * *") [--glob G] [--paused]
  astra schedules list|pause <name>|resume <name>|delete <name>
                                      ingest on an interval or a cron spec (Temporal Schedules)
  astra flows list [--json]           the flows you own or that are shared with you
  astra flows import <file.json> [--name N]
                                      import an exported flow (examples/flows/*.json)
  astra flows export <flow> [--version V] [-o file]
                                      a flow version as export JSON (stdout by default)
  astra flows validate <file.json|flow> [--version V]
                                      every problem as "node <id> <path>: <message>"; exit 1 when invalid
  astra run <flow> [--version V] [--input name=value ...] [--watch] [--json]
                                      start a run (<flow> is an id or an exact name); --watch follows it
                                      live, prints its outputs, and exits 1 unless it succeeded
  astra runs list [--flow F] [--json] recent runs, newest first
  astra runs show <run id> [--json]   each node's state, attempts, timing, error and output preview
  astra runs cancel <run id>          cancel a running run
  astra runs rerun <run id> --from <node> [--version V] [--watch] [--json]
                                      run again from a node, reusing the recorded outputs upstream of it
  astra publish <flow> [--slug S] [--version V] [--title T] [--visibility private|shared|keys] [--users a,b] [--roles user]
                                      publish a flow with Chat Input and Chat Output as a chat app; on an
                                      app already published, --version pins another version
  astra apps list|show <slug>|unpublish <slug> [--json]
  astra apps share <slug> --visibility private|shared|keys [--users a,b] [--roles user]
  astra chat <app> [-m "message"]     chat in the terminal, streamed (/new, /history, /exit); -m sends one message
  astra keys create [--name N] [--apps a,b] [--expires 30d] [--rate 120]
                                      an API key for OpenAI and Ollama clients (printed once)
  astra keys list|revoke <id|name>
  astra models list [--json]          the models the configured provider offers
  astra models show <name> [--json]   one model: kind, context, dimension, file, sha256, source package;
                                      for a fine-tune its lineage (base, dataset, hyperparameters, metrics)
  astra finetune --base <model> --data <file.jsonl> --name <new> [--steps N] [--lora-r R]
                 [--quantize Q4_K_M|Q8_0] [--skip-invalid] [--json]
                                      LoRA fine-tune as a durable run: live step and loss, then the
                                      registered model (base + LoRA GGUF, or the merged quantised file)
  astra quantize <fine-tuned model> --type Q4_K_M|Q8_0 [--name N] [--json]
                                      quantise a fine-tune's merged F16 and register the result

  astra audit [--action A|prefix.] [--actor NAME] [--target T] [--outcome success|failure]
              [--since 24h|ISO] [--until ISO] [--limit N] [--json|--jsonl]
                                      the audit log, newest first (admin); --jsonl exports JSON lines
  astra access list [--json]          who may use each model and app (admin; unrestricted: every user)
  astra access set model|app <name> [--users a,b] [--roles user,admin]
                                      only these users and roles (and admins) may use it
  astra access open model|app <name>  every user may use it again

Connects with ASTRA_URL and ASTRA_TOKEN, or with the credentials \`npm start\` writes to .astra/credentials.`;


const out = (text: string) => process.stdout.write(`${text}\n`);

async function status(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, deep: { type: 'boolean' } } });
  const config = resolveCliConfig();
  const report = await api(config, statusAnswer, 'GET', '/api/status');
  const deep = values.deep ? await api(config, selfCheckAnswer, 'POST', '/api/status/self-check') : undefined;
  if (values.json) {
    out(JSON.stringify({ ...report, ...(deep ? { selfCheck: deep } : {}) }, null, 2));
  } else {
    out(`Astra ${report.version} at ${report.serverUrl} — ${report.ready ? 'READY' : 'NOT READY'} (signed in as ${report.user.username}, ${report.user.role})`);
    for (const [name, part] of Object.entries(report.parts)) {
      out(`  ${part.up ? '✓' : '✗'} ${name.padEnd(9)} ${part.up ? 'up  ' : 'down'}  ${String(part.latencyMs).padStart(5)} ms  ${part.detail}`);
    }
    if (report.temporalUiUrl) out(`  Temporal UI: ${report.temporalUiUrl}`);
    if (deep) out(`  self-check workflow ${deep.workflowId}: ${deep.ok ? 'wrote and read back Postgres and Chroma' : 'FAILED'} in ${deep.durationMs} ms`);
  }
  return report.ready && (deep?.ok ?? true) ? 0 : 1;
}

async function users(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const config = resolveCliConfig();
  switch (action) {
    case undefined: // the bare command lists
    case 'list': {
      const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' } } });
      const { users: list } = await api(config, usersAnswer, 'GET', '/api/users');
      if (values.json) out(JSON.stringify(list, null, 2));
      else for (const user of list) out(`${user.username.padEnd(24)} ${user.role.padEnd(8)} created ${user.createdAt}${user.role === 'pending' ? '  (waiting for approval)' : ''}`);
      return 0;
    }
    case 'create': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { role: { type: 'string', default: 'user' }, password: { type: 'string' } } });
      const username = positionals[0];
      if (!username) throw new CliError('usage: astra users create <name> [--role user|admin|pending] [--password P]', 2);
      const password = values.password ?? randomBytes(12).toString('base64url');
      const { user } = await api(config, userCreated, 'POST', '/api/users', { username, password, role: values.role });
      out(`created ${user.username} (${user.role})${values.password ? '' : `; password: ${password}`}`);
      return 0;
    }
    case 'approve': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { role: { type: 'string', default: 'user' } } });
      const username = positionals[0];
      if (!username) throw new CliError('usage: astra users approve <name> [--role user|admin]', 2);
      const { user } = await api(config, userApproved, 'POST', `/api/users/${encodeURIComponent(username)}/approve`, { role: values.role });
      out(`approved ${user.username} as ${user.role}`);
      return 0;
    }
    default:
      throw new CliError(`unknown users command "${action ?? ''}"; expected list, create or approve`, 2);
  }
}

type CatalogModel = z.infer<typeof modelAnswer>['model'];

/** A fine-tune's lineage as `models show` prints it; a lineage of a shape this CLI does not know is said so. */
function lineageLines(fineTune: NonNullable<CatalogModel['fineTune']>): string[] {
  const lines = [`  fine-tune of    ${fineTune.baseModel}${fineTune.loraPath ? ` + LoRA ${fineTune.loraPath}` : ''}`];
  const parsed = modelLineageSchema.safeParse(fineTune.lineage);
  if (!parsed.success) return [...lines, '  lineage         (in a shape this CLI does not know; see --json)'];
  const { dataset, hyperparameters: h, metrics, file } = parsed.data;
  lines.push(`  dataset         sha256 ${dataset.sha256} (${dataset.stats.format}, ${dataset.stats.train} train / ${dataset.stats.val} validation)`);
  if (h) lines.push(`  training        ${h.steps} steps, LoRA r ${h.loraR} alpha ${h.loraAlpha}, lr ${h.learningRate}, batch ${h.batchSize}${metrics.trainingSeconds ? `, ${Math.round(metrics.trainingSeconds)} s on ${metrics.device ?? '?'}` : ''}`);
  lines.push(`  validation loss ${metrics.before?.toFixed(4) ?? '?'} before, ${metrics.after?.toFixed(4) ?? '?'} after (PyTorch)`);
  for (const f of metrics.files) lines.push(`    ${f.format.padEnd(7)} ${f.valLoss?.toFixed(4) ?? '?'} in llama.cpp, ${mebibytes(f.sizeBytes)}${f.sha256 ? `, sha256 ${f.sha256.slice(0, 16)}…` : ''}${f.keepsFineTune ? '' : '  (loses the fine-tune)'}`);
  lines.push(`  served file     ${file.format} ${file.path} sha256 ${file.sha256}`);
  return lines;
}

const mebibytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function models(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const config = resolveCliConfig();
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean' } } });
  switch (action) {
    case undefined: // the bare command lists
    case 'list': {
      const catalog = await api(config, modelsAnswer, 'GET', '/api/models');
      if (values.json) {
        out(JSON.stringify(catalog, null, 2));
        return 0;
      }
      out(`provider: ${catalog.provider}`);
      if (catalog.models.length === 0) out('  (no models: run `npm start` to provision the local ones)');
      for (const model of catalog.models) {
        out(`  ${model.name.padEnd(28)} ${model.kind.padEnd(10)} context ${String(model.contextLength ?? '?').padStart(5)}${model.dimension ? `  dim ${model.dimension}` : ''}${model.file ? `  ${mebibytes(model.file.sizeBytes)}` : ''}`);
      }
      return 0;
    }
    case 'show': {
      const name = positionals[0];
      if (!name) throw new CliError('usage: astra models show <name> [--json]', 2);
      const { model } = await api(config, modelAnswer, 'GET', `/api/models/${encodeURIComponent(name)}`);
      if (values.json) {
        out(JSON.stringify(model, null, 2));
        return 0;
      }
      out(`${model.name} (${model.kind}, ${model.provider} provider)`);
      out(`  context length  ${model.contextLength ?? 'unknown'} tokens`);
      if (model.dimension) out(`  dimension       ${model.dimension}`);
      if (model.file) {
        out(`  file            ${model.file.path}`);
        out(`  size            ${mebibytes(model.file.sizeBytes)} (${model.file.sizeBytes} bytes)`);
        out(`  sha256          ${model.file.sha256}`);
        out(`  architecture    ${model.file.architecture}`);
        out(`  source package  ${model.file.sourcePackage}`);
      }
      if (model.fineTune) for (const line of lineageLines(model.fineTune)) out(line);
      return 0;
    }
    default:
      throw new CliError(`unknown models command "${action ?? ''}"; expected list or show`, 2);
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'status':
      return status(rest);
    case 'users':
      return users(rest);
    case 'models':
      return models(rest);
    case 'ingest':
      return ingestCommand(rest);
    case 'ingest-cancel':
      return ingestCancelCommand(rest);
    case 'query':
      return queryCommand(rest);
    case 'ask':
      return askCommand(rest);
    case 'collections':
      return collectionsCommand(rest);
    case 'schedules':
      return schedulesCommand(rest);
    case 'flows':
      return flowsCommand(rest);
    case 'run':
      return runCommand(rest);
    case 'runs':
      return runsCommand(rest);
    case 'publish':
      return publishCommand(rest);
    case 'apps':
      return appsCommand(rest);
    case 'chat':
      return chatCommand(rest);
    case 'keys':
      return keysCommand(rest);
    case 'finetune':
      return finetuneCommand(rest);
    case 'quantize':
      return quantizeCommand(rest);
    case 'audit':
      return auditCommand(rest);
    case 'access':
      return accessCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out(usage);
      return command === undefined ? 2 : 0;
    default:
      throw new CliError(`unknown command "${command}"\n\n${usage}`, 2);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof CliError) {
    process.stderr.write(`astra: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`astra: ${error.message}\n`);
    process.exitCode = 2;
  } else {
    // A bug of the CLI's own, not the person's: one line, the stack only when asked for.
    const detail = error instanceof Error ? error.message : String(error);
    process.stderr.write(process.env.ASTRA_DEBUG && error instanceof Error && error.stack
      ? `astra: unexpected error: ${error.stack}\n`
      : `astra: unexpected error: ${detail} (ASTRA_DEBUG=1 shows where)\n`);
    process.exitCode = 1;
  }
}
