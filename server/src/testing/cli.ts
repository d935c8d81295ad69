// Runs the `astra` CLI as people run it (`node server/bin/astra.mjs …`) in a child process.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const astraBin = path.join(repoRoot, 'server/bin/astra.mjs');

export interface CliResult { code: number; stdout: string; stderr: string }

/** One `astra` command against `url` as the token's user; it must end within the limit. */
export function runAstra(args: string[], options: { url: string; token: string; cwd: string; stdin?: string; limitMs?: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [astraBin, ...args], { cwd: options.cwd, env: { ...process.env, ASTRA_URL: options.url, ASTRA_TOKEN: options.token, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(options.stdin ?? '');
    const limit = setTimeout(() => child.kill('SIGKILL'), options.limitMs ?? 200_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(limit);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
