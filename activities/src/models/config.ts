import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { createLocalProvider } from './local-provider';
import { readModelManifest, type ManifestModel } from './manifest';
import type { ModelProvider, ProviderName } from './provider';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const modelEnvSchema = z.object({
  ASTRA_MODEL_PROVIDER: z.enum(['local', 'ollama', 'openai']).optional(),
  ASTRA_MODELS_DIR: z.string().optional(),
  ASTRA_MODEL_THREADS: z.coerce.number().int().positive().optional(),
  OLLAMA_HOST: z.string().optional(),
  OPENAI_BASE_URL: z.string().url().optional(),
  OPENAI_API_KEY: z.string().optional(),
});

/** Where provisioned GGUF files and their manifest live: ASTRA_MODELS_DIR, or `.models` in the checkout. */
export function resolveModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(repoRoot, env.ASTRA_MODELS_DIR ?? '.models');
}

/** One setting switches backends: ASTRA_MODEL_PROVIDER, else OLLAMA_HOST or OPENAI_BASE_URL when set, else local. */
export function chooseProvider(env: NodeJS.ProcessEnv = process.env): ProviderName {
  const parsed = modelEnvSchema.parse(env);
  if (parsed.ASTRA_MODEL_PROVIDER) return parsed.ASTRA_MODEL_PROVIDER;
  if (parsed.OLLAMA_HOST) return 'ollama';
  if (parsed.OPENAI_BASE_URL) return 'openai';
  return 'local';
}

/** `fineTuned`: where the local provider finds models registered after start (the models table, on the worker). */
export async function createModelProvider(env: NodeJS.ProcessEnv = process.env, extras: { fineTuned?: () => Promise<ManifestModel[]> } = {}): Promise<ModelProvider> {
  const parsed = modelEnvSchema.parse(env);
  switch (chooseProvider(env)) {
    case 'local':
      return createLocalProvider({ models: await readModelManifest(resolveModelsDir(env)), threads: parsed.ASTRA_MODEL_THREADS, ...(extras.fineTuned ? { fineTuned: extras.fineTuned } : {}) });
    case 'ollama': {
      const { createOllamaProvider } = await import('./ollama-provider');
      return createOllamaProvider({ host: parsed.OLLAMA_HOST ?? 'http://127.0.0.1:11434' });
    }
    case 'openai': {
      const { createOpenAIProvider } = await import('./openai-provider');
      if (!parsed.OPENAI_BASE_URL) throw new Error('ASTRA_MODEL_PROVIDER=openai needs OPENAI_BASE_URL (and OPENAI_API_KEY if the server wants one)');
      return createOpenAIProvider({ baseURL: parsed.OPENAI_BASE_URL, apiKey: parsed.OPENAI_API_KEY ?? 'not-needed' });
    }
  }
}
