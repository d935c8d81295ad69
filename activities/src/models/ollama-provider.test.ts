import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOllamaProvider } from './ollama-provider';
import { UnknownModelError, type ChatMessage, type ModelProvider } from './provider';
import { startFakeOllamaServer, type FakeOllamaServer } from './testing/fake-ollama-server';

// Ollama cannot run here, so these talk to a fake Ollama server answering with the bodies in Ollama's docs/api.md.
describe('Ollama provider', () => {
  let fakeOllama: FakeOllamaServer;
  let provider: ModelProvider;

  beforeEach(async () => {
    fakeOllama = await startFakeOllamaServer();
    provider = createOllamaProvider({ host: fakeOllama.url });
  });

  afterEach(async () => {
    await provider.close();
    await fakeOllama.close();
  });

  const sent = (path: string) => fakeOllama.requests.filter((request) => request.path === path).map((request) => request.body);

  it('generate streams each piece as it arrives and returns the whole answer with token counts', async () => {
    const pieces: string[] = [];
    const result = await provider.generate(
      { model: 'llama3.2', prompt: 'Why is the sky blue?', maxTokens: 64, temperature: 0, seed: 42 },
      { onToken: (piece) => pieces.push(piece) },
    );

    expect(pieces).toEqual(['The', ' sky', ' is', ' blue', ' because', ' it', ' is', ' the', ' color', ' of', ' the', ' sky', '.']);
    expect(result).toEqual({
      model: 'llama3.2',
      text: 'The sky is blue because it is the color of the sky.',
      finishReason: 'stop',
      promptTokens: 26,
      completionTokens: 13,
    });
    expect(sent('/api/generate')).toEqual([
      {
        model: 'llama3.2',
        prompt: 'Why is the sky blue?',
        raw: true,
        stream: true,
        options: { num_predict: 64, temperature: 0, seed: 42 },
      },
    ]);
  });

  it('chat sends the messages with the chat defaults and streams the reply', async () => {
    const pieces: string[] = [];
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Answer in one sentence.' },
      { role: 'user', content: 'Why is the sky blue?' },
    ];
    const result = await provider.chat({ model: 'llama3.2', messages }, { onToken: (piece) => pieces.push(piece) });

    expect(pieces.join('')).toBe('The sky is blue because it is the color of the sky.');
    expect(pieces).toHaveLength(13);
    expect(result).toMatchObject({ text: 'The sky is blue because it is the color of the sky.', finishReason: 'stop', promptTokens: 26, completionTokens: 13 });
    expect(sent('/api/chat')).toEqual([{ model: 'llama3.2', messages, stream: true, options: { num_predict: 256, temperature: 0.7 } }]);
  });

  it('passes stop sequences through, and the answer ends before the stop text', async () => {
    const pieces: string[] = [];
    const result = await provider.generate(
      { model: 'llama3.2', prompt: 'Why is the sky blue?', stop: [' because', '\n\n'] },
      { onToken: (piece) => pieces.push(piece) },
    );

    expect(sent('/api/generate')).toEqual([
      expect.objectContaining({ options: { num_predict: 256, temperature: 0, stop: [' because', '\n\n'] } }),
    ]);
    expect(pieces).toEqual(['The', ' sky', ' is', ' blue']);
    expect(result).toMatchObject({ text: 'The sky is blue', finishReason: 'stop', completionTokens: 4 });
  });

  it("finishes with 'length' when Ollama stops at maxTokens", async () => {
    const result = await provider.generate({ model: 'llama3.2', prompt: 'Why is the sky blue?', maxTokens: 3 });

    expect(sent('/api/generate')).toEqual([expect.objectContaining({ options: expect.objectContaining({ num_predict: 3 }) })]);
    expect(result).toMatchObject({ text: 'The sky is', finishReason: 'length', completionTokens: 3 });
  });

  it('aborting mid-stream returns the text so far and hangs up on Ollama', async () => {
    const slowOllama = await startFakeOllamaServer({ msPerToken: 50 });
    const slowProvider = createOllamaProvider({ host: slowOllama.url });
    try {
      const controller = new AbortController();
      const pieces: string[] = [];
      const result = await slowProvider.generate(
        { model: 'llama3.2', prompt: 'Why is the sky blue?' },
        {
          signal: controller.signal,
          onToken: (piece) => {
            pieces.push(piece);
            // Abort after the 2nd token, while the provider waits for the 3rd (50 ms away).
            if (pieces.length === 2) setImmediate(() => controller.abort());
          },
        },
      );

      expect(pieces).toEqual(['The', ' sky']);
      expect(result).toEqual({ model: 'llama3.2', text: 'The sky', finishReason: 'abort', promptTokens: 0, completionTokens: 2 });
      // Ollama sees the connection close and stops generating, well before its 13 tokens are out.
      await vi.waitFor(() => expect(slowOllama.streams).toEqual([expect.objectContaining({ endedBy: 'client' })]));
      expect(slowOllama.streams[0]?.tokensSent).toBeLessThan(5);
    } finally {
      await slowProvider.close();
      await slowOllama.close();
    }
  });

  it('aborting from onToken stops at once, even when the rest of the answer has already arrived', async () => {
    const burstOllama = await startFakeOllamaServer({ wholeAnswerInOneWrite: true });
    const burstProvider = createOllamaProvider({ host: burstOllama.url });
    try {
      const controller = new AbortController();
      const pieces: string[] = [];
      const result = await burstProvider.chat(
        { model: 'llama3.2', messages: [{ role: 'user', content: 'Why is the sky blue?' }] },
        {
          signal: controller.signal,
          onToken: (piece) => {
            pieces.push(piece);
            if (pieces.length === 2) controller.abort();
          },
        },
      );

      expect(pieces).toEqual(['The', ' sky']);
      expect(result).toMatchObject({ text: 'The sky', finishReason: 'abort' });
    } finally {
      await burstProvider.close();
      await burstOllama.close();
    }
  });

  it('an unknown model fails with UnknownModelError listing the models Ollama has', async () => {
    const generating = provider.generate({ model: 'llama9', prompt: 'Why is the sky blue?' });
    await expect(generating).rejects.toBeInstanceOf(UnknownModelError);
    await expect(generating).rejects.toThrow(
      'unknown model "llama9"; available: llama3.2:latest, all-minilm:latest, nomic-embed-text:latest',
    );

    const embedding = provider.embed({ model: 'minilm-typo', texts: ['Why is the sky blue?'] });
    await expect(embedding).rejects.toMatchObject({
      name: 'UnknownModelError',
      model: 'minilm-typo',
      available: ['llama3.2:latest', 'all-minilm:latest', 'nomic-embed-text:latest'],
    });
  });

  it('embed sends the whole batch in one request and returns the vectors in input order', async () => {
    const texts = ['Why is the grass green?', 'Why is the sky blue?'];
    const result = await provider.embed({ model: 'all-minilm', texts });

    expect(sent('/api/embed')).toEqual([{ model: 'all-minilm', input: texts, truncate: false }]);
    expect(result).toEqual({
      model: 'all-minilm',
      dimension: 10,
      vectors: [
        [-0.0098027075, 0.06042469, 0.025257962, -0.006364387, 0.07272725, 0.017194884, 0.09032035, -0.051705178, 0.09951512, 0.09072481],
        [0.010071029, -0.0017594862, 0.05007221, 0.04692972, 0.054916814, 0.008599704, 0.105441414, -0.025878139, 0.12958129, 0.031952348],
      ],
    });
  });

  it('listModels tells generation from embedding models, with context length and vector size', async () => {
    const models = await provider.listModels();

    expect(models).toEqual([
      { name: 'llama3.2:latest', kind: 'generation', provider: 'ollama', contextLength: 8192, dimension: null },
      { name: 'all-minilm:latest', kind: 'embedding', provider: 'ollama', contextLength: 512, dimension: 384 },
      { name: 'nomic-embed-text:latest', kind: 'embedding', provider: 'ollama', contextLength: 2048, dimension: 768 },
    ]);
  });
});
