// The live run view on its own: what a person sees for the event sequences a run can produce
// (repeats after the snapshot, retries, floods of progress and tokens), on a terminal and in a log.
import { describe, expect, it } from 'vitest';
import type { Run, RunEvent } from './flow-schemas';
import { RunView, wrap } from './run-view';

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, 0) + ms).toISOString();
const pendingNode = (nodeId: string, type: string): Run['nodes'][number] => ({
  nodeId, type, label: null, state: 'pending', attempts: 0, startedAt: null, finishedAt: null, durationMs: null, error: null, inputPreview: null, outputPreview: null, logs: [],
});
const run: Run = {
  id: 'run-1', flowId: 'flow-1', flowName: 'RAG: answer a question', version: 3, status: 'running', startedAt: at(0), finishedAt: null, rerunOf: null, fromNode: null, ranBy: 'admin',
  inputs: { question: 'why?' }, outputs: {}, error: null, workflowId: 'run-run-1', temporalUrl: null,
  nodes: [pendingNode('question', 'io.input'), pendingNode('embed', 'rag.embed'), pendingNode('answer', 'rag.answer')],
};

function plainView() {
  let text = '';
  const view = new RunView({ write: (chunk) => (text += chunk), live: false, columns: () => 80 });
  return { view, lines: () => text.trimEnd().split('\n') };
}

describe('run view', () => {
  it('prints one line per change in a log, and nothing for an event the snapshot already showed', () => {
    const { view, lines } = plainView();
    const events: RunEvent[] = [
      { type: 'snapshot', run: { ...run, nodes: [{ ...run.nodes[0]!, state: 'succeeded', attempts: 0, startedAt: at(0), durationMs: 0 }, run.nodes[1]!, run.nodes[2]!] } },
      { type: 'node', nodeId: 'question', state: 'succeeded', at: at(0) },
      { type: 'node', nodeId: 'embed', state: 'running', attempt: 1, at: at(100) },
      { type: 'node', nodeId: 'embed', state: 'running', attempt: 1, at: at(100) },
      { type: 'node', nodeId: 'embed', state: 'succeeded', at: at(1600) },
      { type: 'run', status: 'succeeded', at: at(1700) },
    ];
    for (const event of events) view.apply(event);
    view.stop();
    expect(lines()).toEqual([
      'run run-1 of "RAG: answer a question" v3: 3 nodes, running',
      '12:00:00  question  io.input  ✓ succeeded in 0 ms',
      '12:00:00  embed  rag.embed  ▶ running',
      '12:00:01  embed  rag.embed  ✓ succeeded in 1.5 s',
      '12:00:01  run succeeded',
    ]);
  });

  it('keeps progress in a log to tenths and the last batch, and numbers retries', () => {
    const { view, lines } = plainView();
    view.apply({ type: 'snapshot', run });
    for (let done = 1; done <= 100; done += 1) view.apply({ type: 'progress', nodeId: 'embed', done, total: 100, unit: 'chunks' });
    view.apply({ type: 'node', nodeId: 'answer', state: 'running', attempt: 1, at: at(0) });
    view.apply({ type: 'node', nodeId: 'answer', state: 'running', attempt: 2, at: at(2000) });
    view.apply({ type: 'node', nodeId: 'answer', state: 'failed', attempt: 2, at: at(2500), error: 'the model ran out of context' });
    view.stop();
    const progress = lines().filter((line) => line.includes(' chunks'));
    expect(progress.map((line) => line.split('  ').slice(1).join('  '))).toEqual([
      'embed  1/100 chunks', 'embed  10/100 chunks', 'embed  20/100 chunks', 'embed  30/100 chunks', 'embed  40/100 chunks', 'embed  50/100 chunks',
      'embed  60/100 chunks', 'embed  70/100 chunks', 'embed  80/100 chunks', 'embed  90/100 chunks', 'embed  100/100 chunks',
    ]);
    expect(lines().slice(-3)).toEqual([
      '12:00:00  answer  rag.answer  ▶ running',
      '12:00:02  answer  rag.answer  ▶ running (attempt 2)',
      '12:00:02  answer  rag.answer  ✗ failed (attempt 2) in 2.5 s: the model ran out of context',
    ]);
  });

  it('draws a table with progress and the streamed answer on a terminal, a new attempt streaming from the start', () => {
    const view = new RunView({ write: () => undefined, live: true, columns: () => 60 });
    view.apply({ type: 'snapshot', run });
    view.apply({ type: 'node', nodeId: 'question', state: 'succeeded', at: at(0) });
    view.apply({ type: 'node', nodeId: 'embed', state: 'running', attempt: 1, at: at(0) });
    view.apply({ type: 'progress', nodeId: 'embed', done: 64, total: 120, unit: 'chunks' });
    view.apply({ type: 'node', nodeId: 'answer', state: 'running', attempt: 1, at: at(0) });
    view.apply({ type: 'token', nodeId: 'answer', text: 'A first try', seq: 0 });
    view.apply({ type: 'node', nodeId: 'answer', state: 'running', attempt: 2, at: at(1000) });
    view.apply({ type: 'token', nodeId: 'answer', text: 'The tides', seq: 0 });
    view.apply({ type: 'token', nodeId: 'answer', text: 'The tides', seq: 0 });
    view.apply({ type: 'token', nodeId: 'answer', text: ' follow the moon.', seq: 1 });
    const frame = view.frame(Date.parse(at(3000)));
    view.stop();
    expect(frame).toEqual([
      'run run-1 · "RAG: answer a question" v3 · running · 3.0 s',
      '  node      type        state        attempt  time   progress',
      '  question  io.input    ✓ succeeded',
      '  embed     rag.embed   ▶ running    1        3.0 s  64/120 chunks',
      '  answer    rag.answer  ▶ running    2        3.0 s',
      '',
      'answer ▸',
      '  The tides follow the moon.',
    ]);
  });

  it('wraps streamed text at spaces to the terminal width', () => {
    expect(wrap('the quick brown fox jumps over the lazy dog', 10)).toEqual(['the quick', 'brown fox', 'jumps over', 'the lazy', 'dog']);
    expect(wrap('abcdefghijkl', 5)).toEqual(['abcde', 'fghij', 'kl']);
  });
});
