// A fake of the hosted S3 API for tests: moto's standalone server (PyPI `moto[server]`, pinned in
// infra/requirements-s3.txt) in its own virtualenv, .venv-s3, made on first use. No real S3-compatible
// server installs on these machines (see that file); moto speaks the S3 REST API the AWS SDK v3 uses.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const requirements = path.join(repoRoot, 'infra', 'requirements-s3.txt');
const venvDir = path.resolve(repoRoot, process.env.ASTRA_S3_VENV ?? '.venv-s3');

function run(command: string, args: string[]) {
  const done = spawnSync(command, args, { encoding: 'utf8', timeout: 600_000 });
  if (done.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${(done.stderr || done.stdout || String(done.error)).trim().slice(-2000)}`);
}

/** .venv-s3 with the pinned moto, made again only when the requirements file changes. */
export function ensureFakeS3(): string {
  const wanted = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  const stamp = path.join(venvDir, '.astra-requirements-s3');
  const server = path.join(venvDir, 'bin', 'moto_server');
  if (existsSync(server) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === wanted) return server;
  if (!existsSync(path.join(venvDir, 'bin', 'python'))) run(process.env.ASTRA_PYTHON ?? 'python3', ['-m', 'venv', venvDir]);
  run(path.join(venvDir, 'bin', 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', requirements]);
  writeFileSync(stamp, `${wanted}\n`);
  return server;
}

const freePort = () => new Promise<number>((resolve, reject) => {
  const probe = net.createServer();
  probe.once('error', reject);
  probe.listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as net.AddressInfo;
    probe.close(() => resolve(port));
  });
});

export interface FakeS3 {
  url: string;
  bucket: string;
  /** The variables that point server and worker at the bucket. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts moto's S3 server on a free port with one empty bucket. */
export async function startFakeS3(bucket = 'astra-artifacts'): Promise<FakeS3> {
  const server = ensureFakeS3();
  const port = await freePort();
  const child: ChildProcess = spawn(server, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    const up = await fetch(`${url}/`).then((answer) => answer.status < 500, () => false);
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${url} within 60 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const env = {
    ASTRA_ARTIFACTS_S3_URL: url,
    ASTRA_ARTIFACTS_S3_BUCKET: bucket,
    ASTRA_ARTIFACTS_S3_ACCESS_KEY_ID: 'astra-test',
    ASTRA_ARTIFACTS_S3_SECRET_ACCESS_KEY: 'astra-test-secret',
  };
  const client = new S3Client({ region: 'us-east-1', endpoint: url, forcePathStyle: true, credentials: { accessKeyId: env.ASTRA_ARTIFACTS_S3_ACCESS_KEY_ID, secretAccessKey: env.ASTRA_ARTIFACTS_S3_SECRET_ACCESS_KEY } });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  return {
    url,
    bucket,
    env,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
