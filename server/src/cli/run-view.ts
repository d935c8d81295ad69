// The live view of a run for `astra run --watch`: a per-node table redrawn in place on a terminal, one
// line per change otherwise, built from the run's event stream.
import type { NodeState, Run, RunEvent, RunNode, RunStatus } from './flow-schemas';

export const stateSymbol: Record<NodeState, string> = {
  pending: '·',
  running: '▶',
  succeeded: '✓',
  failed: '✗',
  skipped: '↷',
  cached: '≡',
  cancelled: '⊘',
};

export const formatDuration = (ms: number) =>
  ms < 1000 ? `${Math.round(ms)} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;

/** Rows padded to the widest cell of each column; the last column is not padded. */
export function table(rows: string[][]): string[] {
  const widths = rows.reduce<number[]>((max, row) => row.map((cell, i) => Math.max(max[i] ?? 0, [...cell].length)), []);
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - [...cell].length))).join('  ').trimEnd());
}

interface NodeView {
  nodeId: string;
  type: string;
  label: string | null;
  state: NodeState;
  attempt: number;
  startedAt: number | null;
  durationMs: number | null;
  progress: { done: number; total: number; unit: string } | null;
  tokens: string;
  lastSeq: number;
}

const fromRunNode = (node: RunNode, tokens = '', lastSeq = -1): NodeView => ({
  nodeId: node.nodeId,
  type: node.type,
  label: node.label,
  state: node.state,
  attempt: node.attempts,
  startedAt: node.startedAt ? Date.parse(node.startedAt) : null,
  durationMs: node.durationMs,
  progress: null,
  tokens,
  lastSeq,
});

const tokenLines = 6;
const clock = (at: string) => new Date(at).toISOString().slice(11, 19);

export interface RunViewOptions {
  write(text: string): void;
  /** Redraw in place (a terminal) or print one line per change. */
  live: boolean;
  columns(): number;
}

/** Folds run events into per-node state and draws them. */
export class RunView {
  private readonly nodes = new Map<string, NodeView>();
  private header = { id: '', flowName: '', version: 0, startedAt: Date.now() };
  private status: RunStatus = 'running';
  private runError: string | undefined;
  private drawnLines = 0;
  private streaming: string | null = null;
  private redrawPending: NodeJS.Timeout | null = null;
  private readonly ticker: NodeJS.Timeout | null;

  constructor(private readonly options: RunViewOptions) {
    // On a terminal the running nodes' clocks tick even when no event arrives.
    this.ticker = options.live ? setInterval(() => this.draw(), 500) : null;
    this.ticker?.unref();
  }

  apply(event: RunEvent): void {
    switch (event.type) {
      case 'snapshot': {
        const { run } = event;
        this.header = { id: run.id, flowName: run.flowName, version: run.version, startedAt: Date.parse(run.startedAt) };
        this.status = run.status;
        const previous = new Map(this.nodes);
        this.nodes.clear();
        for (const node of run.nodes) {
          const seen = previous.get(node.nodeId);
          this.nodes.set(node.nodeId, { ...fromRunNode(node, seen?.tokens, seen?.lastSeq), progress: seen?.progress ?? null });
        }
        if (!this.options.live && previous.size === 0) {
          this.line(`run ${run.id} of "${run.flowName}" v${run.version}: ${run.nodes.length} nodes, ${run.status}`);
          for (const node of run.nodes) if (node.state !== 'pending') this.line(this.nodeLine(this.nodes.get(node.nodeId)!, node.startedAt ?? run.startedAt));
        }
        break;
      }
      case 'node': {
        const node = this.node(event.nodeId);
        const at = Date.parse(event.at);
        const attempt = event.attempt ?? (event.state === 'running' && node.state !== 'running' ? node.attempt + 1 : node.attempt);
        // The stream may repeat an event the snapshot already showed.
        if (event.state === node.state && attempt === node.attempt) break;
        if (event.state === 'running') {
          // A new attempt streams its answer from the start.
          if (attempt !== node.attempt || node.state !== 'running') {
            node.tokens = '';
            node.lastSeq = -1;
          }
          if (node.state !== 'running' || node.startedAt === null) node.startedAt = at;
          node.durationMs = null;
        } else if (event.state !== 'pending' && node.startedAt !== null) {
          node.durationMs = Math.max(0, at - node.startedAt);
        }
        node.state = event.state;
        node.attempt = attempt;
        if (!this.options.live) this.line(`${this.nodeLine(node, event.at)}${event.error ? `: ${event.error}` : ''}`);
        break;
      }
      case 'progress': {
        const node = this.node(event.nodeId);
        const step = (p: { done: number; total: number } | null) => (p && p.total > 0 ? Math.floor((10 * p.done) / p.total) : -1);
        const before = step(node.progress);
        node.progress = { done: event.done, total: event.total, unit: event.unit };
        // Plain output keeps to tenths, so a long embed does not print a line per batch.
        if (!this.options.live && (step(node.progress) !== before || event.done === event.total)) {
          this.line(`${clock(new Date().toISOString())}  ${node.nodeId}  ${event.done}/${event.total} ${event.unit}`);
        }
        break;
      }
      case 'log':
        if (!this.options.live) this.line(`${clock(event.at)}  ${event.nodeId}  ${event.level}: ${event.message}`);
        break;
      case 'token': {
        const node = this.node(event.nodeId);
        if (event.seq <= node.lastSeq) break;
        node.lastSeq = event.seq;
        node.tokens += event.text;
        this.streaming = node.nodeId;
        break;
      }
      case 'run':
        this.status = event.status;
        this.runError = event.error;
        if (!this.options.live) this.line(`${clock(event.at)}  run ${event.status}${event.error ? `: ${event.error}` : ''}`);
        break;
    }
    if (this.options.live) this.scheduleDraw();
  }

  /** The last frame, from the finished run's own record (exact timings), without the token stream. */
  finish(run: Run): void {
    if (this.ticker) clearInterval(this.ticker);
    if (this.redrawPending) clearTimeout(this.redrawPending);
    this.redrawPending = null;
    if (!this.options.live) return;
    this.status = run.status;
    this.header = { id: run.id, flowName: run.flowName, version: run.version, startedAt: Date.parse(run.startedAt) };
    const finishedAt = run.finishedAt ? Date.parse(run.finishedAt) : Date.now();
    for (const node of run.nodes) this.nodes.set(node.nodeId, { ...fromRunNode(node), progress: this.nodes.get(node.nodeId)?.progress ?? null });
    this.streaming = null;
    this.draw(finishedAt);
    this.options.write('\x1b[?25h');
  }

  /** Stops drawing, leaving the cursor visible (Ctrl-C while watching). */
  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    if (this.redrawPending) clearTimeout(this.redrawPending);
    if (this.options.live) this.options.write('\x1b[?25h');
  }

  private node(nodeId: string): NodeView {
    let node = this.nodes.get(nodeId);
    if (!node) {
      node = { nodeId, type: '', label: null, state: 'pending', attempt: 0, startedAt: null, durationMs: null, progress: null, tokens: '', lastSeq: -1 };
      this.nodes.set(nodeId, node);
    }
    return node;
  }

  private nodeLine(node: NodeView, at: string): string {
    const attempt = node.attempt > 1 ? ` (attempt ${node.attempt})` : '';
    const took = node.durationMs !== null && node.state !== 'running' ? ` in ${formatDuration(node.durationMs)}` : '';
    return `${clock(at)}  ${node.nodeId}  ${node.type}  ${stateSymbol[node.state]} ${node.state}${attempt}${took}`;
  }

  private line(text: string): void {
    this.options.write(`${text}\n`);
  }

  private scheduleDraw(): void {
    // Tokens arrive many a second: redraw at most every 50 ms.
    this.redrawPending ??= setTimeout(() => {
      this.redrawPending = null;
      this.draw();
    }, 50);
  }

  /** The frame as lines (no colour codes, so widths are plain character counts). */
  frame(now = Date.now()): string[] {
    const elapsed = formatDuration(Math.max(0, now - this.header.startedAt));
    const lines = [`run ${this.header.id} · "${this.header.flowName}" v${this.header.version} · ${this.status} · ${elapsed}`];
    const rows = [['node', 'type', 'state', 'attempt', 'time', 'progress']];
    for (const node of this.nodes.values()) {
      const time = node.state === 'running' && node.startedAt !== null ? formatDuration(Math.max(0, now - node.startedAt)) : node.durationMs !== null ? formatDuration(node.durationMs) : '';
      const progress = node.progress ? `${node.progress.done}/${node.progress.total} ${node.progress.unit}` : '';
      rows.push([node.nodeId, node.type, `${stateSymbol[node.state]} ${node.state}`, node.attempt > 0 ? String(node.attempt) : '', time, progress]);
    }
    lines.push(...table(rows).map((row) => `  ${row}`));
    if (this.runError) lines.push(`  error: ${this.runError}`);
    const streaming = this.streaming ? this.nodes.get(this.streaming) : undefined;
    if (streaming?.tokens) {
      const width = Math.max(20, this.options.columns() - 4);
      const wrapped = wrap(streaming.tokens, width);
      lines.push('', `${streaming.nodeId} ▸`, ...wrapped.slice(-tokenLines).map((line) => `  ${line}`));
    }
    return lines;
  }

  private draw(now = Date.now()): void {
    if (!this.options.live || !this.header.id) return;
    const width = Math.max(20, this.options.columns() - 1);
    const lines = this.frame(now).map((line) => [...line].slice(0, width).join(''));
    // Back to the top of the last frame, clear below, draw the new one.
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F` : '\x1b[?25l';
    this.options.write(`${up}\x1b[0J${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
  }
}

/** Text cut into lines of at most `width` characters, at spaces where it can. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let rest = paragraph;
    while ([...rest].length > width) {
      const chars = [...rest];
      const cut = chars.slice(0, width + 1).lastIndexOf(' ');
      const at = cut > 0 ? cut : width;
      lines.push(chars.slice(0, at).join('').trimEnd());
      rest = chars.slice(at).join('').trimStart();
    }
    lines.push(rest);
  }
  return lines;
}
