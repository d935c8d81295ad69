// The PyTorch child process (activities/python/finetune.py) in the project virtualenv: started per
// subcommand, its stdout parsed line by line with the event schemas below, its stderr kept for errors.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const finetuneScript = path.join(repoRoot, 'activities', 'python', 'finetune.py');
/** llama.cpp's converters, from the checkout provisioning cloned out of node-llama-cpp's git bundle. */
export const llamaCppDir = (modelsDir: string) => path.join(modelsDir, 'llama.cpp');

export const venvPython = (env: NodeJS.ProcessEnv = process.env) => path.join(path.resolve(repoRoot, env.ASTRA_VENV ?? '.venv'), 'bin', 'python');

const historyPoint = z.object({ step: z.number().int(), loss: z.number().optional(), valLoss: z.number().optional() });

export const trainerEventSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('base'), path: z.string(), reused: z.boolean() }),
  z.object({ event: z.literal('rendered'), path: z.string(), examples: z.number().int() }),
  z.object({ event: z.literal('start'), step: z.number().int(), steps: z.number().int(), resumedFrom: z.number().int().nullable(), device: z.string(), threads: z.number().int(), trainExamples: z.number().int(), valExamples: z.number().int(), trainableParameters: z.number().int() }),
  z.object({ event: z.literal('step'), step: z.number().int(), steps: z.number().int(), loss: z.number(), tokensPerSecond: z.number(), etaSeconds: z.number(), lr: z.number() }),
  z.object({ event: z.literal('eval'), step: z.number().int(), valLoss: z.number() }),
  z.object({ event: z.literal('checkpoint'), step: z.number().int(), path: z.string() }),
  z.object({ event: z.literal('done'), step: z.number().int(), adapter: z.string(), history: z.array(historyPoint) }),
  z.object({ event: z.literal('evaluation'), valLoss: z.number(), perplexity: z.number(), samples: z.array(z.object({ prompt: z.string(), reply: z.string() })) }),
  z.object({ event: z.literal('merged'), path: z.string() }),
  z.object({ event: z.literal('grafted'), path: z.string() }),
]);
export type TrainerEvent = z.infer<typeof trainerEventSchema>;

/**
 * Threads for torch chosen from the machine's load: on a busy machine OpenMP threads spin against the
 * other processes (2 threads ran up to 5x slower than 1 on a loaded 2-core machine), so only idle cores count.
 */
export function trainingThreads(configured?: number): number {
  if (configured) return configured;
  const idle = os.availableParallelism() - os.loadavg()[0]!;
  return Math.max(1, Math.min(os.availableParallelism() - 1, Math.floor(idle)));
}

export interface ChildRun {
  events: TrainerEvent[];
}

/** Runs one subcommand to its end; each event reaches `onEvent` as it arrives. A kill via `signal` ends the child. */
export function runTrainer(args: string[], options: { onEvent?: (event: TrainerEvent) => void; signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {}): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(venvPython(options.env), [finetuneScript, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env, OMP_WAIT_POLICY: 'PASSIVE', PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1', HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1', TOKENIZERS_PARALLELISM: 'false' },
    });
    const events: TrainerEvent[] = [];
    let stderr = '';
    let buffered = '';
    let bad: Error | undefined;
    const abort = () => child.kill('SIGTERM');
    options.signal?.addEventListener('abort', abort, { once: true });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (!line) continue;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          stderr += `${line}\n`;
          continue;
        }
        const parsed = trainerEventSchema.safeParse(value);
        if (!parsed.success) {
          bad ??= new Error(`the trainer wrote an event Astra does not know: ${line.slice(0, 200)}`);
          continue;
        }
        events.push(parsed.data);
        options.onEvent?.(parsed.data);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8000);
    });
    child.on('error', (error) => reject(new Error(`could not start the trainer (${venvPython(options.env)}): ${error.message}; run \`npm start\` or \`node infra/bootstrap.mjs ensure\`, which install the fine-tune packages`)));
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', abort);
      if (bad) return reject(bad);
      if (code === 0) return resolve({ events });
      const tail = stderr.trim().split('\n').filter((l) => !/Warning|warn\(|^\s*$/.test(l)).slice(-6).join('\n');
      reject(new Error(`the trainer (${args[0]}) ${signal ? `was stopped by ${signal}` : `exited with ${code}`}${tail ? `:\n${tail}` : ''}`));
    });
  });
}

/** Runs one of llama.cpp's Python converters (never writing bytecode into the shared checkout). */
export function runConverter(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(venvPython(env), [script, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', OMP_WAIT_POLICY: 'PASSIVE' } });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(script)} exited with ${code}: ${stderr.trim().split('\n').slice(-4).join('\n')}`))));
  });
}
