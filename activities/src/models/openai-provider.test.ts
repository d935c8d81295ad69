import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOpenAIProvider } from './openai-provider';
import { UnknownModelError, type ChatMessage, type ModelProvider, type StreamOptions } from './provider';
import { fakeEmbeddingFor, startFakeOpenAIServer, type FakeOpenAIServer } from './testing/fake-openai-server';

// The OpenAI API cannot be reached here, so these talk to a fake OpenAI server answering with the API reference's bodies.
describe('OpenAI-compatible provider', () => {
  let fakeOpenAI: FakeOpenAIServer;
  let provider: ModelProvider;

  beforeEach(async () => {
    fakeOpenAI = await startFakeOpenAIServer();
    provider = createOpenAIProvider({ baseURL: fakeOpenAI.url, apiKey: 'test-key' });
  });

  afterEach(async () => {
    await provider.close();
    await fakeOpenAI.close();
  });

  const sent = (path: string) => fakeOpenAI.requests.filter((request) => request.path === path).map((request) => request.body);

  it('generate streams each piece as it arrives and returns the whole answer with token counts', async () => {
    const pieces: string[] = [];
    const result = await provider.generate(
      { model: 'gpt-3.5-turbo-instruct', prompt: 'Say this is a test', maxTokens: 7, temperature: 0, seed: 7 },
      { onToken: (piece) => pieces.push(piece) },
    );

    expect(pieces).toEqual(['This', ' is', ' indeed', ' a', ' test']);
    expect(result).toEqual({
      model: 'gpt-3.5-turbo-instruct',
      text: 'This is indeed a test',
      finishReason: 'stop',
      promptTokens: 5,
      completionTokens: 5,
    });
    expect(fakeOpenAI.requests.filter((request) => request.path === '/v1/completions')).toEqual([
      {
        method: 'POST',
        path: '/v1/completions',
        authorization: 'Bearer test-key',
        body: {
          model: 'gpt-3.5-turbo-instruct',
          prompt: 'Say this is a test',
          stream: true,
          stream_options: { include_usage: true },
          max_tokens: 7,
          temperature: 0,
          seed: 7,
        },
      },
    ]);
  });

  it('chat sends the messages with the chat defaults and streams the reply', async () => {
    const pieces: string[] = [];
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Hello!' },
    ];
    const result = await provider.chat({ model: 'gpt-4o-mini', messages }, { onToken: (piece) => pieces.push(piece) });

    expect(pieces).toEqual(['Hello', ' there', ',', ' how', ' may', ' I', ' assist', ' you', ' today', '?']);
    expect(result).toEqual({
      model: 'gpt-4o-mini',
      text: 'Hello there, how may I assist you today?',
      finishReason: 'stop',
      promptTokens: 9,
      completionTokens: 10,
    });
    expect(sent('/v1/chat/completions')).toEqual([
      {
        model: 'gpt-4o-mini',
        messages,
        stream: true,
        stream_options: { include_usage: true },
        max_tokens: 256,
        temperature: 0.7,
      },
    ]);
  });

  it('passes stop sequences through, and the answer ends before the stop text', async () => {
    const pieces: string[] = [];
    const result = await provider.chat(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello!' }], stop: [',', '\n'] },
      { onToken: (piece) => pieces.push(piece) },
    );

    expect(sent('/v1/chat/completions')).toEqual([expect.objectContaining({ stop: [',', '\n'] })]);
    expect(pieces).toEqual(['Hello', ' there']);
    expect(result).toMatchObject({ text: 'Hello there', finishReason: 'stop', completionTokens: 2 });
  });

  it("finishes with 'length' when the server stops at maxTokens", async () => {
    const result = await provider.generate({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say this is a test', maxTokens: 2 });

    expect(sent('/v1/completions')).toEqual([expect.objectContaining({ max_tokens: 2, temperature: 0 })]);
    expect(result).toMatchObject({ text: 'This is', finishReason: 'length', promptTokens: 5, completionTokens: 2 });
  });

  it.each([
    {
      endpoint: 'generate',
      run: (provider: ModelProvider, options: StreamOptions) =>
        provider.generate({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say this is a test' }, options),
      model: 'gpt-3.5-turbo-instruct',
      soFar: ['This', ' is'],
    },
    {
      endpoint: 'chat',
      run: (provider: ModelProvider, options: StreamOptions) =>
        provider.chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello!' }] }, options),
      model: 'gpt-4o-mini',
      soFar: ['Hello', ' there'],
    },
  ])('aborting $endpoint mid-stream returns the text so far and hangs up on the server', async ({ run, model, soFar }) => {
    const slowOpenAI = await startFakeOpenAIServer({ msPerToken: 50 });
    const slowProvider = createOpenAIProvider({ baseURL: slowOpenAI.url, apiKey: 'test-key' });
    try {
      const controller = new AbortController();
      const pieces: string[] = [];
      const result = await run(slowProvider, {
        signal: controller.signal,
        onToken: (piece) => {
          pieces.push(piece);
          // Abort after the 2nd token, while the provider waits for the 3rd (50 ms away).
          if (pieces.length === 2) setImmediate(() => controller.abort());
        },
      });

      expect(pieces).toEqual(soFar);
      expect(result).toEqual({ model, text: soFar.join(''), finishReason: 'abort', promptTokens: 0, completionTokens: 2 });
      // The server sees the connection close and stops generating before all its tokens are out.
      await vi.waitFor(() => expect(slowOpenAI.streams).toEqual([expect.objectContaining({ endedBy: 'client' })]));
      expect(slowOpenAI.streams[0]?.tokensSent).toBeLessThan(5);
    } finally {
      await slowProvider.close();
      await slowOpenAI.close();
    }
  });

  it('aborting from onToken stops at once, even when the rest of the answer has already arrived', async () => {
    const burstOpenAI = await startFakeOpenAIServer({ wholeAnswerInOneWrite: true });
    const burstProvider = createOpenAIProvider({ baseURL: burstOpenAI.url, apiKey: 'test-key' });
    try {
      const controller = new AbortController();
      const pieces: string[] = [];
      const result = await burstProvider.chat(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello!' }] },
        {
          signal: controller.signal,
          onToken: (piece) => {
            pieces.push(piece);
            if (pieces.length === 2) controller.abort();
          },
        },
      );

      expect(pieces).toEqual(['Hello', ' there']);
      expect(result).toMatchObject({ text: 'Hello there', finishReason: 'abort' });
    } finally {
      await burstProvider.close();
      await burstOpenAI.close();
    }
  });

  it('an unknown model fails with UnknownModelError listing the models the server has', async () => {
    const chatting = provider.chat({ model: 'gpt-9', messages: [{ role: 'user', content: 'Hello!' }] });
    await expect(chatting).rejects.toBeInstanceOf(UnknownModelError);
    await expect(chatting).rejects.toThrow('unknown model "gpt-9"; available: gpt-3.5-turbo-instruct, gpt-4o-mini, text-embedding-3-small');

    const embedding = provider.embed({ model: 'text-embedding-9', texts: ['hello'] });
    await expect(embedding).rejects.toMatchObject({
      name: 'UnknownModelError',
      model: 'text-embedding-9',
      available: ['gpt-3.5-turbo-instruct', 'gpt-4o-mini', 'text-embedding-3-small'],
    });
  });

  it('embed sends the whole batch in one request and returns the vectors in input order', async () => {
    const texts = ['The food was delicious and the waiter was kind.', 'Rain is expected tomorrow.', 'ok'];
    const result = await provider.embed({ model: 'text-embedding-3-small', texts });

    expect(sent('/v1/embeddings')).toEqual([{ model: 'text-embedding-3-small', input: texts, encoding_format: 'float' }]);
    // The fake answers last-first with an `index` on each vector; the provider puts them back in input order.
    expect(result).toEqual({
      model: 'text-embedding-3-small',
      dimension: 3,
      vectors: [fakeEmbeddingFor(texts[0] ?? ''), fakeEmbeddingFor(texts[1] ?? ''), fakeEmbeddingFor(texts[2] ?? '')],
    });
    expect(new Set(result.vectors.map((vector) => vector.join()))).toHaveProperty('size', 3);
  });

  it('listModels lists every model the server has, embedding models by name', async () => {
    const models = await provider.listModels();

    expect(models).toEqual([
      { name: 'gpt-3.5-turbo-instruct', kind: 'generation', provider: 'openai', contextLength: null, dimension: null },
      { name: 'gpt-4o-mini', kind: 'generation', provider: 'openai', contextLength: null, dimension: null },
      { name: 'text-embedding-3-small', kind: 'embedding', provider: 'openai', contextLength: null, dimension: null },
    ]);
  });
});
