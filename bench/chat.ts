// `npm run bench:chat`: what chatting through a published flow costs against the bare model. Time to
// first token and tokens/s of node-llama-cpp called directly, against the official openai client
// streaming `/v1/chat/completions` from a 1-node published flow (Chat Input → Generate → Chat
// Output) and from the RAG flow, alternating, in the same run, on the same loaded model; then p50 and
// p95 time to first token with 8 chats at once. Targets: TTFT overhead ≤ 50 ms at p50 for the 1-node
// flow, and tokens/s within 5 %.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import OpenAI from 'openai';
import { z } from 'zod';
import { graphOf } from '../server/src/flows/testing/graphs';
import { createAppOver } from '../server/src/testing/app-stack';
import { copyOfSampleCorpus } from '../activities/src/rag/testing/corpus';
import { startBenchStack } from './support/stack';
import { percentile } from './support/stats';

const rounds = Number(process.env.BENCH_ROUNDS ?? 12);
const warmup = Number(process.env.BENCH_WARMUP ?? 2);
const concurrent = Number(process.env.BENCH_CONCURRENT ?? 8);
const maxTokens = Number(process.env.BENCH_MAX_TOKENS ?? 64);
const model = 'smollm2-135m-instruct';
const question = 'What does the ALTER TABLE command do?';

interface Sample { ttftMs: number; tokensPerSecond: number; tokens: number; runId?: string; startedAt?: number }

const stack = await startBenchStack();
const harness = await createAppOver({ ...stack.services, namespace: 'default' }, { taskQueue: stack.taskQueue });
const server = serve({ fetch: harness.app.fetch, hostname: '127.0.0.1', port: 0 });
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const count = await stack.models.tokenCounter!(model);

try {
  const user = await harness.newUser('admin');
  const created = z.object({ flow: z.object({ id: z.string() }).optional(), run: z.object({ id: z.string() }).optional() });
  const check = (answer: { status: number; body: unknown }, what: string) => {
    if (answer.status >= 300) throw new Error(`${what} failed (${answer.status}): ${JSON.stringify(answer.body)}`);
    return created.parse(answer.body);
  };
  const plain = check(await harness.call(user.token, 'POST', '/api/flows', { name: 'bench plain', graph: graphOf(
    [{ id: 'chat', type: 'io.chat-input' }, { id: 'generate', type: 'models.generate', params: { model, maxTokens } }, { id: 'reply', type: 'io.chat-output' }],
    ['chat.messages>generate.prompt', 'generate.text>reply.message'],
  ) }), 'creating the 1-node flow');
  check(await harness.call(user.token, 'POST', '/api/apps', { flowId: plain.flow!.id, slug: 'bench-plain' }), 'publishing it');

  // The RAG flow over the sample corpus, ingested first by a flow of its own.
  const corpus = await copyOfSampleCorpus(6);
  const ingest = check(await harness.call(user.token, 'POST', '/api/flows', { name: 'bench ingest', graph: graphOf(
    [{ id: 'folder', type: 'io.input', params: { name: 'folder' } }, { id: 'load', type: 'sources.load-files' }, { id: 'chunk', type: 'rag.chunk' }, { id: 'embed', type: 'rag.embed' }, { id: 'store', type: 'rag.store', params: { collection: 'benchdocs' } }],
    ['folder.value>load.path', 'load.documents>chunk.documents', 'chunk.chunks>embed.chunks', 'chunk.chunks>store.chunks', 'embed.embeddings>store.embeddings'],
  ) }), 'creating the ingest flow');
  const ingestRun = check(await harness.call(user.token, 'POST', '/api/runs', { flowId: ingest.flow!.id, inputs: { folder: corpus.dir } }), 'starting the ingest');
  for (;;) {
    const { body } = await harness.call(user.token, 'GET', `/api/runs/${ingestRun.run!.id}`);
    if (body.run.status === 'succeeded') break;
    if (body.run.status !== 'running') throw new Error(`ingest ${body.run.status}: ${body.run.error}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const rag = check(await harness.call(user.token, 'POST', '/api/flows', { name: 'bench rag', graph: graphOf(
    [{ id: 'chat', type: 'io.chat-input' }, { id: 'retrieve', type: 'rag.retrieve', params: { collection: 'benchdocs', k: 3 } }, { id: 'answer', type: 'rag.answer', params: { model, maxTokens, style: 'generative' } }, { id: 'reply', type: 'io.chat-output' }],
    ['chat.message>retrieve.query', 'chat.message>answer.question', 'retrieve.passages>answer.passages', 'answer.answer>reply.message'],
  ) }), 'creating the RAG flow');
  check(await harness.call(user.token, 'POST', '/api/apps', { flowId: rag.flow!.id, slug: 'bench-rag' }), 'publishing it');

  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: user.token });
  const messages = [{ role: 'user' as const, content: question }];

  /** TTFT from the request, tokens/s over the text after the first token, the same way for both sides. */
  const measure = async (first: () => void, run: (onText: (text: string) => void) => Promise<void>): Promise<Sample> => {
    const began = performance.now();
    let firstAt = 0;
    let text = '';
    await run((piece) => {
      if (!piece) return;
      if (!firstAt) {
        firstAt = performance.now();
        first();
      }
      text += piece;
    });
    const ended = performance.now();
    const tokens = count(text);
    return { ttftMs: firstAt - began, tokensPerSecond: tokens / ((ended - firstAt) / 1000), tokens };
  };
  const direct = () => measure(() => undefined, async (onText) => {
    await stack.models.chat({ model, messages, maxTokens, temperature: 0 }, { onToken: onText });
  });
  const astraChunk = z.object({ astra: z.object({ run_id: z.string() }) });
  const viaApi = (slug: string) => async () => {
    const startedAt = Date.now();
    let runId: string | undefined;
    const sample = await measure(() => undefined, async (onText) => {
      const stream = await client.chat.completions.create({ model: slug, messages, stream: true });
      for await (const chunk of stream) {
        onText(chunk.choices[0]?.delta.content ?? '');
        runId ??= astraChunk.safeParse(chunk).data?.astra.run_id;
      }
    });
    return { ...sample, runId, startedAt };
  };

  /** The 1-node flow's time to first token, split where Temporal's history and the ledger can tell (same clock: one machine). */
  const whereTheTimeGoes = async (plain: Sample[], directTtft: number) => {
    const at = (event: { eventTime?: { seconds?: unknown; nanos?: number | null } | null } | undefined) => (event?.eventTime ? Number(event.eventTime.seconds) * 1000 + (event.eventTime.nanos ?? 0) / 1e6 : NaN);
    const inside: Record<string, number[]> = { 'workflow started → first workflow task started': [], 'first workflow task started → completed (worker)': [], 'workflow task completed → Generate started': [] };
    const parts: Record<string, number[]> = { 'request → workflow started': [], 'workflow started → Generate activity started': [], 'activity started → its ledger row': [], 'ledger row → first token at the client': [] };
    for (const sample of plain) {
      if (!sample.runId || !sample.startedAt) continue;
      const events = (await stack.client.workflow.getHandle(`run-${sample.runId}`).fetchHistory()).events ?? [];
      const started = at(events.find((event) => event.workflowExecutionStartedEventAttributes));
      const taskStarted = at(events.find((event) => event.workflowTaskStartedEventAttributes));
      const taskCompleted = at(events.find((event) => event.workflowTaskCompletedEventAttributes));
      const activity = at(events.find((event) => event.activityTaskStartedEventAttributes));
      inside['workflow started → first workflow task started']!.push(taskStarted - started);
      inside['first workflow task started → completed (worker)']!.push(taskCompleted - taskStarted);
      inside['workflow task completed → Generate started']!.push(activity - taskCompleted);
      const ledger = (await stack.pool.query<{ started_at: Date }>("select started_at from node_executions where run_id = $1 and node_id = 'generate' order by id limit 1", [sample.runId])).rows[0]?.started_at.getTime() ?? NaN;
      parts['request → workflow started']!.push(started - sample.startedAt);
      parts['workflow started → Generate activity started']!.push(activity - started);
      parts['activity started → its ledger row']!.push(ledger - activity);
      parts['ledger row → first token at the client']!.push(sample.startedAt + sample.ttftMs - ledger);
    }
    console.log(`  where the 1-node flow's TTFT goes (p50 of each part; the model itself takes about ${directTtft.toFixed(0)} ms to its first token):`);
    for (const [part, values] of Object.entries(parts)) console.log(`    ${part.padEnd(46)} ${percentile(values, 50).toFixed(1).padStart(7)} ms`);
    console.log('  inside "workflow started → Generate activity started":');
    for (const [part, values] of Object.entries(inside)) console.log(`      ${part.padEnd(48)} ${percentile(values, 50).toFixed(1).padStart(7)} ms`);
  };

  const sides = { direct, 'bench-plain': viaApi('bench-plain'), 'bench-rag': viaApi('bench-rag') };
  const samples: Record<string, Sample[]> = { direct: [], 'bench-plain': [], 'bench-rag': [] };
  console.log(`chat: ${rounds} rounds after ${warmup} warm-up, each side in turn; ${model}, up to ${maxTokens} tokens, temperature 0`);
  for (let i = 0; i < warmup + rounds; i += 1) {
    for (const [name, side] of Object.entries(sides)) {
      const sample = await side();
      if (i >= warmup) samples[name]!.push(sample);
    }
  }
  const p50 = (name: string, field: 'ttftMs' | 'tokensPerSecond' | 'tokens') => percentile(samples[name]!.map((sample) => sample[field]), 50);
  const row = (label: string, name: string) =>
    console.log(`  ${label.padEnd(40)} TTFT p50 ${p50(name, 'ttftMs').toFixed(1).padStart(7)} ms  p95 ${percentile(samples[name]!.map((s) => s.ttftMs), 95).toFixed(1).padStart(7)} ms   ${p50(name, 'tokensPerSecond').toFixed(1).padStart(6)} tok/s  (${p50(name, 'tokens')} tokens)`);
  row('node-llama-cpp directly', 'direct');
  row('/v1 → 1-node published flow', 'bench-plain');
  row('/v1 → RAG published flow', 'bench-rag');
  const overhead = p50('bench-plain', 'ttftMs') - p50('direct', 'ttftMs');
  const speed = p50('bench-plain', 'tokensPerSecond') / p50('direct', 'tokensPerSecond');
  console.log(`  1-node flow: TTFT overhead p50 ${overhead.toFixed(1)} ms (target ≤ 50: ${overhead <= 50 ? 'ok' : 'ABOVE TARGET'}); tokens/s ratio ${speed.toFixed(3)} (target ≥ 0.95: ${speed >= 0.95 ? 'ok' : 'BELOW TARGET'})`);
  console.log(`  RAG flow: TTFT overhead p50 ${(p50('bench-rag', 'ttftMs') - p50('direct', 'ttftMs')).toFixed(1)} ms (retrieval included)`);
  await whereTheTimeGoes(samples['bench-plain']!, p50('direct', 'ttftMs'));

  // Eight chats at once, against eight direct calls at once (the local model serves one at a time either way).
  const together = async (side: () => Promise<Sample>) => {
    const ttfts: number[] = [];
    for (let i = 0; i < Math.max(1, Math.floor(rounds / 4)); i += 1) ttfts.push(...(await Promise.all(Array.from({ length: concurrent }, side))).map((sample) => sample.ttftMs));
    return ttfts;
  };
  const directTogether = await together(direct);
  const apiTogether = await together(viaApi('bench-plain'));
  console.log(`${concurrent} concurrent chats: TTFT p50 / p95 — direct ${percentile(directTogether, 50).toFixed(0)} / ${percentile(directTogether, 95).toFixed(0)} ms, /v1 1-node flow ${percentile(apiTogether, 50).toFixed(0)} / ${percentile(apiTogether, 95).toFixed(0)} ms (ratio p95 ${(percentile(apiTogether, 95) / percentile(directTogether, 95)).toFixed(2)}×)`);
} finally {
  server.close();
  await harness.close();
  await stack.stop();
}
