// CLI for flows and runs: list, import, export and validate flows; start runs and watch them live;
// list, show, cancel and re-run runs.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { api, openStream } from './api';
import { resolveCliConfig, type CliConfig } from './config';
import { pickFlowByName } from '@astra/workflows/flow';
import { ApiError, CliError } from './errors';
import {
  answerOutput, flowExportFile, flowList, flowWithVersion, problemsAnswer, runAnswer, runEvent, runList, validation, versionAnswer,
  type FlowExportFile, type FlowProblem, type FlowSummary, type Run, type RunEvent, type RunStatus,
} from './flow-schemas';
import { RunView, formatDuration, stateSymbol, table, type RunViewOptions } from './run-view';

const out = (text: string) => process.stdout.write(`${text}\n`);
const enc = encodeURIComponent;

/** `node <id> <path>: <message>`, or the edge or the flow when the problem is not on a node. */
export const problemLine = (problem: FlowProblem) =>
  `${problem.nodeId ? `node ${problem.nodeId}` : problem.edgeId ? `edge ${problem.edgeId}` : 'flow'} ${problem.path}: ${problem.message}`;

/** A 422 from a flow route becomes its message and one line per problem; other errors pass through. */
export function withProblems(error: unknown): never {
  if (error instanceof ApiError && error.status === 422) {
    const body = problemsAnswer.safeParse(error.body);
    if (body.success) throw new CliError([body.data.error, ...body.data.problems.map((problem) => `  ${problemLine(problem)}`)].join('\n'));
  }
  throw error;
}

const versionOption = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const version = Number(value);
  if (!Number.isInteger(version) || version < 1) throw new CliError(`--version must be a version number such as 1 or 2 (got "${value}")`, 2);
  return version;
};

const flowIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every flow I can see, page by page (the server answers at most 500 at a time). */
async function allFlows(config: CliConfig, query = ''): Promise<FlowSummary[]> {
  const flows: FlowSummary[] = [];
  for (let offset: number | null = 0; offset !== null;) {
    const page: z.infer<typeof flowList> = await api(config, flowList, 'GET', `/api/flows?offset=${offset}${query}`);
    flows.push(...page.flows);
    offset = page.nextOffset;
  }
  return flows;
}

/** A flow by id, else by exact name: my own flow of that name before any shared with me, never a guess between two. */
export async function resolveFlow(config: CliConfig, reference: string): Promise<FlowSummary> {
  if (flowIdPattern.test(reference)) {
    const found = await api(config, flowWithVersion, 'GET', `/api/flows/${enc(reference)}`).catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    });
    if (found) return found.flow;
  }
  const picked = pickFlowByName(await allFlows(config, `&name=${enc(reference)}`), reference);
  if ('flow' in picked) return picked.flow;
  const { flows: near } = await api(config, flowList, 'GET', `/api/flows?limit=5&q=${enc(reference)}`);
  const hint = near.length ? `; did you mean ${near.map((flow) => `"${flow.name}"`).join(', ')}?` : '; `astra flows list` shows them';
  throw new CliError(picked.error.startsWith('no flow') ? `${picked.error}${hint}` : picked.error);
}

async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, 2);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(`${file} is not JSON: ${(error as Error).message}`, 2);
  }
}

const flowsUsage = `usage:
  astra flows list [--json]
  astra flows import <file.json> [<file.json> ...] [--name N]
  astra flows export <flow> [--version V] [-o file]
  astra flows validate <file.json|flow> [--version V]
<flow> is a flow id or its exact name.`;

export async function flowsCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  switch (action) {
    case undefined: // the bare command lists
    case 'list': {
      const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' } } });
      const flows = await allFlows(resolveCliConfig());
      if (values.json) out(JSON.stringify(flows, null, 2));
      else if (flows.length === 0) out('no flows yet: astra flows import examples/flows/rag-question-answering.json');
      else {
        const rows = flows.map((flow) => [flow.name, flow.id, `v${flow.latestVersion}`, flow.owner, flow.visibility, flow.updatedAt]);
        for (const line of table([['name', 'id', 'latest', 'owner', 'visibility', 'updated'], ...rows])) out(line);
      }
      return 0;
    }
    case 'import': {
      const { values, positionals: files } = parseArgs({ args: rest, allowPositionals: true, options: { name: { type: 'string' } } });
      if (files.length === 0) throw new CliError(flowsUsage, 2);
      if (values.name && files.length > 1) throw new CliError(`--name renames one flow, but ${files.length} files were given`, 2);
      // Every file is read and checked before any is imported, so a typo imports nothing.
      const bodies: Array<{ file: string; body: FlowExportFile }> = [];
      for (const file of files) {
        const raw = await readJsonFile(file);
        const checked = flowExportFile.safeParse(raw);
        if (!checked.success) {
          const issue = checked.error.issues[0]!;
          throw new CliError(`${file} is not a flow export: ${issue.path.join('.') || '(file)'}: ${issue.message}`, 2);
        }
        bodies.push({ file, body: { ...checked.data, ...(values.name ? { name: values.name } : {}) } });
      }
      const config = resolveCliConfig();
      for (const { file, body } of bodies) {
        const { flow, version } = await api(config, flowWithVersion, 'POST', '/api/flows/import', body)
          .catch(withProblems)
          .catch((error: unknown) => {
            // With several files, say which one the server refused (those before it are imported).
            throw files.length > 1 && error instanceof CliError ? new CliError(`${file}: ${error.message}`, error.exitCode) : error;
          });
        out(`imported "${flow.name}" as flow ${flow.id} (version ${version.number}, ${version.graph.nodes.length} nodes)`);
      }
      return 0;
    }
    case 'export': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { version: { type: 'string' }, output: { type: 'string', short: 'o' } } });
      const reference = positionals[0];
      if (!reference) throw new CliError(flowsUsage, 2);
      const version = versionOption(values.version);
      const config = resolveCliConfig();
      const flow = await resolveFlow(config, reference);
      const exported = await api(config, flowExportFile, 'GET', `/api/flows/${enc(flow.id)}/export${version ? `?version=${version}` : ''}`);
      const text = `${JSON.stringify(exported, null, 2)}\n`;
      if (values.output) {
        await writeFile(values.output, text);
        process.stderr.write(`wrote "${flow.name}" v${version ?? flow.latestVersion} to ${values.output}\n`);
      } else process.stdout.write(text);
      return 0;
    }
    case 'validate': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { version: { type: 'string' } } });
      const target = positionals[0];
      if (!target) throw new CliError(flowsUsage, 2);
      const config = resolveCliConfig();
      let graph: unknown;
      let what: string;
      if (existsSync(target)) {
        const raw = await readJsonFile(target);
        // An export file, or a bare { nodes, edges } graph.
        graph = raw && typeof raw === 'object' && 'graph' in raw ? raw.graph : raw;
        what = target;
      } else {
        const flow = await resolveFlow(config, target);
        const version = versionOption(values.version);
        const shown = version
          ? (await api(config, versionAnswer, 'GET', `/api/flows/${enc(flow.id)}/versions/${version}`)).version
          : (await api(config, flowWithVersion, 'GET', `/api/flows/${enc(flow.id)}`)).version;
        graph = shown.graph;
        what = `"${flow.name}" v${shown.number}`;
      }
      const result = await api(config, validation, 'POST', '/api/flows/validate', { graph });
      if (result.valid) {
        const size = graph && typeof graph === 'object' && 'nodes' in graph && Array.isArray(graph.nodes) ? ` (${graph.nodes.length} nodes)` : '';
        out(`${what} is valid${size}`);
        return 0;
      }
      out(`${what} has ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}:`);
      for (const problem of result.problems) out(problemLine(problem));
      return 1;
    }
    default:
      throw new CliError(`unknown flows command "${action ?? ''}"; expected list, import, export or validate\n\n${flowsUsage}`, 2);
  }
}

/** `--input k=v`, repeatable. */
function parseInputs(pairs: string[] | undefined): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) throw new CliError(`--input takes name=value (got "${pair}")`, 2);
    inputs[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return inputs;
}

const runUsage = 'usage: astra run <flow> [--version V] [--input name=value ...] [--watch] [--json]';

export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { version: { type: 'string' }, input: { type: 'string', short: 'i', multiple: true }, watch: { type: 'boolean', short: 'w' }, json: { type: 'boolean' } },
  });
  const reference = positionals[0];
  if (!reference) throw new CliError(runUsage, 2);
  const version = versionOption(values.version);
  const inputs = parseInputs(values.input);
  const config = resolveCliConfig();
  const flow = await resolveFlow(config, reference);
  const { run } = await api(config, runAnswer, 'POST', '/api/runs', { flowId: flow.id, ...(version ? { version } : {}), inputs }).catch(withProblems);
  return followOrReport(config, run, Boolean(values.watch), Boolean(values.json));
}

/** Watches a run to its end (exit 0 only when it succeeded), or reports its id and leaves it running. */
async function followOrReport(config: CliConfig, run: Run, watch: boolean, json: boolean): Promise<number> {
  if (!watch) {
    if (json) out(JSON.stringify(run, null, 2));
    else {
      out(run.id);
      process.stderr.write(`started run ${run.id} of "${run.flowName}" v${run.version}; follow it with: astra runs show ${run.id}\n`);
    }
    return 0;
  }
  const final = await watchRun(config, run.id, { quiet: json });
  if (json) out(JSON.stringify(final, null, 2));
  else printOutcome(final);
  return final.status === 'succeeded' ? 0 : 1;
}

const parseEvent = (event: { event: string; data: string }): RunEvent | null => {
  let data: unknown;
  try {
    data = JSON.parse(event.data);
  } catch {
    return null;
  }
  // Events of kinds this CLI does not know are skipped, so a newer server does not break the view.
  const parsed = runEvent.safeParse(event.event === 'snapshot' ? { type: 'snapshot', run: data } : data !== null && typeof data === 'object' ? { ...data, type: event.event } : data);
  return parsed.success ? parsed.data : null;
};

const terminal: RunViewOptions = {
  write: (text) => void process.stdout.write(text),
  live: Boolean(process.stdout.isTTY),
  columns: () => process.stdout.columns ?? 100,
};

/** Follows a run's events to its end, drawing the live view (on stdout unless told otherwise) unless quiet; answers the finished run. */
export async function watchRun(config: CliConfig, runId: string, options: { quiet?: boolean; output?: RunViewOptions } = {}): Promise<Run> {
  const view = options.quiet ? null : new RunView(options.output ?? terminal);
  const onInterrupt = () => {
    view?.stop();
    process.stderr.write(`\nstopped watching; the run goes on. Cancel it with: astra runs cancel ${runId}\n`);
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    let ended: RunStatus | null = null;
    // A dropped stream (a server restart) is opened again: it starts over with a snapshot, so nothing is lost.
    for (let attempt = 0; ended === null; attempt += 1) {
      try {
        for await (const message of openStream(config, `/api/runs/${enc(runId)}/events`)) {
          const event = parseEvent(message);
          if (!event) continue;
          view?.apply(event);
          if (event.type === 'snapshot' && event.run.status !== 'running') ended = event.run.status;
          if (event.type === 'run') ended = event.status;
          if (ended) break;
        }
      } catch (error) {
        if (attempt >= 5 || (error instanceof CliError && !error.message.startsWith('cannot reach'))) throw error;
      }
      if (ended === null) await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 500 * 2 ** attempt)));
    }
    const { run } = await api(config, runAnswer, 'GET', `/api/runs/${enc(runId)}`);
    view?.finish(run);
    return run;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

/** An output as text: an answer object as its text and numbered sources, text as it is, the rest as JSON. */
export function describeOutput(value: unknown): string[] {
  const answer = answerOutput.safeParse(value);
  if (answer.success) {
    const lines = answer.data.answer.trim().split('\n');
    if (answer.data.citations.length) {
      lines.push('', 'Sources:');
      for (const citation of answer.data.citations) lines.push(`  [${citation.number}] ${citation.title ?? citation.source} — ${citation.source}${citation.cited ? '' : '  (retrieved, not cited)'}`);
    }
    return lines;
  }
  if (typeof value === 'string') return value.trim().split('\n');
  return JSON.stringify(value, null, 2).split('\n');
}

function printOutcome(run: Run): void {
  const took = run.finishedAt ? ` in ${formatDuration(Date.parse(run.finishedAt) - Date.parse(run.startedAt))}` : '';
  out('');
  out(`run ${run.id} ${run.status}${took}`);
  if (run.error) out(`error: ${run.error}`);
  for (const node of run.nodes) if (node.state === 'failed' && node.error) out(`  ${node.nodeId}: ${node.error}`);
  printOutputs(run);
}

function printOutputs(run: Run): void {
  const names = Object.keys(run.outputs);
  if (names.length === 0) return;
  for (const name of names) {
    out('');
    out(`${name}:`);
    for (const line of describeOutput(run.outputs[name])) out(line ? `  ${line}` : '');
  }
}

const runsUsage = `usage:
  astra runs list [--flow F] [--json]
  astra runs show <run id> [--json]
  astra runs cancel <run id>
  astra runs rerun <run id> --from <node> [--version V] [--watch] [--json]`;

const runStatusSymbol: Record<RunStatus, string> = { running: stateSymbol.running, succeeded: stateSymbol.succeeded, failed: stateSymbol.failed, cancelled: stateSymbol.cancelled };
const runTook = (run: { startedAt: string; finishedAt: string | null }) => (run.finishedAt ? formatDuration(Date.parse(run.finishedAt) - Date.parse(run.startedAt)) : '');

export async function runsCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const config = resolveCliConfig();
  switch (action) {
    case undefined: // the bare command lists
    case 'list': {
      const { values } = parseArgs({ args: rest, options: { flow: { type: 'string' }, json: { type: 'boolean' } } });
      const flow = values.flow ? await resolveFlow(config, values.flow) : undefined;
      const query = new URLSearchParams({ limit: '50', ...(flow ? { flowId: flow.id } : {}) });
      const { runs } = await api(config, runList, 'GET', `/api/runs?${query}`);
      if (values.json) out(JSON.stringify(runs, null, 2));
      else if (runs.length === 0) out(`no runs${flow ? ` of "${flow.name}"` : ''} yet: astra run <flow> --watch`);
      else {
        const rows = runs.map((run) => [run.id, `${run.flowName} v${run.version}`, `${runStatusSymbol[run.status]} ${run.status}`, run.startedAt, runTook(run), run.rerunOf ? `rerun of ${run.rerunOf} from ${run.fromNode ?? '?'}` : '']);
        for (const line of table([['run', 'flow', 'status', 'started', 'took', ''], ...rows])) out(line);
      }
      return 0;
    }
    case 'show': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean' } } });
      const runId = positionals[0];
      if (!runId) throw new CliError(runsUsage, 2);
      const { run } = await api(config, runAnswer, 'GET', `/api/runs/${enc(runId)}`);
      if (values.json) out(JSON.stringify(run, null, 2));
      else for (const line of describeRun(run)) out(line);
      return 0;
    }
    case 'cancel': {
      const runId = rest[0];
      if (!runId) throw new CliError(runsUsage, 2);
      const { run } = await api(config, runAnswer, 'POST', `/api/runs/${enc(runId)}/cancel`);
      out(run.status === 'running' ? `cancellation requested for run ${run.id}; nodes already done keep their results` : `run ${run.id} is ${run.status}`);
      return 0;
    }
    case 'rerun': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { from: { type: 'string' }, version: { type: 'string' }, watch: { type: 'boolean', short: 'w' }, json: { type: 'boolean' } },
      });
      const runId = positionals[0];
      if (!runId || !values.from) throw new CliError(runsUsage, 2);
      const version = versionOption(values.version);
      const { run } = await api(config, runAnswer, 'POST', `/api/runs/${enc(runId)}/rerun`, { fromNode: values.from, ...(version ? { version } : {}) }).catch(withProblems);
      return followOrReport(config, run, Boolean(values.watch), Boolean(values.json));
    }
    default:
      throw new CliError(`unknown runs command "${action ?? ''}"; expected list, show, cancel or rerun\n\n${runsUsage}`, 2);
  }
}

const previewChars = 120;
const oneLine = (text: string) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > previewChars ? `${flat.slice(0, previewChars)}…` : flat;
};

/** `astra runs show`: the run, each node's state, timing, error and output preview, then the outputs. */
export function describeRun(run: Run): string[] {
  const lines = [`run ${run.id} of "${run.flowName}" v${run.version} (flow ${run.flowId}): ${runStatusSymbol[run.status]} ${run.status}`];
  lines.push(`  started ${run.startedAt}${run.finishedAt ? `, finished ${run.finishedAt} (${runTook(run)})` : ''}`);
  if (run.rerunOf) lines.push(`  re-run of ${run.rerunOf} from node ${run.fromNode ?? '?'}`);
  const inputs = Object.entries(run.inputs);
  if (inputs.length) lines.push(`  inputs: ${inputs.map(([name, value]) => `${name}=${JSON.stringify(oneLine(value))}`).join(' ')}`);
  lines.push(`  workflow ${run.workflowId}${run.temporalUrl ? `  ${run.temporalUrl}` : ''}`);
  if (run.error) lines.push(`  error: ${run.error}`);
  lines.push('');
  const rows = [['node', 'type', 'state', 'attempts', 'started', 'time']];
  const details = new Map<number, string[]>();
  run.nodes.forEach((node, i) => {
    rows.push([node.nodeId, node.type, `${stateSymbol[node.state]} ${node.state}`, String(node.attempts), node.startedAt ? node.startedAt.slice(11, 23) : '', node.durationMs !== null ? formatDuration(node.durationMs) : '']);
    const extra: string[] = [];
    if (node.error) extra.push(`error: ${oneLine(node.error)}`);
    if (node.outputPreview) extra.push(`output: ${oneLine(node.outputPreview)}`);
    for (const log of node.logs.filter((entry) => entry.level !== 'info')) extra.push(`${log.level}: ${oneLine(log.message)}`);
    details.set(i + 1, extra);
  });
  table(rows).forEach((row, i) => {
    lines.push(`  ${row}`);
    for (const extra of details.get(i) ?? []) lines.push(`      ${extra}`);
  });
  for (const [name, value] of Object.entries(run.outputs)) {
    lines.push('', `${name}:`, ...describeOutput(value).map((line) => (line ? `  ${line}` : '')));
  }
  return lines;
}
