// `npm run check:openwebui`: a real third-party client against Astra. Installs Open WebUI (PyPI) into
// its own virtualenv, starts Astra (or uses ASTRA_URL/ASTRA_TOKEN), publishes a chat flow with a key
// scoped to it, starts Open WebUI offline pointed at Astra's /v1, and drives Open WebUI's own HTTP API
// as its UI does: the model list shows the app, a streamed chat completion returns the reply the
// Astra run recorded, and the title/follow-up/tag requests Open WebUI sends to /v1 are all answered 2xx.
// Prints what it checked with measured timings; exits 1 on any failure; stops what it started.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, openSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createParser } from 'eventsource-parser';
import { z } from 'zod';
import { freePort, repoRoot } from '@astra/infra';
import type { FlowGraph } from '@astra/workflows/flow';
import { copyOfSampleCorpus } from '../activities/src/rag/testing/corpus';
import { graphOf } from '../server/src/flows/testing/graphs';

const OPENWEBUI_VERSION = '0.12.4';
const TORCH_VERSION = '2.13.0';
const venvDir = path.resolve(repoRoot, process.env.OPENWEBUI_VENV ?? '.venv-openwebui');
const venvBin = (name: string) => path.join(venvDir, 'bin', name);
const slug = process.env.OPENWEBUI_APP_SLUG ?? 'openwebui-check';
const ragSlug = `${slug}-rag`;
const ragCollection = `${slug}-sqlite`;
const ragQuestion = 'What does the ALTER TABLE command do?';
const question = 'Say hello to Open WebUI in one short sentence.';

const checks: Array<{ what: string; ok: boolean; detail: string }> = [];
const timings: Array<[string, number]> = [];
const started: Array<{ name: string; child: ChildProcess; signal: NodeJS.Signals; exited: Promise<unknown> }> = [];

class CheckFailed extends Error {}

let reported = false;
/** A failure other than a check's own FAIL line, printed once. */
function report(error: unknown): void {
  if (reported || error instanceof CheckFailed) return;
  reported = true;
  console.error(`FAIL ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}

function check(what: string, ok: boolean, detail: string): void {
  checks.push({ what, ok, detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? `: ${detail}` : ''}`);
  if (!ok) throw new CheckFailed(what);
}

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const began = performance.now();
  try {
    return await work();
  } finally {
    timings.push([label, (performance.now() - began) / 1000]);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>, abortIf: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = abortIf();
    if (reason) throw new Error(`${what}: ${reason}`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

function runOrFail(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  console.log(`  $ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.status !== 0) throw new Error(`\`${[command, ...args].join(' ')}\` exited with ${result.status ?? result.signal}`);
}

/** Open WebUI in a virtualenv of its own: torch's CPU build first (so nothing pulls CUDA), then open-webui with uv. */
async function ensureOpenWebUi(): Promise<void> {
  const stamp = path.join(venvDir, `.astra-open-webui-${OPENWEBUI_VERSION}`);
  if (existsSync(stamp) && existsSync(venvBin('open-webui'))) {
    console.log(`open-webui ${OPENWEBUI_VERSION}: reusing ${path.relative(repoRoot, venvDir) || venvDir}`);
    return;
  }
  console.log(`installing open-webui ${OPENWEBUI_VERSION} into ${venvDir} (a few minutes, once) ...`);
  if (!existsSync(venvBin('python'))) runOrFail(process.env.ASTRA_PYTHON ?? 'python3', ['-m', 'venv', venvDir]);
  const python = venvBin('python');
  runOrFail(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', `torch==${TORCH_VERSION}`]);
  const cuda = spawnSync(python, ['-c', 'import torch; print(torch.version.cuda or "")'], { encoding: 'utf8' });
  if (cuda.status !== 0) throw new Error(`torch does not import in ${venvDir}: ${cuda.stderr.trim()}`);
  if (cuda.stdout.trim()) throw new Error(`pip installed a CUDA build of torch (CUDA ${cuda.stdout.trim()}) into ${venvDir}; install torch==${TORCH_VERSION} from the CPU index there first`);
  const systemUv = spawnSync('uv', ['--version'], { encoding: 'utf8' });
  let uv = 'uv';
  if (systemUv.status !== 0) {
    runOrFail(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', 'uv']);
    uv = venvBin('uv');
  }
  // The constraint keeps the CPU torch already there: open-webui's dependencies must not replace it.
  const constraints = path.join(venvDir, 'astra-constraints.txt');
  await writeFile(constraints, `torch==${TORCH_VERSION}\n`);
  runOrFail(uv, ['pip', 'install', '--python', python, '-c', constraints, `open-webui==${OPENWEBUI_VERSION}`]);
  await writeFile(stamp, `${new Date().toISOString()}\n`);
}

function startProcess(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string, signal: NodeJS.Signals, cwd = repoRoot): ChildProcess {
  const log = openSync(logFile, 'a');
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', log, log], detached: true });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  started.push({ name, child, signal, exited });
  return child;
}

/** Stops what this script started, newest first: the group gets its signal, then SIGKILL after 20 s. */
async function stopAll(): Promise<void> {
  for (const { name, child, signal, exited } of started.reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const began = performance.now();
    try {
      process.kill(-child.pid!, signal);
    } catch {
      continue;
    }
    const stopped = await Promise.race([exited.then(() => true), sleep(20_000).then(() => false)]);
    if (!stopped) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    }
    console.log(`stopped ${name} in ${((performance.now() - began) / 1000).toFixed(1)} s${stopped ? '' : ' (SIGKILL)'}`);
  }
  started.length = 0;
}

const credentialsFile = z.object({ url: z.string(), token: z.string() });

interface Astra {
  url: string;
  token: string;
  serverLog: string | undefined;
}

/** A running Astra given by ASTRA_URL/ASTRA_TOKEN, or one of its own started as `npm start` starts it. */
async function astra(workDir: string): Promise<Astra> {
  if (process.env.ASTRA_URL && process.env.ASTRA_TOKEN) {
    const serverLog = process.env.ASTRA_DATA_DIR ? path.join(process.env.ASTRA_DATA_DIR, 'logs', 'server.log') : undefined;
    console.log(`using the Astra at ${process.env.ASTRA_URL}${serverLog ? ` (server log ${serverLog})` : ' (set ASTRA_DATA_DIR too so its server log is read)'}`);
    return { url: process.env.ASTRA_URL.replace(/\/+$/, ''), token: process.env.ASTRA_TOKEN, serverLog };
  }
  const dataDir = path.join(workDir, 'astra');
  await mkdir(dataDir, { recursive: true });
  await chmod(workDir, 0o755);
  await chmod(dataDir, 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env, ASTRA_DATA_DIR: dataDir };
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'CHROMA_URL', 'ASTRA_TOKEN', 'ASTRA_URL']) delete env[name];
  for (const name of ['ASTRA_PORT', 'TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'POSTGRES_PORT', 'CHROMA_PORT']) env[name] ??= String(await freePort());
  const logFile = path.join(workDir, 'astra-start.log');
  console.log(`starting Astra (data ${dataDir}, port ${env.ASTRA_PORT}; output in ${logFile}) ...`);
  const child = startProcess('Astra', process.execPath, ['--import', 'tsx', 'infra/src/start.ts'], env, logFile, 'SIGINT');
  await timed('Astra start to ready', () => waitFor('Astra', 240_000, async () => (await readFile(logFile, 'utf8')).includes('Astra is ready.'), () =>
    child.exitCode !== null ? `npm start exited (${child.exitCode}):\n${readTail(logFile)}` : undefined));
  const credentials = credentialsFile.parse(JSON.parse(await readFile(path.join(dataDir, 'credentials'), 'utf8')));
  return { url: credentials.url.replace(/\/+$/, ''), token: credentials.token, serverLog: path.join(dataDir, 'logs', 'server.log') };
}

let lastTail = '';
function readTail(file: string): string {
  try {
    const text = spawnSync('tail', ['-n', '15', file], { encoding: 'utf8' }).stdout;
    lastTail = text;
    return text;
  } catch {
    return lastTail;
  }
}

async function api(base: string, token: string, method: string, route: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${base}${route}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: kept as text for the message
  }
  return { status: response.status, json };
}

function expectStatus(what: string, answer: { status: number; json: unknown }, status: number): void {
  if (answer.status !== status) throw new Error(`${what}: HTTP ${answer.status} ${JSON.stringify(answer.json).slice(0, 500)}`);
}

async function createFlow(base: string, token: string, name: string, graph: FlowGraph): Promise<string> {
  const created = await api(base, token, 'POST', '/api/flows', { name: `${name} ${new Date().toISOString()}`, graph });
  expectStatus(`create the flow "${name}"`, created, 201);
  return z.object({ flow: z.object({ id: z.string() }) }).parse(created.json).flow.id;
}

async function publish(base: string, token: string, flowId: string, appSlug: string): Promise<void> {
  const existing = await api(base, token, 'GET', `/api/apps/${appSlug}`);
  if (existing.status === 200) expectStatus(`unpublish the earlier ${appSlug}`, await api(base, token, 'DELETE', `/api/apps/${appSlug}`), 204);
  expectStatus(`publish ${appSlug}`, await api(base, token, 'POST', '/api/apps', { flowId, slug: appSlug, visibility: 'keys' }), 201);
}

/** A run of a flow, followed to its end. */
async function runToEnd(base: string, token: string, flowId: string, inputs: Record<string, string>): Promise<string> {
  const started = await api(base, token, 'POST', '/api/runs', { flowId, inputs });
  expectStatus('start the ingest run', started, 201);
  const runId = z.object({ run: z.looseObject({ id: z.string() }) }).parse(started.json).run.id;
  let status = 'running';
  await waitFor(`run ${runId}`, 600_000, async () => {
    status = z.object({ run: runView }).parse((await api(base, token, 'GET', `/api/runs/${runId}`)).json).run.status;
    return status !== 'running';
  }, () => undefined);
  return status;
}

/**
 * Chat Input → Generate → Chat Output, and the RAG chat (retrieve from the shipped SQLite pages, answer
 * with citations) over a collection the ingest flow fills first; both published for key holders, and a
 * key scoped to the two.
 */
async function publishChatApps(base: string, token: string): Promise<{ key: string; corpusPages: number }> {
  await publish(base, token, await createFlow(base, token, 'Open WebUI check', graphOf(
    [{ id: 'chat', type: 'io.chat-input' }, { id: 'generate', type: 'models.generate', params: { maxTokens: 48 } }, { id: 'reply', type: 'io.chat-output' }],
    ['chat.messages>generate.prompt', 'generate.text>reply.message'],
  )), slug);
  const corpus = await copyOfSampleCorpus(Number(process.env.OPENWEBUI_CORPUS_PAGES ?? 8));
  try {
    const ingest = await createFlow(base, token, 'Open WebUI check: ingest', graphOf(
      [
        { id: 'folder', type: 'io.input', params: { name: 'folder' } }, { id: 'load', type: 'sources.load-files' }, { id: 'chunk', type: 'rag.chunk' },
        { id: 'embed', type: 'rag.embed' }, { id: 'store', type: 'rag.store', params: { collection: ragCollection } },
      ],
      ['folder.value>load.path', 'load.documents>chunk.documents', 'chunk.chunks>embed.chunks', 'chunk.chunks>store.chunks', 'embed.embeddings>store.embeddings'],
    ));
    const status = await timed(`ingest ${corpus.files.length} pages of the SQLite docs`, () => runToEnd(base, token, ingest, { folder: corpus.dir }));
    if (status !== 'succeeded') throw new Error(`the ingest run of ${corpus.dir} ended ${status}`);
  } finally {
    await rm(corpus.dir, { recursive: true, force: true });
  }
  await publish(base, token, await createFlow(base, token, 'Open WebUI check: RAG chat', graphOf(
    [
      { id: 'chat', type: 'io.chat-input' }, { id: 'retrieve', type: 'rag.retrieve', params: { collection: ragCollection, k: 3, mode: 'hybrid' } },
      { id: 'answer', type: 'rag.answer', params: { maxTokens: 60 } }, { id: 'reply', type: 'io.chat-output' },
    ],
    ['chat.message>retrieve.query', 'chat.message>answer.question', 'retrieve.passages>answer.passages', 'answer.answer>reply.message'],
  )), ragSlug);
  const key = await api(base, token, 'POST', '/api/keys', { name: 'open-webui check', apps: [slug, ragSlug], expires: '1d' });
  expectStatus('create a key scoped to the two apps', key, 201);
  return { key: z.object({ key: z.string() }).parse(key.json).key, corpusPages: corpus.files.length };
}

/** Open WebUI offline, its only connection Astra's /v1 with the scoped key. */
async function startOpenWebUi(workDir: string, astraUrl: string, key: string): Promise<string> {
  const port = Number(process.env.OPENWEBUI_PORT ?? (await freePort()));
  const dataDir = path.join(workDir, 'open-webui');
  await mkdir(dataDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    WEBUI_SECRET_KEY: randomBytes(24).toString('hex'),
    WEBUI_AUTH: 'false',
    OFFLINE_MODE: 'true',
    HF_HUB_OFFLINE: '1',
    RAG_EMBEDDING_MODEL: '',
    ENABLE_OLLAMA_API: 'false',
    ENABLE_OPENAI_API: 'true',
    OPENAI_API_BASE_URL: `${astraUrl}/v1`,
    OPENAI_API_KEY: key,
    ENABLE_EVALUATION_ARENA_MODELS: 'false',
    DO_NOT_TRACK: 'true',
    SCARF_NO_ANALYTICS: 'true',
    ANONYMIZED_TELEMETRY: 'false',
  };
  for (const name of ['OPENAI_API_BASE_URLS', 'OPENAI_API_KEYS', 'OLLAMA_BASE_URL', 'OLLAMA_BASE_URLS', 'DATABASE_URL', 'VIRTUAL_ENV']) delete env[name];
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.join(workDir, 'open-webui.log');
  console.log(`starting Open WebUI ${OPENWEBUI_VERSION} on ${url} (output in ${logFile}) ...`);
  const child = startProcess('Open WebUI', venvBin('open-webui'), ['serve', '--host', '127.0.0.1', '--port', String(port)], env, logFile, 'SIGTERM', dataDir);
  await timed('Open WebUI start to healthy', () => waitFor('Open WebUI', 300_000, async () => (await fetch(`${url}/health`)).ok, () =>
    child.exitCode !== null ? `open-webui exited (${child.exitCode}):\n${readTail(logFile)}` : undefined));
  return url;
}

const modelList = z.object({ data: z.array(z.looseObject({ id: z.string() })) });
const chunk = z.looseObject({
  choices: z.array(z.looseObject({ delta: z.looseObject({ content: z.string().nullish() }).optional(), finish_reason: z.string().nullish() })).optional(),
  astra: z.object({ run_id: z.string().nullable() }).loose().optional(),
  error: z.unknown().optional(),
});

/** A streamed chat completion through Open WebUI's own API, read chunk by chunk. */
async function streamedCompletion(endpoint: string, token: string, model: string, content = question): Promise<{ text: string; runId: string | null; chunks: number; firstTokenMs: number; totalMs: number }> {
  const began = performance.now();
  const response = await fetch(endpoint, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content }] }),
  });
  if (!response.ok || !response.body) throw new Error(`POST ${endpoint} (stream): HTTP ${response.status} ${await response.text()}`);
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.includes('text/event-stream')) throw new Error(`POST ${endpoint} (stream) answered ${contentType}, not an event stream: ${(await response.text()).slice(0, 300)}`);
  let text = '';
  let runId: string | null = null;
  let chunks = 0;
  let firstTokenMs = Number.NaN;
  let done = false;
  const errors: unknown[] = [];
  const parser = createParser({
    onEvent: (event) => {
      if (event.data === '[DONE]') {
        done = true;
        return;
      }
      const parsed = chunk.parse(JSON.parse(event.data));
      if (parsed.error) errors.push(parsed.error);
      const piece = parsed.choices?.[0]?.delta?.content ?? '';
      if (piece) {
        if (Number.isNaN(firstTokenMs)) firstTokenMs = performance.now() - began;
        chunks += 1;
        text += piece;
      }
      runId = parsed.astra?.run_id ?? runId;
    },
  });
  const decoder = new TextDecoder();
  for await (const bytes of response.body) parser.feed(decoder.decode(bytes, { stream: true }));
  if (errors.length > 0) throw new Error(`the stream carried an error: ${JSON.stringify(errors[0])}`);
  if (!done) throw new Error('the stream ended without [DONE]');
  return { text, runId, chunks, firstTokenMs, totalMs: performance.now() - began };
}

const chatView = z.looseObject({
  title: z.string(),
  meta: z.looseObject({ tags: z.array(z.string()).optional() }),
  chat: z.looseObject({ history: z.looseObject({ messages: z.record(z.string(), z.looseObject({ role: z.string(), content: z.string().optional(), done: z.boolean().optional(), followUps: z.array(z.string()).optional(), error: z.unknown().optional() })) }) }),
});
const activeTasks = z.looseObject({ task_ids: z.array(z.string()) });

/**
 * A new chat as Open WebUI's UI starts one (chat page payload: parent_id null, a user message, an
 * assistant message id, a session, background tasks): Open WebUI streams the turn from Astra in a
 * task of its own, saves it in the chat, then asks Astra for a title, tags and follow-ups.
 */
async function uiChat(url: string, token: string, model: string): Promise<{ chatId: string; reply: string; title: string; tags: string[]; followUps: string[]; ms: number }> {
  const began = performance.now();
  const userId = randomUUID();
  const assistantId = randomUUID();
  const userMessage = { id: userId, parentId: null, childrenIds: [assistantId], role: 'user', content: question, timestamp: Math.floor(Date.now() / 1000), models: [model] };
  const started = await api(url, token, 'POST', '/api/chat/completions', {
    stream: true, model, messages: [{ role: 'user', content: question }], params: {}, features: {}, variables: {},
    session_id: `astra-check-${randomBytes(6).toString('hex')}`, id: assistantId, parent_id: null, user_message: userMessage,
    background_tasks: { title_generation: true, tags_generation: true, follow_up_generation: true },
  });
  expectStatus('POST /api/chat/completions (chat page)', started, 200);
  const { chat_id: chatId } = z.looseObject({ status: z.literal(true), chat_id: z.string() }).parse(started.json);
  let view: z.infer<typeof chatView> | undefined;
  await waitFor('the chat page turn', 180_000, async () => {
    const chat = await api(url, token, 'GET', `/api/v1/chats/${chatId}`);
    if (chat.status !== 200) return false;
    view = chatView.parse(chat.json);
    const tasks = activeTasks.parse((await api(url, token, 'GET', `/api/tasks/chat/${chatId}`)).json);
    return view.chat.history.messages[assistantId]?.done === true && tasks.task_ids.length === 0;
  }, () => undefined);
  const assistant = view!.chat.history.messages[assistantId]!;
  if (assistant.error) throw new Error(`Open WebUI saved an error for the turn: ${JSON.stringify(assistant.error)}`);
  return { chatId, reply: assistant.content ?? '', title: view!.title, tags: view!.meta.tags ?? [], followUps: assistant.followUps ?? [], ms: performance.now() - began };
}

const httpLine = z.looseObject({ event: z.literal('http'), method: z.string(), path: z.string(), status: z.number(), ms: z.number() });

/** Astra's own record of the /v1 requests after `from` bytes of its server log. */
async function v1Requests(serverLog: string, from: number): Promise<Array<z.infer<typeof httpLine>>> {
  const text = (await readFile(serverLog)).subarray(from).toString('utf8');
  return text.split('\n').flatMap((line) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return [];
    }
    const parsed = httpLine.safeParse(value);
    return parsed.success && parsed.data.path.startsWith('/v1/') ? [parsed.data] : [];
  });
}

const logSize = async (file: string | undefined) => (file && existsSync(file) ? (await readFile(file)).length : 0);

const runView = z.looseObject({ id: z.string(), status: z.string(), startedAt: z.string(), inputs: z.record(z.string(), z.string()) });
const runList = z.object({ runs: z.array(z.looseObject({ id: z.string(), flowId: z.string() })) });

/** What Generate produced in an Astra run: the text the client must have received. */
async function generatedText(base: string, token: string, runId: string): Promise<{ status: string; text: string; message: string }> {
  const run = await api(base, token, 'GET', `/api/runs/${runId}`);
  expectStatus(`GET /api/runs/${runId}`, run, 200);
  const { status, inputs } = z.object({ run: runView }).parse(run.json).run;
  const outputs = await api(base, token, 'GET', `/api/runs/${runId}/nodes/generate/outputs`);
  expectStatus(`GET /api/runs/${runId}/nodes/generate/outputs`, outputs, 200);
  return { status, message: inputs.message ?? '', text: z.object({ outputs: z.object({ text: z.string() }).loose() }).parse(outputs.json).outputs.text };
}

async function main(): Promise<void> {
  const began = performance.now();
  await timed('open-webui install check', ensureOpenWebUi);
  const workDir = process.env.OPENWEBUI_CHECK_DIR ? path.resolve(process.env.OPENWEBUI_CHECK_DIR) : await mkdtemp(path.join(os.tmpdir(), 'astra-openwebui-'));
  await mkdir(workDir, { recursive: true });
  console.log(`work folder ${workDir}`);
  let passed = false;
  try {
    const target = await astra(workDir);
    const { key } = await timed('publish the two apps (ingest included) and a key', () => publishChatApps(target.url, target.token));
    const flowRuns = async () => {
      const apps = await api(target.url, target.token, 'GET', `/api/apps/${slug}`);
      expectStatus(`GET /api/apps/${slug}`, apps, 200);
      const flowId = z.object({ app: z.looseObject({ flowId: z.string() }) }).parse(apps.json).app.flowId;
      const runs = await api(target.url, target.token, 'GET', `/api/runs?flowId=${flowId}&limit=100`);
      expectStatus('GET /api/runs', runs, 200);
      return runList.parse(runs.json).runs.map((run) => run.id);
    };
    // The baseline: the same streamed request straight to Astra's /v1 (after one to load the model).
    await timed('warm-up completion straight to Astra /v1', () => streamedCompletion(`${target.url}/v1/chat/completions`, key, slug));
    const direct = await timed('streamed completion straight to Astra /v1', () => streamedCompletion(`${target.url}/v1/chat/completions`, key, slug));
    const logFrom = await logSize(target.serverLog);

    const url = await startOpenWebUi(workDir, target.url, key);
    const signin = await timed('Open WebUI sign-in (WEBUI_AUTH=false)', () => api(url, '', 'POST', '/api/v1/auths/signin', { email: 'admin@localhost', password: 'admin' }));
    expectStatus('POST /api/v1/auths/signin', signin, 200);
    const token = z.looseObject({ token: z.string().min(1) }).parse(signin.json).token;
    check('Open WebUI signs in without a password (WEBUI_AUTH=false)', true, 'POST /api/v1/auths/signin gave a token');

    const models = await timed('Open WebUI GET /api/models', () => api(url, token, 'GET', '/api/models'));
    expectStatus('GET /api/models', models, 200);
    const ids = modelList.parse(models.json).data.map((model) => model.id);
    check(`Open WebUI's model list shows the published apps "${slug}" and "${ragSlug}"`, ids.includes(slug) && ids.includes(ragSlug), `GET /api/models: ${ids.join(', ')}`);

    const before = new Set(await flowRuns());
    const streamed = await timed('streamed completion through Open WebUI', () => streamedCompletion(`${url}/api/chat/completions`, token, slug));
    check('a streamed chat completion through Open WebUI returns a reply', streamed.text.trim().length > 0 && streamed.chunks > 1,
      `${streamed.chunks} content chunks, first after ${streamed.firstTokenMs.toFixed(0)} ms, all in ${streamed.totalMs.toFixed(0)} ms: ${JSON.stringify(streamed.text.slice(0, 120))}`);
    console.log(`     straight to Astra: ${direct.chunks} chunks, first after ${direct.firstTokenMs.toFixed(0)} ms, all in ${direct.totalMs.toFixed(0)} ms; through Open WebUI / straight: first token ${(streamed.firstTokenMs / direct.firstTokenMs).toFixed(2)}×, whole reply ${(streamed.totalMs / direct.totalMs).toFixed(2)}×`);
    const afterStream = (await flowRuns()).filter((id) => !before.has(id));
    check('that completion was one new Astra run of the app', afterStream.length === 1, `new runs: ${afterStream.join(', ') || 'none'}`);
    check('Open WebUI passed Astra\'s run id through (the astra extension field)', streamed.runId === afterStream[0], `run ${streamed.runId}`);
    const recorded = await generatedText(target.url, target.token, afterStream[0]!);
    check('the streamed reply is the text the Astra run recorded', recorded.status === 'succeeded' && recorded.text === streamed.text,
      `run ${afterStream[0]} ${recorded.status}, ${recorded.text.length} characters recorded, ${streamed.text.length} streamed`);

    const rag = await timed('streamed RAG completion through Open WebUI', () => streamedCompletion(`${url}/api/chat/completions`, token, ragSlug, ragQuestion));
    const ragRun = rag.runId ? z.object({ run: runView }).parse((await api(target.url, target.token, 'GET', `/api/runs/${rag.runId}`)).json).run : undefined;
    check('a streamed RAG reply through Open WebUI cites the shipped SQLite pages ([n] and its Sources lines)', ragRun?.status === 'succeeded' && /\[\d\]/.test(rag.text) && /\n\nSources:\n\[\d\] .*\.html/.test(rag.text),
      `run ${rag.runId} ${ragRun?.status}, first piece after ${rag.firstTokenMs.toFixed(0)} ms, all in ${rag.totalMs.toFixed(0)} ms: ${JSON.stringify(rag.text.slice(-200))}`);

    const seen = new Set(await flowRuns());
    const page = await timed('chat-page turn with title, tags and follow-ups', () => uiChat(url, token, slug));
    const pageRuns = (await flowRuns()).filter((id) => !seen.has(id));
    const texts = await Promise.all(pageRuns.map((id) => generatedText(target.url, target.token, id)));
    check('the chat-page turn is saved in Open WebUI with the text an Astra run recorded', page.reply.length > 0 && texts.some((run) => run.status === 'succeeded' && run.text === page.reply),
      `chat ${page.chatId} in ${page.ms.toFixed(0)} ms: ${JSON.stringify(page.reply.slice(0, 120))}`);
    // Open WebUI's task prompts (its DEFAULT_*_GENERATION_PROMPT_TEMPLATEs) say the task on the line after "### Task:".
    const kindOf = (message: string): string => {
      if (message === question) return 'turn';
      const task = /### Task:\s*\n(.*)/.exec(message)?.[1] ?? '';
      return /\btitle\b/i.test(task) ? 'title' : /\btags\b/i.test(task) ? 'tags' : /send next/i.test(task) ? 'follow-ups' : 'other';
    };
    const kinds = texts.map((run) => kindOf(run.message));
    for (const [index, run] of texts.entries()) console.log(`     run ${pageRuns[index]} (${kinds[index]}, ${run.status}): ${JSON.stringify(run.text.slice(0, 100))}`);
    check('Open WebUI\'s title, tags and follow-up requests each ran the app in Astra and succeeded', ['turn', 'title', 'tags', 'follow-ups'].every((kind) => kinds.includes(kind)) && texts.every((run) => run.status === 'succeeded'),
      `${pageRuns.length} runs: ${kinds.join(', ')}; Open WebUI kept title ${JSON.stringify(page.title)}, tags ${JSON.stringify(page.tags)}, follow-ups ${JSON.stringify(page.followUps)}`);

    if (target.serverLog) {
      const requests = await v1Requests(target.serverLog, logFrom);
      const summary = new Map<string, number[]>();
      for (const request of requests) {
        const name = `${request.method} ${request.path} ${request.status}`;
        summary.set(name, [...(summary.get(name) ?? []), request.ms]);
      }
      const described = [...summary].map(([name, ms]) => `${ms.length}× ${name} (p50 ${[...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)]} ms)`).join('; ');
      const failed = requests.filter((request) => request.status < 200 || request.status >= 300);
      check('every request Open WebUI sent to Astra\'s /v1 was answered 2xx (Astra\'s server log)', requests.length > 0 && failed.length === 0, described || 'no /v1 requests logged');
      const posts = requests.filter((request) => request.method === 'POST' && request.path === '/v1/chat/completions').length;
      check('Astra logged every chat completion (streamed, RAG, the chat page\'s turn, title, tags, follow-ups)', posts >= 6, `${posts} POST /v1/chat/completions`);
    } else {
      console.log('skip Astra server log: not known for ASTRA_URL without ASTRA_DATA_DIR');
    }
    passed = true;
  } catch (error) {
    report(error);
    throw error;
  } finally {
    await stopAll();
    timings.push(['whole check', (performance.now() - began) / 1000]);
    console.log('');
    console.log('timings:');
    for (const [label, seconds] of timings) console.log(`  ${label.padEnd(48)} ${seconds.toFixed(2)} s`);
    console.log('');
    console.log(`${checks.filter((entry) => entry.ok).length} checks passed${passed ? '' : `, then a failure (work folder kept: ${workDir})`}`);
    if (passed && !process.env.OPENWEBUI_CHECK_DIR) await rm(workDir, { recursive: true, force: true });
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`${signal}: stopping what the check started`);
    void stopAll().finally(() => process.exit(130));
  });
}

main().then(() => process.exit(0), (error: unknown) => {
  report(error);
  process.exit(1);
});
