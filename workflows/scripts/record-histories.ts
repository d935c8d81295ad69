// Records the Temporal histories the replay gate replays (`npm run record:histories`): every example
// flow, the ingest, answer and rebuild workflows, and the hard cases (branches, continue-as-new with outputs and
// with a late failure, pure nodes evaluated inside the workflow, a failure that cancels siblings, a cancelled
// run, a worker killed mid-node).
// Run it against the workflow code of a release; the files in workflows/src/replay/histories/ are then
// replayed by `npm test` against every later change, so a change that would break in-flight runs fails.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client, WorkflowHandleWithFirstExecutionRunId as WorkflowHandle } from '@temporalio/client';
import { chunkSizeFor, createCollectionsRepo } from '@astra/activities';
import type { RunFlowInput, workflows } from '@astra/workflows';
import { flowExport, type FlowGraph, type PortValue } from '@astra/workflows/flow';
import { startBenchStack } from '../../bench/support/stack';
import { spawnWorkerProcess } from '../../activities/src/testing/worker-spawn';
import { temporalCliPath } from '../../infra/src/services/temporal';
import { graphOf, passThroughGrid } from '../../server/src/flows/testing/graphs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = path.join(root, 'workflows', 'src', 'replay', 'histories');

const stack = await startBenchStack();
const client: Client = stack.client;
const owner = (await stack.pool.query<{ id: string }>("insert into users (username, role) values ($1, 'admin') returning id", [`replay-${Date.now()}`])).rows[0]!.id;
const corpus = await mkdtemp(path.join(os.tmpdir(), 'astra-replay-'));
for (const page of ['backup.html', 'autoinc.html', 'cintro.html']) await cp(path.join(root, 'examples', 'corpora', 'sqlite-docs', page), path.join(corpus, page));
const note = path.join(corpus, 'note.md');
await writeFile(note, '# Night shift\n\nThe keeper lights the lamp at dusk and logs the weather every hour.\n');

// `npm run record:histories -- node-queues` (or another of newCases) records only the named new cases beside the histories already
// there (the gate keeps replaying those); without names every case is recorded afresh.
const only = process.argv.slice(2);
const newCases = ['node-queues', 'chat-turn-states-ride-with-node'];
const unknown = only.filter((name) => !newCases.includes(name));
if (unknown.length > 0) throw new Error(`no case ${unknown.join(', ')}; the cases one can record alone are ${newCases.join(', ')}`);
if (only.length === 0) await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });

/** Saves every execution of the workflow (one per continue-as-new), oldest first. */
async function save(name: string, handle: WorkflowHandle) {
  const executions: string[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) executions.push(execution.runId);
  // Visibility lists newest first; a fresh run may not be listed yet, so the handle's own run is always kept.
  const runIds = [...new Set([handle.firstExecutionRunId, ...executions.reverse()])];
  for (const [i, runId] of runIds.entries()) {
    // The Temporal CLI writes history in the proto JSON that replay reads (and the Web UI downloads).
    const json = execFileSync(temporalCliPath(), ['workflow', 'show', '--address', stack.services.temporalAddress, '--workflow-id', handle.workflowId, '--run-id', runId, '--output', 'json'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const file = runIds.length === 1 ? `${name}.json` : `${name}.${i + 1}.json`;
    await writeFile(path.join(outDir, file), json);
    console.log(`recorded ${file} (${(JSON.parse(json) as { events: unknown[] }).events.length} events)`);
  }
}

const runInput = (graph: FlowGraph, inputs: Record<string, string>, extra: Partial<RunFlowInput> = {}): RunFlowInput => ({
  runId: randomUUID(), ownerId: owner, snapshot: { flowId: randomUUID(), flowVersion: 1, graph }, inputs, ...extra,
});

/** Chat Input → Generate → Chat Output, as a published chat app runs it. */
const chatTurnGraph = graphOf(
  [{ id: 'chat', type: 'io.chat-input' }, { id: 'talk', type: 'models.generate', params: { model: 'smollm2-135m-instruct', maxTokens: 16 } }, { id: 'reply', type: 'io.chat-output' }],
  ['chat.messages>talk.prompt', 'talk.text>reply.message'],
);

async function runFlow(name: string, input: RunFlowInput, taskQueue = stack.taskQueue): Promise<WorkflowHandle> {
  const handle = await client.workflow.start<typeof workflows.runFlow>('runFlow', { taskQueue, workflowId: `replay-${name}-${input.runId}`, args: [input] });
  await handle.result().catch(() => undefined);
  return handle;
}

/** Every case the gate has replayed since the interpreter was written. */
async function recordEveryCase() {
  // The example flows, as a user runs them (the ingest first: the question flows read its collection).
  const examples = path.join(root, 'examples', 'flows');
  const exampleInputs: Record<string, Record<string, string>> = {
    'rag-ingest': { folder: corpus },
    'rag-question-answering': { question: 'How do I make an online backup?' },
    'rag-ingest-and-answer': { folder: corpus, question: 'What does AUTOINCREMENT do?' },
    'document-summary': { path: note },
  };
  for (const file of (await readdir(examples)).filter((name) => name.endsWith('.json')).sort((a, b) => (a === 'rag-ingest.json' ? -1 : b === 'rag-ingest.json' ? 1 : a.localeCompare(b)))) {
    const name = file.replace(/\.json$/, '');
    const flow = flowExport.parse(JSON.parse(await readFile(path.join(examples, file), 'utf8')));
    await save(`example-${name}`, await runFlow(name, runInput(flow.graph, exampleInputs[name] ?? {})));
  }

  // The ingest and answer workflows behind `astra ingest` and `astra ask`.
  const collection = await createCollectionsRepo(stack.pool).findOrCreate({ ownerId: owner, name: 'replay', embeddingModel: 'all-minilm-l6-v2', ...chunkSizeFor(256) });
  const ingest = await client.workflow.start<typeof workflows.ingestCorpus>('ingestCorpus', { taskQueue: stack.taskQueue, workflowId: `replay-ingest-${randomUUID()}`, args: [{ collectionId: collection.id, source: { kind: 'path', path: corpus }, batchSize: 2 }] });
  await ingest.result();
  await save('ingest-corpus', ingest);
  const ask = await client.workflow.start<typeof workflows.answerQuestion>('answerQuestion', { taskQueue: stack.taskQueue, workflowId: `replay-answer-${randomUUID()}`, args: [{ collectionId: collection.id, question: 'How do I back up a database?', model: 'smollm2-135m-instruct', k: 3, maxTokens: 40 }] });
  await ask.result();
  await save('answer-question', ask);
  // `astra collections rebuild`: Chroma restored from the ledger, in small batches so it continues as new.
  const rebuild = await client.workflow.start<typeof workflows.rebuildCollection>('rebuildCollection', { taskQueue: stack.taskQueue, workflowId: `replay-rebuild-${randomUUID()}`, args: [{ collectionId: collection.id, batchSize: 16, batchesPerRun: 2 }] });
  await rebuild.result();
  await save('rebuild-collection', rebuild);

  // A condition picks a branch; merge joins it although its other input was skipped.
  const branching = graphOf(
    [
      { id: 'in', type: 'io.input', params: { name: 'text' } },
      { id: 'check', type: 'control.condition', params: { operator: 'contains', value: 'lamp' } },
      { id: 'yes', type: 'text.template', params: { template: 'lit: {{input}}' } },
      { id: 'no', type: 'text.template', params: { template: 'dark: {{input}}' } },
      { id: 'join', type: 'control.merge' },
      { id: 'out', type: 'io.output', params: { name: 'text' } },
    ],
    ['in.value>check.value', 'check.true>yes.input', 'check.false>no.input', 'yes.text>join.a', 'no.text>join.b', 'join.value>out.value'],
  );
  const branched = runInput(branching, { text: 'the lamp is on' });
  await save('branching', await runFlow('branching', branched));
  // Re-run from the merge: what is upstream of it is reused (cached), as `astra runs rerun --from join` does.
  const recorded = await stack.pool.query<{ node_id: string; outputs: Record<string, PortValue> }>("select node_id, outputs from run_nodes where run_id = $1 and node_id in ('in', 'check', 'yes')", [branched.runId]);
  await save('rerun-from-node', await runFlow('rerun', runInput(branching, { text: 'the lamp is on' }, { reuse: Object.fromEntries(recorded.rows.map((row) => [row.node_id, row.outputs])) })));

  // Continue-as-new with outputs beside a long chain, and with a node failing after it.
  const besideChain = (last?: { id: string; type: string; params: Record<string, unknown> }): FlowGraph => {
    const chain = passThroughGrid(1, 30);
    const ends = graphOf(
      [{ id: 'in', type: 'io.input', params: { name: 'text' } }, { id: 'out', type: 'io.output', params: { name: 'text' } }, ...(last ? [last] : [])],
      ['in.value>out.value', ...(last ? [`n0_29.value>${last.id}.value`] : [])],
    );
    return { nodes: [...chain.nodes, ...ends.nodes], edges: [...chain.edges, ...ends.edges] };
  };
  await save('continue-as-new-outputs', await runFlow('can-outputs', runInput(besideChain(), { text: 'kept' }, { continueAsNewAfterEvents: 40 })));
  await save('continue-as-new-late-failure', await runFlow('can-failure', runInput(besideChain({ id: 'late', type: 'control.condition', params: { operator: 'longer-than', value: 'many' } }), { text: 'x' }, { continueAsNewAfterEvents: 40 })));

  // Pure nodes (version 2) evaluated inside the workflow: the branching flow; a chain long enough for two
  // waves of recorded states and a continue-as-new after the pure-node budget, ending in a bad param;
  // and a value too big to travel inline, which runs the nodes as local activities.
  const pureBranching = { ...branching, nodes: branching.nodes.map((node) => (node.type.startsWith('io.') ? node : { ...node, version: 2 })) };
  await save('pure-branching', await runFlow('pure-branching', runInput(pureBranching, { text: 'the lamp is on' })));
  const pureChain = passThroughGrid(1, 450, 2);
  const pureEnds = graphOf(
    [{ id: 'in', type: 'io.input', params: { name: 'text' } }, { id: 'late', type: 'control.condition', version: 2, params: { operator: 'longer-than', value: 'many' } }, { id: 'out', type: 'io.output', params: { name: 'text' } }],
    ['in.value>n0_0.value', 'n0_449.value>late.value', 'late.true>out.value'],
  );
  await save('pure-continue-as-new-late-failure', await runFlow('pure-can', runInput({ nodes: [...pureEnds.nodes, ...pureChain.nodes], edges: [...pureEnds.edges, ...pureChain.edges] }, { text: 'x' }, { continueAsNewAfterPureNodes: 300 })));
  await save('pure-by-reference', await runFlow('pure-ref', runInput(graphOf(
    [{ id: 'in', type: 'io.input', params: { name: 'text' } }, { id: 'wrap', type: 'text.template', version: 2, params: { template: '<<{{input}}>>' } }, { id: 'same', type: 'util.pass-through', version: 2 }, { id: 'out', type: 'io.output', params: { name: 'text' } }],
    ['in.value>wrap.input', 'wrap.text>same.value', 'same.value>out.value'],
  ), { text: 'a long line of text. '.repeat(200) })));

  // A failure cancels a timer and an activity still running beside it; a Wait as a durable timer.
  await save('failure-cancels-siblings', await runFlow('siblings', runInput(graphOf(
    [
      { id: 'in', type: 'io.input', params: { name: 'text' } },
      { id: 'broken', type: 'control.condition', params: { operator: 'longer-than', value: 'many' } },
      { id: 'pause', type: 'util.wait', params: { milliseconds: 600_000 } },
      { id: 'talk', type: 'models.generate', params: { maxTokens: 2000 } },
    ],
    ['in.value>broken.value', 'in.value>pause.value', 'in.value>talk.prompt'],
  ), { text: 'Tell a long story about a lighthouse.' })));
  await save('wait-timer', await runFlow('wait', runInput(graphOf(
    [{ id: 'in', type: 'io.input', params: { name: 'text' } }, { id: 'pause', type: 'util.wait', params: { milliseconds: 500 } }, { id: 'out', type: 'io.output', params: { name: 'text' } }],
    ['in.value>pause.value', 'pause.value>out.value'],
  ), { text: 'later' })));

  // A run cancelled while it waits.
  const cancelled = await client.workflow.start<typeof workflows.runFlow>('runFlow', {
    taskQueue: stack.taskQueue,
    workflowId: `replay-cancelled-${randomUUID()}`,
    args: [runInput(graphOf([{ id: 'in', type: 'io.input', params: { name: 'text' } }, { id: 'pause', type: 'util.wait', params: { milliseconds: 600_000 } }], ['in.value>pause.value']), { text: 'x' })],
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await cancelled.cancel();
  await cancelled.result().catch(() => undefined);
  await save('cancelled', cancelled);

  // A worker process killed while a node generates; another worker finishes the run.
  const crashQueue = `replay-crash-${randomUUID().slice(0, 8)}`;
  const workers: ChildProcess[] = [await spawnWorkerProcess(crashQueue, stack.services)];
  const crashInput = runInput(graphOf(
    [{ id: 'in', type: 'io.input', params: { name: 'text' } }, { id: 'talk', type: 'models.generate', params: { maxTokens: 200 } }, { id: 'out', type: 'io.output', params: { name: 'text' } }],
    ['in.value>talk.prompt', 'talk.text>out.value'],
  ), { text: 'Describe a lighthouse at night.' });
  const crash = await client.workflow.start<typeof workflows.runFlow>('runFlow', { taskQueue: crashQueue, workflowId: `replay-crash-${crashInput.runId}`, args: [crashInput] });
  for (let tries = 0; !(await stack.pool.query("select 1 from node_executions where run_id = $1 and node_id = 'talk'", [crashInput.runId])).rowCount; tries += 1) {
    if (tries > 600) throw new Error('the generate node never started');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  workers[0]!.kill('SIGKILL');
  workers.push(await spawnWorkerProcess(crashQueue, stack.services));
  await crash.result();
  await save('worker-killed-mid-node', crash);
  for (const worker of workers) worker.kill('SIGKILL');
}

/** Nodes on the node queues their specs name (ingest, generation), beside one on the run's own queue. */
async function recordNodeQueues() {
  const graph = graphOf(
    [
      { id: 'in', type: 'io.input', params: { name: 'path' } },
      { id: 'load', type: 'sources.load-files' },
      { id: 'talk', type: 'models.generate', params: { maxTokens: 8 } },
      { id: 'sign', type: 'text.template', params: { template: 'said: {{input}}' } },
      { id: 'out', type: 'io.output', params: { name: 'text' } },
      { id: 'docs', type: 'io.output', params: { name: 'documents' } },
    ],
    ['in.value>load.path', 'in.value>talk.prompt', 'talk.text>sign.input', 'sign.text>out.value', 'load.documents>docs.value'],
  );
  await save('node-queues', await runFlow('node-queues', runInput(graph, { path: note })));
}

/** A chat turn: the Chat Input's state rides with the Generate node's start (no bookkeeping round trip before it). */
async function recordChatTurn() {
  await save('chat-turn-states-ride-with-node', await runFlow('chat-turn', runInput(chatTurnGraph, { message: 'Say hello to the keeper.' }, { chat: { history: [{ role: 'user', content: 'Who lights the lamp?' }, { role: 'assistant', content: 'The keeper does.' }] } })));
}

if (only.length === 0) await recordEveryCase();
if (only.length === 0 || only.includes('node-queues')) await recordNodeQueues();
if (only.length === 0 || only.includes('chat-turn-states-ride-with-node')) await recordChatTurn();

await rm(corpus, { recursive: true, force: true });
await stack.stop();
console.log(`histories written to ${path.relative(root, outDir)}`);
