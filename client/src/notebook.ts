// Astra from a notebook (tslab) or any Node program: connect once, then run, ask, query, ingest and show,
// each with its progress drawn in the cell as it happens. Outputs are MIME bundles (see bundles.ts).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { createAstraClient, type AstraClient } from './client';
import { flowBundle, outputText, resultsBundle, runBundle, type MimeBundle } from './bundles';
import { lossCurveSvg, seriesOf, withPoint, type LossSeries } from './loss-curve';
import type { App, AskRequest, ChatMessage, IngestRequest, IngestStatus, PublishRequest, QueryRequest } from './contracts';
import { pickFlowByName } from '@astra/workflows/flow';
import type { FlowGraph, Run, RunEvent } from './schemas';

export * from './index';
export * from './bundles';

const credentialsFile = z.object({ url: z.string().optional(), token: z.string() });

/** ASTRA_URL + ASTRA_TOKEN, else the credentials `npm start` wrote ($ASTRA_DATA_DIR/credentials or .astra/credentials up from here). */
export function connectionFromEnvironment(env: NodeJS.ProcessEnv = process.env, from = process.cwd()): { url: string; token: string } {
  if (env.ASTRA_TOKEN) return { url: env.ASTRA_URL ?? 'http://127.0.0.1:3210', token: env.ASTRA_TOKEN };
  const candidates = env.ASTRA_DATA_DIR ? [path.join(env.ASTRA_DATA_DIR, 'credentials')] : [];
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    candidates.push(path.join(dir, '.astra', 'credentials'));
    if (path.dirname(dir) === dir) break;
  }
  for (const file of candidates) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const parsed = credentialsFile.safeParse(JSON.parse(text));
    if (parsed.success) return { url: env.ASTRA_URL ?? parsed.data.url ?? 'http://127.0.0.1:3210', token: parsed.data.token };
  }
  throw new Error('no Astra credentials: set ASTRA_URL and ASTRA_TOKEN, or run `npm start` (it writes .astra/credentials)');
}

/** One output area of the cell, redrawn in place; outside a kernel it prints text. */
export interface CellDisplay {
  show(bundle: MimeBundle): void;
}

interface KernelDisplayWriter {
  (content: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id?: string } }, update: boolean): void;
}

const tslabOutput = z.object({ lastWriteDisplayData: z.function().optional() }).passthrough();

/** tslab's own display writer, which takes a whole bundle (its public `display.raw` takes one MIME type). */
function kernelWriter(): KernelDisplayWriter | undefined {
  try {
    const required = createRequire(path.join(process.cwd(), 'notebook.js'))('tslab/dist/jupyter');
    const parsed = tslabOutput.safeParse(required);
    const writer = parsed.success ? parsed.data.lastWriteDisplayData : undefined;
    return typeof writer === 'function' ? (content, update) => Reflect.apply(writer, undefined, [content, update]) : undefined;
  } catch {
    return undefined;
  }
}

export function newCellDisplay(): CellDisplay {
  const id = `astra-${Math.random().toString(16).slice(2)}`;
  let shown = false;
  return {
    show(bundle) {
      const writer = kernelWriter();
      if (!writer) {
        if (!shown) process.stdout.write(`${String(bundle['text/plain'] ?? '')}\n`);
        shown = true;
        return;
      }
      writer({ data: bundle, metadata: {}, transient: { display_id: id } }, shown);
      shown = true;
    },
  };
}

const progressHtml = (label: string, done: number, total: number | null) =>
  `<div class="astra-progress"><span>${label.replace(/[<>&]/g, '')}</span> <progress value="${done}" max="${total ?? done + 1}"></progress> ${done}${total === null ? '' : `/${total}`}</div>`;

export class AstraNotebook {
  readonly client: AstraClient;

  constructor(options: { url: string; token: string }) {
    this.client = createAstraClient({ baseUrl: options.url, token: options.token });
  }

  /** A flow by id or exact name: your own flow of that name before one shared with you, never a guess between two. */
  async findFlow(nameOrId: string) {
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(nameOrId)) {
      const byId = await this.client.getFlow(nameOrId).then(({ flow }) => flow, () => undefined);
      if (byId) return byId;
    }
    const picked = pickFlowByName((await this.client.flowsNamed(nameOrId)).flows, nameOrId);
    if ('error' in picked) throw new Error(picked.error);
    return picked.flow;
  }

  /** Runs a flow and shows it live in the cell (node states, progress, tokens); resolves with the finished run. */
  async run(nameOrId: string, inputs: Record<string, string> = {}, options: { version?: number; display?: boolean } = {}): Promise<Run> {
    const flow = await this.findFlow(nameOrId);
    const { run } = await this.client.startRun({ flowId: flow.id, inputs, ...(options.version ? { version: options.version } : {}) });
    return this.follow(run, options.display ?? true);
  }

  /** Shows a started run live until it ends. */
  async follow(started: Run, display = true): Promise<Run> {
    const cell = display ? newCellDisplay() : undefined;
    let current = started;
    let tokens = '';
    cell?.show(runBundle(current));
    const finished = await this.client.awaitRun(started.id, (event: RunEvent) => {
      if (event.type === 'token') tokens += event.text;
      else if (event.type === 'node') current = { ...current, nodes: current.nodes.map((node) => (node.nodeId === event.nodeId ? { ...node, state: event.state } : node)) };
      cell?.show(runBundle(current, tokens));
    });
    cell?.show(runBundle(finished));
    return finished;
  }

  /**
   * Plots a run's loss curve (train and validation loss by step) in the cell as SVG and returns its series,
   * one per Fine-tune node. On a run still training the plot is redrawn at each step until the run ends.
   */
  async plotLoss(runId: string, options: { display?: boolean; width?: number; height?: number } = {}): Promise<LossSeries[]> {
    const training = await this.client.runTraining(runId);
    const curves = new Map(training.curves.map((curve) => [curve.nodeId, curve.points]));
    const cells = new Map<string, CellDisplay>();
    const draw = () => {
      if (!(options.display ?? true)) return;
      for (const [nodeId, points] of curves) {
        const cell = cells.get(nodeId) ?? newCellDisplay();
        cells.set(nodeId, cell);
        cell.show(lossBundle(seriesOf(nodeId, points), options.width, options.height));
      }
    };
    draw();
    const { run } = await this.client.getRun(runId);
    if (run.status === 'running') {
      await this.client.awaitRun(runId, (event) => {
        if (event.type !== 'training') return;
        curves.set(event.nodeId, withPoint(curves.get(event.nodeId) ?? [], event.point));
        draw();
      });
      // Points published while the stream was being opened are read back from the record.
      for (const curve of (await this.client.runTraining(runId)).curves) curves.set(curve.nodeId, curve.points);
      draw();
    }
    return [...curves].map(([nodeId, points]) => seriesOf(nodeId, points));
  }

  /** Checks a graph with the server's validation. */
  validate(graph: FlowGraph) {
    return this.client.validate(graph);
  }

  /** Saves a flow built in code: a new flow, or a new version of the one with that name. */
  async save(name: string, graph: FlowGraph, description = '') {
    // Only a flow of your own can take a new version; one shared with you under the same name is not it.
    const existing = (await this.client.flowsNamed(name)).flows.find((flow) => flow.canEdit && flow.name === name);
    return existing ? this.client.saveFlow(existing.id, { graph, description }) : this.client.createFlow({ name, description, graph });
  }

  async query(body: QueryRequest, options: { display?: boolean } = {}) {
    const { results } = await this.client.query(body);
    if (options.display ?? true) newCellDisplay().show(resultsBundle(body.query, results));
    return results;
  }

  /** Asks a collection; the answer streams into the cell as it is generated. */
  async ask(body: AskRequest, options: { display?: boolean } = {}) {
    const cell = (options.display ?? true) ? newCellDisplay() : undefined;
    let text = '';
    const answer = await this.client.ask(body, (token) => {
      text += token;
      cell?.show({ 'text/plain': text });
    });
    const sources = answer.citations.map((citation) => `[${citation.number}] ${citation.source}`).join('\n');
    cell?.show({ 'text/plain': `${answer.answer}\n\n${sources}`, 'text/markdown': `${answer.answer}\n\n${answer.citations.map((citation) => `${citation.number}. \`${citation.source}\``).join('\n')}` });
    return answer;
  }

  /** Publishes a version of a flow (by id or exact name; it needs Chat Input and Chat Output) as a chat app. */
  async publish(nameOrId: string, options: Omit<PublishRequest, 'flowId'> = {}): Promise<App> {
    const flow = await this.findFlow(nameOrId);
    const { app } = await this.client.publish({ ...options, flowId: flow.id });
    return app;
  }

  /**
   * One chat turn with a published app: the answer streams into the cell as it is written. Pass the
   * conversation of an earlier turn to go on with it; without one a new conversation starts.
   */
  async chat(slug: string, message: string, options: { conversation?: string; inputs?: Record<string, string>; display?: boolean } = {}): Promise<{ conversation: string; message: ChatMessage }> {
    const conversation = options.conversation ?? (await this.client.createConversation(slug)).conversation.id;
    const cell = (options.display ?? true) ? newCellDisplay() : undefined;
    let text = '';
    const answer = await this.client.sendMessage(conversation, { content: message, inputs: options.inputs ?? {} }, {
      status: (status) => {
        if (!text) cell?.show({ 'text/plain': `${status}…` });
      },
      token: (token) => {
        text += token;
        cell?.show({ 'text/plain': text });
      },
    });
    if (answer.status === 'failed') throw new Error(`chat with ${slug}: ${answer.error ?? 'the answer failed'}`);
    const sources = answer.citations.map((citation) => `[${citation.number}] ${citation.source}`).join('\n');
    cell?.show({ 'text/plain': sources ? `${answer.content}\n\n${sources}` : answer.content, 'text/markdown': `${answer.content}${answer.citations.length ? `\n\n${answer.citations.map((citation) => `${citation.number}. \`${citation.source}\``).join('\n')}` : ''}` });
    return { conversation, message: answer };
  }

  /** Ingests into a collection with a progress bar in the cell. */
  async ingest(body: IngestRequest, options: { display?: boolean } = {}): Promise<IngestStatus> {
    const cell = (options.display ?? true) ? newCellDisplay() : undefined;
    return this.client.ingest(body, (status) => {
      cell?.show({
        'text/html': progressHtml(`ingest into ${status.collection}: ${status.status}`, status.processed, status.planned),
        'text/plain': `ingest into ${status.collection}: ${status.status}, ${status.processed}/${status.planned ?? '?'} documents, ${status.chunks} chunks`,
      });
    });
  }

  /** Shows a run, a flow or retrieval results in the cell. */
  show(bundle: MimeBundle): void {
    newCellDisplay().show(bundle);
  }

  showRun(run: Run): void {
    this.show(runBundle(run));
  }

  showFlow(flow: { id?: string; name: string; graph: FlowGraph }): void {
    this.show(flowBundle(flow));
  }
}

/** A loss curve as a cell output: the SVG, and its figures as text for plain readers. */
export function lossBundle(series: LossSeries, width?: number, height?: number): MimeBundle {
  const first = series.val[0];
  const last = series.val.at(-1);
  return {
    'image/svg+xml': lossCurveSvg(series, width, height),
    'text/plain': `${series.nodeId}: step ${series.latest?.step ?? 0}/${series.steps}, train loss ${series.train.at(-1)?.loss.toFixed(4) ?? '?'}${first && last ? `, validation loss ${first.loss.toFixed(4)} (step ${first.step}) -> ${last.loss.toFixed(4)} (step ${last.step})` : ''}`,
  };
}

/** Connects to Astra with the environment's or `npm start`'s credentials. */
export function connect(options?: { url: string; token: string }): AstraNotebook {
  return new AstraNotebook(options ?? connectionFromEnvironment());
}

export { outputText };
