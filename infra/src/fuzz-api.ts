// `npm run fuzz:api`: schemathesis against a running Astra's /api/openapi.json, bounded, as a user
// registered for this run and approved by the admin (never as the admin): every object it makes or
// deletes is its own. Fails on any 5xx and on any answer that breaks the documented schema.
//
//   ASTRA_URL / ASTRA_TOKEN   the Astra to fuzz and an admin's token (else .astra/credentials, as the CLI)
//   FUZZ_MAX_EXAMPLES         cases per operation (default 25)
//   FUZZ_MAX_TIME             seconds for the whole run (default 600)
//   FUZZ_SEED                 to replay a run
//   FUZZ_CHECKS               schemathesis checks (default: no 5xx, answers match their documented schema and type)
import { spawnSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { repoRoot } from './config';

const requirements = path.join(repoRoot, 'infra', 'requirements-fuzz.txt');
const venvDir = path.resolve(repoRoot, process.env.ASTRA_FUZZ_VENV ?? '.venv-fuzz');
const schemathesis = path.join(venvDir, 'bin', 'schemathesis');

const say = (line: string) => process.stdout.write(`[fuzz] ${line}\n`);

function runOrFail(command: string, args: string[]) {
  const done = spawnSync(command, args, { stdio: 'inherit' });
  if (done.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${done.status ?? done.signal})`);
}

/** .venv-fuzz with the pinned schemathesis, made again only when the requirements file changes. */
function ensureVenv() {
  const wanted = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  const stamp = path.join(venvDir, '.astra-requirements-fuzz');
  if (existsSync(schemathesis) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return;
  say(`installing ${path.relative(repoRoot, requirements)} into ${path.relative(repoRoot, venvDir)} (once) ...`);
  if (!existsSync(path.join(venvDir, 'bin', 'python'))) runOrFail(process.env.ASTRA_PYTHON ?? 'python3', ['-m', 'venv', venvDir]);
  const python = path.join(venvDir, 'bin', 'python');
  // uv resolves in seconds where pip can backtrack for minutes; pip when there is no uv.
  if (spawnSync('uv', ['--version']).status === 0) runOrFail('uv', ['pip', 'install', '--python', python, '-r', requirements]);
  else runOrFail(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', requirements]);
  writeFileSync(stamp, wanted);
}

const credentialsFile = z.object({ url: z.string(), token: z.string() });

function target(): { url: string; adminToken: string } {
  if (process.env.ASTRA_URL && process.env.ASTRA_TOKEN) return { url: process.env.ASTRA_URL, adminToken: process.env.ASTRA_TOKEN };
  const file = path.resolve(process.env.ASTRA_DATA_DIR ?? path.join(repoRoot, '.astra'), 'credentials');
  if (!existsSync(file)) throw new Error(`no Astra to fuzz: set ASTRA_URL and ASTRA_TOKEN (an admin's), or run this beside a running \`npm start\` (${file} does not exist)`);
  const saved = credentialsFile.parse(JSON.parse(readFileSync(file, 'utf8')));
  return { url: process.env.ASTRA_URL ?? saved.url, adminToken: process.env.ASTRA_TOKEN ?? saved.token };
}

async function call(url: string, route: string, init: RequestInit & { expect: number[] }): Promise<Response> {
  const response = await fetch(new URL(route, url), { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
  if (!init.expect.includes(response.status)) throw new Error(`${init.method ?? 'GET'} ${route} answered ${response.status}: ${await response.text()}`);
  return response;
}

/** A user of this run's own: registered like anyone, approved by the admin, signed in with a session. */
async function fuzzUser(url: string, adminToken: string): Promise<{ username: string; cookie: string }> {
  const username = `fuzz-${randomBytes(5).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  const body = JSON.stringify({ username, password });
  const registered = await call(url, '/api/auth/register', { method: 'POST', body, expect: [201, 403, 429] });
  const admin = { authorization: `Bearer ${adminToken}` };
  // Sign-up closed, or this address used its registrations (an earlier fuzz run registers many): the admin makes the account.
  if (registered.status !== 201) {
    say(`register answered ${registered.status}; the admin creates ${username} instead`);
    await call(url, '/api/users', { method: 'POST', headers: admin, body: JSON.stringify({ username, password, role: 'user' }), expect: [201] });
  } else await call(url, `/api/users/${username}/approve`, { method: 'POST', headers: admin, body: JSON.stringify({ role: 'user' }), expect: [200] });
  const login = await call(url, '/api/auth/login', { method: 'POST', body, expect: [200] });
  const session = /astra_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
  if (!session) throw new Error('login answered without a session cookie');
  return { username, cookie: `astra_session=${session}` };
}

async function main(): Promise<number> {
  ensureVenv();
  const { url, adminToken } = target();
  const { username, cookie } = await fuzzUser(url, adminToken);
  const reportDir = path.join(repoRoot, '.astra-fuzz-report');
  mkdirSync(reportDir, { recursive: true });
  const maxExamples = process.env.FUZZ_MAX_EXAMPLES ?? '25';
  const maxTime = process.env.FUZZ_MAX_TIME ?? '600';
  say(`fuzzing ${url}/api/openapi.json as ${username} (a new user), up to ${maxExamples} cases per operation and ${maxTime} s`);
  const args = [
    'run', `${url}/api/openapi.json`, '--url', url,
    '--header', `Cookie: ${cookie}`,
    // The session is a cookie, so changes must come from Astra's own origin (its CSRF check).
    '--header', `Origin: ${new URL(url).origin}`,
    '--checks', process.env.FUZZ_CHECKS ?? 'not_a_server_error,response_schema_conformance,content_type_conformance',
    '--max-examples', maxExamples, '--max-time', maxTime, '--request-timeout', '30', '--workers', '2',
    // Signing out would end the run's own session.
    '--exclude-path', '/api/auth/logout',
    '--generation-database', 'none', '--no-color',
    '--report', 'junit,ndjson', '--report-dir', reportDir,
    ...(process.env.FUZZ_SEED ? ['--seed', process.env.FUZZ_SEED] : []),
  ];
  const child = spawn(schemathesis, args, { stdio: 'inherit' });
  const code = await new Promise<number>((resolve) => child.on('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0))));
  say(`reports in ${path.relative(repoRoot, reportDir)}; schemathesis exited ${code}`);
  return code;
}

main().then((code) => process.exit(code), (error: Error) => {
  process.stderr.write(`[fuzz] ${error.message}\n`);
  process.exit(2);
});
