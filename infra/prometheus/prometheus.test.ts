// The Prometheus files are checked by Prometheus's own tools (promtool), and a real Prometheus server
// scrapes a real Astra server over HTTP, with the scrape token, and answers a request count through its
// query API. Needs Debian's `prometheus` package (.ci/run installs it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppHarness, type AppHarness } from '../../server/src/testing/app-harness';
import { freePort } from '../src/ports';

const here = path.dirname(fileURLToPath(import.meta.url));

function requireTool(tool: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error(`${tool} is not installed: these tests need Debian's prometheus package (apt-get install prometheus), which .ci/run installs`);
  return found;
}

function promtool(...args: string[]) {
  const result = spawnSync(requireTool('promtool'), args, { cwd: here, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** prometheus.yml with its neighbours as a deployment lays them out: alerts.yml and secrets/metrics-token. */
async function layOut(config: string, token: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'astra-prometheus-'));
  await mkdir(path.join(dir, 'secrets'));
  await writeFile(path.join(dir, 'secrets', 'metrics-token'), token, { mode: 0o600 });
  await copyFile(path.join(here, 'alerts.yml'), path.join(dir, 'alerts.yml'));
  await writeFile(path.join(dir, 'prometheus.yml'), config);
  return dir;
}

describe('promtool', () => {
  it('accepts the alert rules', () => {
    const { status, output } = promtool('check', 'rules', 'alerts.yml');
    expect(output).toContain('SUCCESS: 11 rules found');
    expect(status).toBe(0);
  });

  it('fires each alert on the series it is meant for, and not on healthy ones (alerts.test.yml)', () => {
    const { status, output } = promtool('test', 'rules', 'alerts.test.yml');
    expect(output).toContain('SUCCESS');
    expect(status, output).toBe(0);
  });

  it('accepts the Prometheus configuration, laid out with its token file', async () => {
    const dir = await layOut(await readFile(path.join(here, 'prometheus.yml'), 'utf8'), 'scrape-token-0123456789abcdef');
    const result = spawnSync(requireTool('promtool'), ['check', 'config', path.join(dir, 'prometheus.yml')], { encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toContain('SUCCESS: 1 rule files found');
    expect(result.status, result.stderr).toBe(0);
  });

  it('rejects a broken rule, so the checks above can fail', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'astra-rules-'));
    await writeFile(path.join(dir, 'bad.yml'), 'groups:\n  - name: bad\n    rules:\n      - alert: Broken\n        expr: rate(astra_http_request_duration_seconds_count[5m] > 1\n');
    const result = spawnSync(requireTool('promtool'), ['check', 'rules', path.join(dir, 'bad.yml')], { encoding: 'utf8' });
    expect(result.status).not.toBe(0);
  });
});

describe('a real Prometheus scraping a real Astra server', () => {
  const token = 'scrape-token-prometheus-test-0123';
  let harness: AppHarness;
  let server: ServerType;
  let prometheus: ChildProcess | undefined;
  let prometheusLog = '';
  let promUrl: string;

  beforeAll(async () => {
    const binary = requireTool('prometheus');
    harness = await createAppHarness({ env: { ASTRA_METRICS_TOKEN: token } });
    const astraPort = await freePort();
    server = serve({ fetch: harness.app.fetch, hostname: '127.0.0.1', port: astraPort });
    const config = [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'rule_files: [alerts.yml]',
      'scrape_configs:',
      '  - job_name: astra-server',
      '    authorization: { type: Bearer, credentials_file: secrets/metrics-token }',
      `    static_configs: [{ targets: ["127.0.0.1:${astraPort}"] }]`,
      '',
    ].join('\n');
    const dir = await layOut(config, token);
    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    prometheus = spawn(binary, [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    prometheus.stdout!.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString()));
    prometheus.stderr!.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString()));
    for (let i = 0; ; i += 1) {
      if (prometheus.exitCode !== null || i > 300) throw new Error(`prometheus did not become ready:\n${prometheusLog.slice(-2000)}`);
      const ready = await fetch(`${promUrl}/-/ready`).then((response) => response.ok, () => false);
      if (ready) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await harness?.close();
  });

  /** One instant query through Prometheus's HTTP API: the value of its single result, or undefined. */
  async function query(expr: string): Promise<number | undefined> {
    const response = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as { status: string; data: { result: Array<{ value: [number, string] }> } };
    expect(body.status).toBe('success');
    return body.data.result[0] ? Number(body.data.result[0].value[1]) : undefined;
  }

  /** Polls the query until it gives `expected` (bounded: 60 scrape intervals); returns what it last gave. */
  async function queryUntil(expr: string, expected: number): Promise<number | undefined> {
    let value: number | undefined;
    for (let i = 0; i < 120; i += 1) {
      value = await query(expr);
      if (value === expected) return value;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return value;
  }

  it('reads the request count and flow-run series back through the query API', async () => {
    const user = await harness.newUser('user');
    for (let i = 0; i < 3; i += 1) {
      const response = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/api/flows`, { headers: { authorization: `Bearer ${user.token}` } });
      expect(response.status).toBe(200);
    }
    expect(await queryUntil('up{job="astra-server"}', 1), prometheusLog.slice(-2000)).toBe(1);
    expect(await queryUntil('sum(astra_http_request_duration_seconds_count{job="astra-server",route="/api/flows",status="200"})', 3)).toBe(3);
    // The run gauge reports every status, read from the database at scrape time.
    expect(await queryUntil('count(astra_flow_runs{job="astra-server"})', 4)).toBe(4);
    // Prometheus loaded the alert rules themselves.
    const rules = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: Array<{ name: string }> } };
    expect(rules.data.groups.map((group) => group.name)).toEqual(['astra-hosts', 'astra-http', 'astra-runs']);
  });
});
