// The replay gate: recorded histories of real runs, replayed with the workers' own workflow interceptors (workflows/src/replay/histories/, written by
// `npm run record:histories`) replay against the current workflow code. A change that would make an
// in-flight run take another path (a node spec's `required`, the interpreter's scheduling) fails here
// before it can fail a run in production; README "Changing workflow code" says what to do instead.
import { readdir, readFile } from 'node:fs/promises';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker, type ReplayResult } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { otelWorkflowInterceptorPath } from '../../../activities/src/tracing';
import { requestIdInterceptorPath, runMetricsInterceptorPath, workflowsPath } from '../index';

const historiesDir = new URL('./histories/', import.meta.url).pathname;

async function replay(entry: string, only?: (file: string) => boolean): Promise<ReplayResult[]> {
  const files = (await readdir(historiesDir)).filter((file) => file.endsWith('.json') && (!only || only(file))).sort();
  async function* histories() {
    for (const file of files) yield { workflowId: file, history: JSON.parse(await readFile(historiesDir + file, 'utf8')) as unknown };
  }
  const results: ReplayResult[] = [];
  for await (const result of Worker.runReplayHistories({ workflowsPath: entry, replayName: 'replay-gate', interceptors: { workflowModules: [runMetricsInterceptorPath, requestIdInterceptorPath, otelWorkflowInterceptorPath] } }, histories())) results.push(result);
  return results;
}

describe('the replay gate', () => {
  it('replays every recorded history against the current workflow code', async () => {
    const results = await replay(workflowsPath);
    const names = results.map((result) => result.workflowId);
    // Every example flow, the ingest and answer workflows, and the hard cases are there.
    for (const expected of ['example-rag-ingest', 'example-rag-question-answering', 'example-rag-ingest-and-answer', 'example-document-summary', 'ingest-corpus', 'answer-question', 'rebuild-collection.1', 'rebuild-collection.2', 'branching', 'rerun-from-node', 'continue-as-new-outputs.1', 'continue-as-new-outputs.2', 'continue-as-new-late-failure.2', 'failure-cancels-siblings', 'wait-timer', 'cancelled', 'worker-killed-mid-node', 'example-document-summary-v1', 'pure-branching', 'pure-continue-as-new-late-failure.1', 'pure-continue-as-new-late-failure.2', 'pure-by-reference', 'node-queues']) {
      expect(names).toContain(`${expected}.json`);
    }
    expect(results.filter((result) => result.error).map((result) => `${result.workflowId}: ${String(result.error)}`)).toEqual([]);
  }, 180_000);

  it('places nodes on the queues their specs name in runs recorded since, and nowhere new in runs recorded before', async () => {
    type Event = { activityTaskScheduledEventAttributes?: { activityType: { name: string }; taskQueue: { name: string } }; workflowExecutionStartedEventAttributes?: { taskQueue: { name: string } } };
    const scheduled = async (file: string) => {
      const { events } = JSON.parse(await readFile(historiesDir + file, 'utf8')) as { events: Event[] };
      const runQueue = events[0]!.workflowExecutionStartedEventAttributes!.taskQueue.name;
      return Object.fromEntries(events.flatMap((event) => (event.activityTaskScheduledEventAttributes ? [[event.activityTaskScheduledEventAttributes.activityType.name, event.activityTaskScheduledEventAttributes.taskQueue.name.replace(runQueue, '(run)')]] : [])));
    };
    expect(await scheduled('node-queues.json')).toEqual({ nodeLoadFiles: '(run)-ingest', nodeGenerate: '(run)-generation', nodeTextTemplate: '(run)' });
    expect(await scheduled('example-rag-ingest.json')).toMatchObject({ nodeLoadFiles: '(run)', nodeChunk: '(run)', nodeEmbed: '(run)', nodeStore: '(run)' });
  });

  it('fails a change that alters how a recorded run was scheduled', async () => {
    const [result] = await replay(new URL('./broken-workflows.ts', import.meta.url).pathname, (file) => file === 'branching.json');
    expect(result?.error).toBeInstanceOf(DeterminismViolationError);
  }, 180_000);
});
