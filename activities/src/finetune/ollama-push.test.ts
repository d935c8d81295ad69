// Pushing a fine-tune to Ollama, against the FAKE Ollama server (a real Ollama cannot run here; it is a
// boundary Astra does not own): the GGUF files go up as blobs checked by their digest, a blob Ollama has
// is not sent again, /api/create names the weights and the adapter, and a refusal says what was refused.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOllamaServer, type FakeOllamaServer } from '../models/testing/fake-ollama-server';
import { pushToOllama } from './ollama-push';

let ollama: FakeOllamaServer;
let dir: string;

const fileOf = async (name: string, bytes: Buffer) => {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return { path: file, sha256: createHash('sha256').update(bytes).digest('hex') };
};

beforeAll(async () => {
  ollama = await startFakeOllamaServer();
  dir = await mkdtemp(path.join(os.tmpdir(), 'astra-ollama-push-'));
});

afterAll(async () => {
  await ollama?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('pushing a fine-tune to Ollama', () => {
  it('uploads the base weights and the LoRA as blobs, creates the model with both, and lists it', async () => {
    const base = await fileOf('SmolLM2-135M-Instruct.gguf', randomBytes(300_000));
    const adapter = await fileOf('adapter.gguf', randomBytes(40_000));
    const pushed = await pushToOllama({ host: ollama.url, name: 'veltrana-tuned', model: base, adapter });
    expect(pushed.uploaded).toEqual(['SmolLM2-135M-Instruct.gguf', 'adapter.gguf']);
    expect(ollama.blobs.get(base.sha256)?.length).toBe(300_000);
    expect(ollama.blobs.get(adapter.sha256)?.length).toBe(40_000);
    expect(ollama.created.at(-1)).toEqual({
      model: 'veltrana-tuned',
      files: { 'SmolLM2-135M-Instruct.gguf': `sha256:${base.sha256}` },
      adapters: { 'adapter.gguf': `sha256:${adapter.sha256}` },
      stream: false,
    });
    const tags = await (await fetch(`${ollama.url}/api/tags`)).json() as { models: Array<{ name: string }> };
    expect(tags.models.map((model) => model.name)).toContain('veltrana-tuned:latest');

    // A second fine-tune of the same base sends only its own adapter.
    const second = await fileOf('adapter-2.gguf', randomBytes(40_000));
    expect((await pushToOllama({ host: ollama.url, name: 'veltrana-tuned-2', model: base, adapter: second })).uploaded).toEqual(['adapter-2.gguf']);
  });

  it('pushes a merged file alone, and says what Ollama refused', async () => {
    const merged = await fileOf('merged.Q8_0.gguf', randomBytes(120_000));
    await pushToOllama({ host: ollama.url, name: 'veltrana-merged', model: merged });
    expect(ollama.created.at(-1)).toEqual({ model: 'veltrana-merged', files: { 'merged.Q8_0.gguf': `sha256:${merged.sha256}` }, stream: false });

    // A digest that does not match the bytes: Ollama's own check refuses the upload, and the error names the file.
    const lying = { path: merged.path, sha256: '0'.repeat(64) };
    await expect(pushToOllama({ host: ollama.url, name: 'broken', model: lying })).rejects.toThrow(/refused the upload of merged\.Q8_0\.gguf \(400\): digest mismatch/);
    expect(ollama.created.some((model) => model.model === 'broken')).toBe(false);
  });
});
