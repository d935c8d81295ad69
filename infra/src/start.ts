// `npm start`: brings up every part of Astra on its embedded default (or the external one configured),
// health-checks each in order, prints one summary, and on Ctrl-C stops them in reverse order.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, readSupervisorConfig, repoRoot, type SupervisorConfig } from './config';
import { privateUmask, secureDataFolder } from './data-folder';
import { checkExternalChroma, checkExternalDatabase, checkExternalTemporal } from './external';
import { forgetSupervisor, reapLeftovers } from './leftovers';
import { assertPortFree } from './ports';
import { logTail, spawnService, waitUntil, type ServiceProcess } from './process';
import { startChroma } from './services/chroma';
import { startEmbeddedPostgres } from './services/postgres';
import { startTemporalDevServer } from './services/temporal';

interface Stoppable {
  name: string;
  stop(): Promise<void>;
}

const started: Stoppable[] = [];
let stopping: Promise<void> | undefined;

function line(message: string) {
  process.stdout.write(`[astra] ${message}\n`);
}

async function timed<T>(label: string, detail: (value: T) => string, work: () => Promise<T>): Promise<T> {
  const began = performance.now();
  line(`starting ${label} ...`);
  const value = await work();
  line(`✓ ${label.padEnd(10)} ${detail(value)}  (${((performance.now() - began) / 1000).toFixed(1)} s)`);
  return value;
}

async function stopAll(reason: string): Promise<void> {
  stopping ??= (async () => {
    line(`${reason}; stopping ...`);
    for (const part of [...started].reverse()) {
      try {
        await part.stop();
        line(`stopped ${part.name}`);
      } catch (error) {
        line(`could not stop ${part.name} cleanly: ${(error as Error).message}`);
      }
    }
    forgetSupervisor();
  })();
  return stopping;
}

/** A Node child of ours (server, worker), restarted if it dies while Astra is up. */
function superviseNode(name: string, entry: string, env: NodeJS.ProcessEnv, logDir: string): { current: () => ServiceProcess; stop(): Promise<void> } {
  let proc: ServiceProcess;
  const recentExits: number[] = [];
  const launch = () => {
    proc = spawnService(name, process.execPath, ['--import', 'tsx', entry], { env, cwd: repoRoot, logDir });
    void proc.exited.then(async (code) => {
      if (stopping) return;
      const now = Date.now();
      recentExits.push(now);
      while (recentExits.length && now - recentExits[0]! > 60_000) recentExits.shift();
      line(`${name} exited (code ${code}); see ${path.relative(repoRoot, proc.logFile)}:\n${await logTail(proc.logFile, 5)}`);
      if (recentExits.length > 5) {
        line(`${name} keeps failing; giving up`);
        await stopAll(`${name} failed`);
        process.exit(1);
      }
      setTimeout(() => {
        if (!stopping) {
          line(`restarting ${name}`);
          launch();
        }
      }, 1_000);
    });
  };
  launch();
  return { current: () => proc, stop: () => proc.stop('SIGTERM', 15_000) };
}

async function readyzOk(url: string): Promise<boolean> {
  const response = await fetch(new URL('/readyz', url), { signal: AbortSignal.timeout(3_000) });
  return response.ok;
}

async function main(config: SupervisorConfig): Promise<void> {
  // Everything the parts write (logs, Chroma's store, Temporal's database) is the owner's alone.
  process.umask(privateUmask);
  const tightened = secureDataFolder(config.dataDir, { traversable: process.getuid?.() === 0 && !config.DATABASE_URL });
  const logDir = path.join(config.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const timeoutMs = config.ASTRA_START_TIMEOUT_S * 1000;
  line(`data folder ${config.dataDir}${tightened ? ` (made ${tightened} entries private: readable by this account only)` : ''}`);

  // Two parts told to share a port would find each other instead of themselves.
  const wanted: Array<[string, number]> = [['ASTRA_PORT', config.ASTRA_PORT]];
  if (!config.TEMPORAL_ADDRESS) wanted.push(['TEMPORAL_PORT', config.TEMPORAL_PORT], ['TEMPORAL_UI_PORT', config.TEMPORAL_UI_PORT]);
  if (!config.DATABASE_URL) wanted.push(['POSTGRES_PORT', config.POSTGRES_PORT]);
  if (!config.CHROMA_URL) wanted.push(['CHROMA_PORT', config.CHROMA_PORT]);
  for (const [variable, port] of wanted) {
    const other = wanted.find(([name, value]) => value === port && name !== variable);
    if (other) throw new ConfigError(`${variable} and ${other[0]} are both ${port}; give each part its own port`);
  }

  // A start that was killed outright left its parts running on our ports: stop them first.
  await reapLeftovers(path.join(config.dataDir, 'pids'), line);

  // Every port we will bind is checked first, so a clash fails before anything starts.
  if (!config.TEMPORAL_ADDRESS) {
    await assertPortFree(config.TEMPORAL_PORT, 'TEMPORAL_PORT');
    await assertPortFree(config.TEMPORAL_UI_PORT, 'TEMPORAL_UI_PORT');
  }
  if (!config.DATABASE_URL) await assertPortFree(config.POSTGRES_PORT, 'POSTGRES_PORT');
  if (!config.CHROMA_URL) await assertPortFree(config.CHROMA_PORT, 'CHROMA_PORT');
  await assertPortFree(config.ASTRA_PORT, 'ASTRA_PORT', config.ASTRA_HOST);

  let temporalAddress: string;
  let temporalUi: string | undefined;
  /** The embedded UI, which the server serves to admins at /admin/temporal. */
  let temporalUiUpstream: string | undefined;
  if (config.TEMPORAL_ADDRESS) {
    temporalAddress = await timed('Temporal', (a) => `${a} (external, TEMPORAL_ADDRESS)`, async () => {
      await checkExternalTemporal(config.TEMPORAL_ADDRESS!, config.TEMPORAL_NAMESPACE);
      return config.TEMPORAL_ADDRESS!;
    });
    temporalUi = config.TEMPORAL_UI_URL;
  } else {
    const temporal = await timed('Temporal', (t) => `${t.address}, Web UI ${t.uiUrl}`, () =>
      startTemporalDevServer({
        port: config.TEMPORAL_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        dbFile: path.join(config.dataDir, 'temporal', 'temporal.db'),
        uiPublicPath: '/admin/temporal',
        namespace: config.TEMPORAL_NAMESPACE,
        logDir,
        timeoutMs,
      }));
    started.push({ name: 'Temporal', stop: temporal.stop });
    temporalAddress = temporal.address;
    temporalUi = config.TEMPORAL_UI_URL ?? temporal.uiUrl;
    temporalUiUpstream = temporal.uiUrl;
  }

  let databaseUrl: string;
  if (config.DATABASE_URL) {
    databaseUrl = await timed('Postgres', () => '(external, DATABASE_URL)', async () => {
      await checkExternalDatabase(config.DATABASE_URL!);
      return config.DATABASE_URL!;
    });
  } else {
    const postgres = await timed('Postgres', () => `127.0.0.1:${config.POSTGRES_PORT} (embedded)`, () =>
      startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'postgres'), port: config.POSTGRES_PORT, database: 'astra', logDir, timeoutMs }));
    started.push({ name: 'Postgres', stop: postgres.stop });
    databaseUrl = postgres.url;
  }

  let chromaUrl: string;
  if (config.CHROMA_URL) {
    chromaUrl = await timed('Chroma', (url) => `${url} (external, CHROMA_URL)`, async () => {
      await checkExternalChroma(config.CHROMA_URL!);
      return config.CHROMA_URL!;
    });
  } else {
    const chroma = await timed('Chroma', (c) => c.url, () =>
      startChroma({ dataDir: path.join(config.dataDir, 'chroma'), port: config.CHROMA_PORT, logDir, timeoutMs }));
    started.push({ name: 'Chroma', stop: chroma.stop });
    chromaUrl = chroma.url;
  }

  const serverUrl = config.ASTRA_PUBLIC_URL ?? `http://${config.ASTRA_HOST}:${config.ASTRA_PORT}`;
  // Admins reach the embedded UI through the server's sign-in, never on its own port.
  if (temporalUiUpstream && !config.TEMPORAL_UI_URL) temporalUi = `${serverUrl}/admin/temporal/`;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ASTRA_DATA_DIR: config.dataDir,
    ASTRA_PUBLIC_URL: serverUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_UI_URL: temporalUi ?? '',
    ...(temporalUiUpstream ? { ASTRA_TEMPORAL_UI_UPSTREAM: temporalUiUpstream } : {}),
    DATABASE_URL: databaseUrl,
    CHROMA_URL: chromaUrl,
  };

  await timed('worker', () => `task queue "${config.ASTRA_TASK_QUEUE}"`, async () => {
    const supervised = superviseNode('worker', 'activities/src/worker.ts', childEnv, logDir);
    started.push({ name: 'worker', stop: supervised.stop });
    // Only this launch's lines count: the log also holds those of earlier starts.
    await waitUntil('worker', async () => supervised.current().logOfThisLaunch().includes('worker polling'), {
      timeoutMs,
      abortIf: () => (supervised.current().child.exitCode !== null ? `exited; see ${supervised.current().logFile}` : undefined),
    });
  });

  await timed('server', () => serverUrl, async () => {
    const supervised = superviseNode('server', 'server/src/main.ts', childEnv, logDir);
    started.push({ name: 'server', stop: supervised.stop });
    await waitUntil('server', () => readyzOk(`http://${config.ASTRA_HOST}:${config.ASTRA_PORT}`), {
      timeoutMs,
      abortIf: () => (supervised.current().child.exitCode !== null ? `exited; see ${supervised.current().logFile}:\n${readFileSync(supervised.current().logFile, 'utf8').trimEnd().split('\n').slice(-5).join('\n')}` : undefined),
    });
  });

  let jupyterUrl: string | undefined;
  if (config.ASTRA_JUPYTER) {
    jupyterUrl = await timed('JupyterLab', (url) => url, async () => {
      await assertPortFree(config.ASTRA_JUPYTER_PORT, 'ASTRA_JUPYTER_PORT');
      const venvBin = path.join(path.resolve(repoRoot, process.env.ASTRA_VENV ?? '.venv'), 'bin');
      const token = randomBytes(24).toString('hex');
      // The server extension reads Astra's key from the credentials file in the data folder: it never reaches the browser.
      const lab = spawnService('jupyterlab', path.join(venvBin, 'jupyter'), ['lab', '--no-browser', '--allow-root', '--ServerApp.ip=127.0.0.1', `--port=${config.ASTRA_JUPYTER_PORT}`, `--IdentityProvider.token=${token}`, `--ServerApp.root_dir=${repoRoot}`], {
        env: { ...childEnv, ASTRA_URL: `http://${config.ASTRA_HOST}:${config.ASTRA_PORT}`, PATH: `${venvBin}:${process.env.PATH ?? ''}` },
        cwd: repoRoot,
        logDir,
      });
      started.push({ name: 'JupyterLab', stop: () => lab.stop('SIGTERM', 10_000) });
      const base = `http://127.0.0.1:${config.ASTRA_JUPYTER_PORT}`;
      await waitUntil('JupyterLab', async () => (await fetch(`${base}/api/status`, { headers: { authorization: `token ${token}` }, signal: AbortSignal.timeout(3_000) })).ok, {
        timeoutMs,
        abortIf: () => (lab.child.exitCode !== null ? `exited; see ${lab.logFile}` : undefined),
      });
      return `${base}/lab?token=${token}`;
    });
  }

  const credentials = JSON.parse(readFileSync(path.join(config.dataDir, 'credentials'), 'utf8')) as { username: string };
  const loginUrl = readFileSync(path.join(config.dataDir, 'login-link'), 'utf8').trim();
  line('');
  line('Astra is ready.');
  line(`  Server       ${serverUrl}`);
  line(`  Temporal UI  ${temporalUi ? `${temporalUi} (admins)` : '(not configured; set TEMPORAL_UI_URL)'}`);
  line(`  JupyterLab   ${jupyterUrl ?? '(off: ASTRA_JUPYTER=off)'}`);
  line(`  Log in       ${loginUrl}`);
  const credentialsFile = path.join(config.dataDir, 'credentials');
  const shownFile = credentialsFile.startsWith(`${process.cwd()}${path.sep}`) ? path.relative(process.cwd(), credentialsFile) : credentialsFile;
  line(`               (one-time link for "${credentials.username}"; the CLI token is in ${shownFile})`);
  line(`  Logs         ${logDir}`);
  line('Press Ctrl-C to stop.');
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    void stopAll(`${signal} received`).then(() => process.exit(0));
  });
}

let config: SupervisorConfig;
try {
  config = readSupervisorConfig();
  await main(config);
} catch (error) {
  const message = error instanceof ConfigError ? error.message : (error as Error).message;
  process.stderr.write(`[astra] cannot start: ${message}\n`);
  await stopAll('start-up failed');
  process.exit(1);
}
