// `npm run bench:models`: the local provider against calling node-llama-cpp directly, same models,
// same threads, same process, alternating rounds; prints each rate and the ratio provider / direct.
import { getLlama, LlamaCompletion, LlamaLogLevel } from 'node-llama-cpp';
import { createLocalProvider, defaultModelThreads, readModelManifest, resolveModelsDir } from '@astra/activities';
import { median } from './support/stats';

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const threads = Number(process.env.BENCH_THREADS ?? defaultModelThreads());
const generationModel = 'smollm2-135m-instruct';
const embeddingModel = 'all-minilm-l6-v2';
const generateTokens = 96;

const manifest = await readModelManifest(resolveModelsDir());
const pathOf = (name: string) => manifest.find((model) => model.name === name)!.path;

// A different prompt each round, so no run is served from another's KV cache.
const longPrompt = (round: number) => `Report ${round}. ` + Array.from({ length: 60 }, (_, i) => `Item ${i + round * 7} of the inventory is a ${['red', 'green', 'blue'][i % 3]} box.`).join(' ');
const sentences = Array.from({ length: 32 }, (_, i) => `Sentence ${i}: durable workflows keep running after a crash of process number ${i}.`);

// --- direct node-llama-cpp -------------------------------------------------------------------
const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
const genModel = await llama.loadModel({ modelPath: pathOf(generationModel) });
const genContext = await genModel.createContext({ contextSize: 4096, threads });
const embModel = await llama.loadModel({ modelPath: pathOf(embeddingModel) });
const embContext = await embModel.createEmbeddingContext({ contextSize: 258, threads });

const direct = {
  async generate(prompt: string, maxTokens: number): Promise<number> {
    const sequence = genContext.getSequence();
    const completion = new LlamaCompletion({ contextSequence: sequence });
    await completion.generateCompletion(prompt, { maxTokens, temperature: 0 });
    const tokens = sequence.tokenMeter.getState().usedOutputTokens;
    completion.dispose({ disposeSequence: false });
    await sequence.dispose();
    return tokens;
  },
  async embed(texts: string[]): Promise<void> {
    for (const text of texts) await embContext.getEmbeddingFor(text);
  },
};

// --- Astra's local provider ------------------------------------------------------------------
const provider = createLocalProvider({ models: manifest, threads });

interface Sample { direct: number; provider: number }
const results: Record<string, Sample[]> = { 'generation tokens/s': [], 'prompt tokens/s': [], 'embeddings/s (batch 1)': [], 'embeddings/s (batch 32)': [] };

async function rate(work: () => Promise<number>): Promise<number> {
  const began = performance.now();
  const units = await work();
  return units / ((performance.now() - began) / 1000);
}

// Warm both paths (model load, first evaluation) outside the measurements.
await direct.generate('Hello', 4);
await provider.generate({ model: generationModel, prompt: 'Hello', maxTokens: 4 });
await direct.embed(sentences.slice(0, 2));
await provider.embed({ model: embeddingModel, texts: sentences.slice(0, 2) });

for (let round = 0; round < rounds; round += 1) {
  const order = round % 2 === 0 ? ['direct', 'provider'] as const : ['provider', 'direct'] as const;
  for (const who of order) {
    const story = `Chapter ${round}${who}. Once upon a time, in a land far away, there lived a dragon who`;
    const generated = await rate(async () => (who === 'direct'
      ? await direct.generate(story, generateTokens)
      : (await provider.generate({ model: generationModel, prompt: story, maxTokens: generateTokens })).completionTokens));
    const prompt = longPrompt(round * 2 + (who === 'direct' ? 0 : 1));
    const promptTokens = genModel.tokenize(prompt).length;
    const prompted = await rate(async () => {
      if (who === 'direct') await direct.generate(prompt, 1);
      else await provider.generate({ model: generationModel, prompt, maxTokens: 1 });
      return promptTokens;
    });
    const single = await rate(async () => {
      for (const text of sentences) {
        if (who === 'direct') await direct.embed([text]);
        else await provider.embed({ model: embeddingModel, texts: [text] });
      }
      return sentences.length;
    });
    const batched = await rate(async () => {
      if (who === 'direct') await direct.embed(sentences);
      else await provider.embed({ model: embeddingModel, texts: sentences });
      return sentences.length;
    });
    const record = (name: string, value: number) => {
      const list = results[name]!;
      if (who === 'direct') list.push({ direct: value, provider: 0 });
      else if (list.length > round) list[round]!.provider = value;
      else list.push({ direct: 0, provider: value });
    };
    record('generation tokens/s', generated);
    record('prompt tokens/s', prompted);
    record('embeddings/s (batch 1)', single);
    record('embeddings/s (batch 32)', batched);
  }
  process.stdout.write(`round ${round + 1}/${rounds} done\n`);
}

console.log(`\nlocal provider vs node-llama-cpp called directly (median of ${rounds} alternating rounds, ${threads} threads)`);
console.log(`${'measure'.padEnd(26)}${'direct'.padStart(10)}${'provider'.padStart(10)}${'ratio'.padStart(8)}   target ≥ 0.95`);
for (const [name, samples] of Object.entries(results)) {
  const d = median(samples.map((s) => s.direct));
  const p = median(samples.map((s) => s.provider));
  console.log(`${name.padEnd(26)}${d.toFixed(1).padStart(10)}${p.toFixed(1).padStart(10)}${(p / d).toFixed(3).padStart(8)}   ${p / d >= 0.95 ? 'ok' : 'BELOW TARGET'}`);
}
await provider.close();
await llama.dispose();
