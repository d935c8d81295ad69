// `npm run bench:startup`: time from `npm start` to "Astra is ready." on a fresh data folder (cold:
// initdb, new Temporal and Chroma stores) and again on the same folder (warm), in one run.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, repoRoot } from '@astra/infra';
import { median } from './support/stats';

const runs = Number(process.env.BENCH_RUNS ?? 3);

async function timeToReady(env: NodeJS.ProcessEnv): Promise<number> {
  const began = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/src/start.ts'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('Astra is ready.')) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`start failed:\n${output}`));
      }
    }, 20);
  });
  const elapsed = (performance.now() - began) / 1000;
  process.kill(-child.pid!, 'SIGINT');
  await exited;
  return elapsed;
}


const cold: number[] = [];
const warm: number[] = [];
for (let run = 0; run < runs; run += 1) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'astra-bench-'));
  await chmod(dataDir, 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env, ASTRA_DATA_DIR: dataDir };
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'CHROMA_URL']) delete env[name];
  for (const name of ['ASTRA_PORT', 'TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'POSTGRES_PORT', 'CHROMA_PORT']) env[name] = String(await freePort());
  cold.push(await timeToReady(env));
  warm.push(await timeToReady(env));
  await rm(dataDir, { recursive: true, force: true });
  console.log(`run ${run + 1}/${runs}: cold ${cold.at(-1)!.toFixed(2)} s, warm ${warm.at(-1)!.toFixed(2)} s`);
}
console.log('');
console.log(`time to ready (median of ${runs}, supervisor only; npm start adds its install check):`);
console.log(`  cold (fresh data folder)  ${median(cold).toFixed(2)} s`);
console.log(`  warm (existing data)      ${median(warm).toFixed(2)} s`);
console.log(`  warm / cold               ${(median(warm) / median(cold)).toFixed(2)}`);
