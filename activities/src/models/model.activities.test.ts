import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveModelsDir } from './config';
import { createLocalProvider } from './local-provider';
import { readModelManifest } from './manifest';
import { createModelActivities } from './model.activities';
import type { ModelProvider } from './provider';

/** MockActivityEnvironment.run loses the activity's types; this keeps them. */
function runIn<F extends (...args: never[]) => Promise<unknown>>(env: MockActivityEnvironment, activity: F, ...args: Parameters<F>): ReturnType<F> {
  return env.run(activity, ...args) as ReturnType<F>;
}

let models: ModelProvider;
let activities: ReturnType<typeof createModelActivities>;
beforeAll(async () => {
  models = createLocalProvider({ models: await readModelManifest(resolveModelsDir()) });
  activities = createModelActivities({ models });
  // Load the generation model up front so the cancellation test times generation, not loading.
  await models.generate({ model: 'smollm2-135m-instruct', prompt: 'Hello', maxTokens: 1 });
});
afterAll(() => models.close());

describe('model activities in a Temporal activity context', () => {
  it('embedTexts embeds 70 texts in batches, heartbeating after each batch, in input order', async () => {
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const texts = Array.from({ length: 70 }, (_, i) => `sentence number ${i} about ${i % 2 ? 'cats' : 'databases'}`);
    const result = await runIn(env, activities.embedTexts, { model: 'all-minilm-l6-v2', texts });
    expect(result.dimension).toBe(384);
    expect(result.vectors).toHaveLength(70);
    expect(beats).toEqual([{ embedded: 32, of: 70 }, { embedded: 64, of: 70 }, { embedded: 70, of: 70 }]);
    const [single] = (await models.embed({ model: 'all-minilm-l6-v2', texts: [texts[41]!] })).vectors;
    expect(Math.max(...single!.map((value, i) => Math.abs(value - result.vectors[41]![i]!)))).toBeLessThan(1e-4);
  });

  it('generateText stops when the activity is cancelled and reports the text so far', async () => {
    const env = new MockActivityEnvironment();
    const run = runIn(env, activities.generateText, { model: 'smollm2-135m-instruct', prompt: 'Once upon a time, in a land far away, there lived a dragon who', maxTokens: 400 });
    setTimeout(() => env.cancel(), 300);
    const result = await run;
    expect(result.finishReason).toBe('abort');
    expect(result.text.length).toBeGreaterThan(0);
  });

  it('turns bad input into a non-retryable failure that names the problem', async () => {
    const env = new MockActivityEnvironment();
    const unknown = await env.run(activities.generateText, { model: 'nope', prompt: 'hi' }).catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(ApplicationFailure);
    expect(unknown instanceof ApplicationFailure && unknown.nonRetryable).toBe(true);
    expect(unknown instanceof ApplicationFailure && unknown.message).toMatch(/unknown model "nope"/);
    const tooLong = await runIn(env, activities.embedTexts, { model: 'all-minilm-l6-v2', texts: ['word '.repeat(600)] }).catch((error: unknown) => error);
    expect(tooLong instanceof ApplicationFailure && tooLong.type).toBe('ContextOverflowError');
    expect(tooLong instanceof ApplicationFailure && tooLong.nonRetryable).toBe(true);
  });
});
