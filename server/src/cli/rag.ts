// CLI for collections: ingest with a live progress bar, query, ask (streamed), collections.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { askEvents } from '../routes/query.routes';
import type { z } from 'zod';
import { collectionAnswer, collectionDeleted, collectionsAnswer, ingestCancelled, ingestStarted, ingestStatusAnswer, queryAnswer, rebuildStarted, rebuildStatusAnswer, uploadStarted, type IngestStatus } from '@astra/client/contracts';
import { api, openStream } from './api';
import { resolveCliConfig, type CliConfig } from './config';
import { ApiError, CliError } from './errors';


const out = (text: string) => process.stdout.write(`${text}\n`);
const seconds = (ms: number) => (ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`);

function progressLine(status: IngestStatus, startedAt: number): string {
  const planned = status.planned ?? 0;
  const width = 28;
  const filled = planned ? Math.round((status.processed / planned) * width) : 0;
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const total = status.planned === null ? 'listing documents…' : `${status.processed}/${planned} documents`;
  return `${bar} ${total} · ${status.chunks} chunks · ${status.failed} failed · ${seconds(Date.now() - startedAt)}`;
}

/** Polls the ingest until it ends, drawing progress on stderr (redrawn in place on a terminal). */
async function watchIngest(config: CliConfig, workflowId: string, quiet: boolean): Promise<IngestStatus> {
  const startedAt = Date.now();
  const tty = process.stderr.isTTY;
  let lastPrinted = 0;
  for (;;) {
    const status = await api(config, ingestStatusAnswer, 'GET', `/api/ingest/${encodeURIComponent(workflowId)}`);
    if (!quiet) {
      if (tty) process.stderr.write(`\r\x1b[2K${progressLine(status, startedAt)}`);
      else if (Date.now() - lastPrinted > 5_000 || status.status !== 'running') {
        process.stderr.write(`${progressLine(status, startedAt)}\n`);
        lastPrinted = Date.now();
      }
    }
    if (status.status !== 'running' && status.status !== 'unknown') {
      if (!quiet && tty) process.stderr.write('\n');
      return status;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export async function ingestCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      collection: { type: 'string', short: 'c' },
      glob: { type: 'string' },
      json: { type: 'boolean' },
      'chunk-tokens': { type: 'string' },
      'overlap-tokens': { type: 'string' },
      'batch-size': { type: 'string' },
      upload: { type: 'boolean' },
    },
  });
  const target = positionals[0];
  if (!target || !values.collection) throw new CliError('usage: astra ingest <path|url> --collection C [--glob G] [--upload] [--json]', 2);
  const isUrl = /^https?:\/\//i.test(target);
  const number = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0) throw new CliError(`--${name} must be a whole number (got "${value}")`, 2);
    return parsed;
  };
  const config = resolveCliConfig();
  const began = Date.now();
  const started = values.upload
    ? await upload(config, target, values.collection)
    : await api(config, ingestStarted, 'POST', '/api/ingest', {
    collection: values.collection,
    ...(isUrl ? { url: target } : { path: path.resolve(target) }),
    ...(values.glob ? { glob: values.glob } : {}),
    chunkTokens: number('chunk-tokens', values['chunk-tokens']),
    overlapTokens: number('overlap-tokens', values['overlap-tokens']),
    batchSize: number('batch-size', values['batch-size']),
    });
  process.once('SIGINT', () => {
    process.stderr.write(`\nstopped watching; the ingest goes on in the background (workflow ${started.workflowId}). Cancel it with: astra ingest-cancel ${started.workflowId}\n`);
    process.exit(130);
  });
  const status = await watchIngest(config, started.workflowId, Boolean(values.json));
  const durationMs = Date.now() - began;
  if (values.json) {
    const { workflowId, collection, status: state, planned, new: added, updated, skipped, failed, chunks, deleted, failures, error } = status;
    out(JSON.stringify({ workflowId, collection, status: state, documents: planned, new: added, updated, skipped, deleted, failed, chunks, failures, error, durationMs }, null, 2));
  } else {
    const verdict = status.status === 'completed' ? 'ingested' : status.status === 'completed_with_failures' ? `ingested with ${status.failed} failed:` : `ingest ${status.status}:`;
    out(`${verdict} ${status.source} into "${status.collection}" in ${seconds(durationMs)} (workflow ${status.workflowId})`);
    out(`  documents  ${status.planned ?? 0}: ${status.new} new, ${status.updated} updated, ${status.skipped} skipped, ${status.deleted ?? 0} deleted, ${status.failed} failed`);
    out(`  chunks     ${status.chunks}`);
    if (status.failures.length) {
      out('  failed:');
      for (const failure of status.failures) out(`    ${failure.source}: ${failure.reason}`);
    }
    if (status.error) out(`  error: ${status.error}`);
  }
  return status.status === 'completed' ? 0 : 1;
}

/** Sends a local file's bytes to the server, which stores it and ingests it: for files the server cannot read itself. */
async function upload(config: CliConfig, file: string, collection: string): Promise<{ workflowId: string; collection: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'EISDIR' ? 'it is a folder; --upload sends one file' : (error as Error).message}`, 2);
  }
  const query = new URLSearchParams({ collection, filename: path.basename(file) });
  return api(config, uploadStarted, 'POST', `/api/uploads?${query}`, bytes);
}

export async function ingestCancelCommand(args: string[]): Promise<number> {
  const workflowId = args[0];
  if (!workflowId) throw new CliError('usage: astra ingest-cancel <workflow id>', 2);
  await api(resolveCliConfig(), ingestCancelled, 'POST', `/api/ingest/${encodeURIComponent(workflowId)}/cancel`);
  out(`cancellation requested for ${workflowId}; documents already indexed stay`);
  return 0;
}

export async function queryCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { collection: { type: 'string', short: 'c' }, k: { type: 'string', default: '5' }, mode: { type: 'string', default: 'hybrid' }, json: { type: 'boolean' }, 'min-score': { type: 'string' }, mmr: { type: 'string' } },
  });
  const query = positionals.join(' ').trim();
  if (!query || !values.collection) throw new CliError('usage: astra query "<question>" --collection C [--k 5] [--mode hybrid|vector|keyword] [--json]', 2);
  if (!['hybrid', 'vector', 'keyword'].includes(values.mode!)) throw new CliError(`--mode must be hybrid, vector or keyword (got "${values.mode}")`, 2);
  const { results } = await api(resolveCliConfig(), queryAnswer, 'POST', '/api/query', {
    collection: values.collection,
    query,
    k: Number(values.k),
    mode: values.mode,
    ...(values['min-score'] ? { minScore: Number(values['min-score']) } : {}),
    ...(values.mmr ? { mmrLambda: Number(values.mmr) } : {}),
  });
  if (values.json) {
    out(JSON.stringify({ results: results.map(({ source, chunkId, score, title, text }) => ({ source, chunkId, score, title, text })) }, null, 2));
    return 0;
  }
  if (results.length === 0) out('no results above the threshold');
  results.forEach((result, i) => {
    out(`${i + 1}. ${result.title ?? result.source}${result.headingPath.length ? ` › ${result.headingPath.join(' › ')}` : ''}  (score ${result.score.toFixed(3)})`);
    out(`   ${result.source}`);
    out(`   ${result.text.replace(/\s+/g, ' ').slice(0, 240)}${result.text.length > 240 ? '…' : ''}`);
  });
  return 0;
}

export async function askCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { collection: { type: 'string', short: 'c' }, k: { type: 'string', default: '5' }, mode: { type: 'string', default: 'hybrid' }, model: { type: 'string' }, style: { type: 'string', default: 'auto' } },
  });
  if (!['auto', 'extractive', 'generative'].includes(values.style!)) throw new CliError(`--style must be auto, extractive or generative (got "${values.style}")`, 2);
  const question = positionals.join(' ').trim();
  if (!question || !values.collection) throw new CliError('usage: astra ask "<question>" --collection C', 2);
  let failed: string | undefined;
  let streamed = false;
  for await (const event of openStream(resolveCliConfig(), '/api/ask', { collection: values.collection, question, k: Number(values.k), mode: values.mode, style: values.style, ...(values.model ? { model: values.model } : {}) })) {
    if (event.event === 'token') {
      streamed = true;
      process.stdout.write(askEvents.token.parse(JSON.parse(event.data)).text);
    } else if (event.event === 'answer') {
      const { answer, citations } = askEvents.answer.parse(JSON.parse(event.data));
      // A quoted (extractive) answer is not streamed: it arrives whole.
      if (!streamed) process.stdout.write(answer);
      out('\n\nSources:');
      for (const citation of citations) out(`  [${citation.number}] ${citation.title ?? citation.source} — ${citation.source}${citation.cited ? '' : '  (retrieved, not cited)'}`);
    } else if (event.event === 'error') failed = askEvents.error.parse(JSON.parse(event.data)).error;
  }
  if (failed) throw new CliError(failed);
  return 0;
}

export async function collectionsCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const config = resolveCliConfig();
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean' } } });
  switch (action) {
    case undefined: // the bare command lists
    case 'list': {
      const { collections } = await api(config, collectionsAnswer, 'GET', '/api/collections');
      if (values.json) out(JSON.stringify(collections, null, 2));
      else if (collections.length === 0) out('no collections yet: astra ingest <path|url> --collection NAME');
      else for (const c of collections) out(`${c.name.padEnd(24)} ${String(c.documents).padStart(6)} documents ${String(c.chunks).padStart(8)} chunks ${c.failed ? ` ${c.failed} failed ` : ''} ${c.embeddingModel}`);
      return 0;
    }
    case 'show': {
      const name = positionals[0];
      if (!name) throw new CliError('usage: astra collections show <name>', 2);
      const shown = await api(config, collectionAnswer, 'GET', `/api/collections/${encodeURIComponent(name)}`);
      if (values.json) {
        out(JSON.stringify(shown, null, 2));
        return 0;
      }
      const c = shown.collection;
      out(`${c.name}: ${c.documents} documents, ${c.chunks} chunks, ${c.failed} failed`);
      out(`  embedding model ${c.embeddingModel}, chunks of ${c.chunkTokens} tokens with ${c.overlapTokens} overlap, created ${c.createdAt}`);
      for (const run of shown.ingests) out(`  ingest ${run.workflowId}  ${run.source}  ${run.startedAt}${run.finishedAt ? '' : '  (running)'}`);
      return 0;
    }
    case 'delete': {
      const name = positionals[0];
      if (!name) throw new CliError('usage: astra collections delete <name>', 2);
      const deleted = await api(config, collectionDeleted, 'DELETE', `/api/collections/${encodeURIComponent(name)}`);
      out(`deleted collection ${deleted.deleted} (${deleted.documents} documents, ${deleted.chunks} chunks)`);
      return 0;
    }
    case 'rebuild': {
      const name = positionals[0];
      if (!name) throw new CliError('usage: astra collections rebuild <name> [--json]', 2);
      return rebuildCollection(config, name, Boolean(values.json));
    }
    default:
      throw new CliError(`unknown collections command "${action ?? ''}"; expected list, show, delete or rebuild`, 2);
  }
}

type RebuildStatus = z.infer<typeof rebuildStatusAnswer>;

/**
 * Starts a rebuild of the collection's vectors from the ledger, or follows the one already running, with
 * a progress bar on stderr until it ends; exit 0 only when Chroma holds exactly the ledger's chunks.
 */
async function rebuildCollection(config: CliConfig, name: string, json: boolean): Promise<number> {
  const route = `/api/collections/${encodeURIComponent(name)}/rebuild`;
  const began = Date.now();
  try {
    await api(config, rebuildStarted, 'POST', route);
  } catch (error) {
    // Already running: follow that one instead of failing.
    if (!(error instanceof ApiError && error.status === 409 && /a rebuild .* is already running/.test(error.message))) throw error;
    if (!json) process.stderr.write(`a rebuild of "${name}" is already running; following it\n`);
  }
  process.once('SIGINT', () => {
    process.stderr.write(`\nstopped watching; the rebuild goes on in the background. Follow it again with: astra collections rebuild ${name}\n`);
    process.exit(130);
  });
  const tty = process.stderr.isTTY;
  let lastPrinted = 0;
  let status: RebuildStatus;
  for (;;) {
    status = await api(config, rebuildStatusAnswer, 'GET', route);
    if (!json) {
      const width = 28;
      const filled = status.chunks ? Math.round((status.done / status.chunks) * width) : 0;
      const line = `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${status.chunks === null ? 'reading the ledger…' : `${status.done}/${status.chunks} chunks`} · ${seconds(Date.now() - began)}`;
      if (tty) process.stderr.write(`\r\x1b[2K${line}`);
      else if (Date.now() - lastPrinted > 5_000 || status.status !== 'running') {
        process.stderr.write(`${line}\n`);
        lastPrinted = Date.now();
      }
    }
    if (status.status !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (!json && tty) process.stderr.write('\n');
  const exact = status.status === 'completed' && status.vectors === status.chunks;
  if (json) {
    out(JSON.stringify({ ...status, durationMs: Date.now() - began }, null, 2));
  } else if (status.status === 'completed') {
    out(`rebuilt "${status.collection}" from the ledger in ${seconds(Date.now() - began)} (workflow ${status.workflowId})`);
    out(`  documents  ${status.documents}`);
    out(`  chunks     ${status.chunks} in the ledger, ${status.vectors} vectors in Chroma${status.removed ? ` (${status.removed} stale removed)` : ''}`);
    if (!exact) out('  the counts differ: something wrote to the collection during the rebuild; run it again');
  } else {
    out(`rebuild ${status.status}: "${status.collection}" (workflow ${status.workflowId})${status.error ? `\n  error: ${status.error}` : ''}`);
  }
  return exact ? 0 : 1;
}
