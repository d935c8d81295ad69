// The GGUF side of the fine-tune pipeline: llama.cpp's own converters (from the git bundle inside
// node-llama-cpp, cloned by provisioning into .models/llama.cpp), llama_model_quantize from the prebuilt
// libllama through koffi, and validation loss measured in node-llama-cpp on every file made.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import koffi from 'koffi';
import { getLlama, LlamaLogLevel, readGgufFileInfo, type Llama } from 'node-llama-cpp';
import { z } from 'zod';
import type { QuantType } from '@astra/workflows/flow';

/** llama.cpp's `llama_ftype` values of the types Astra writes. */
export const fileTypes = { f16: 1, Q8_0: 7, Q4_K_M: 15 } as const;
const fileTypeNames = new Map<number, string>([[0, 'F32'], [1, 'F16'], [7, 'Q8_0'], [15, 'Q4_K_M'], [3, 'Q4_1'], [32, 'BF16']]);

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The file type a GGUF declares (general.file_type), read from its header. */
export async function ggufFileType(file: string): Promise<string> {
  const info = await readGgufFileInfo(file, { readTensorInfo: false });
  const parsed = z.object({ general: z.object({ file_type: z.number().int().optional() }).loose() }).loose().safeParse(info.metadata);
  const type = parsed.success ? parsed.data.general.file_type : undefined;
  // An adapter declares no file type; its tensors are F16 as converted.
  return type === undefined ? 'F16 (adapter)' : (fileTypeNames.get(type) ?? `ftype ${type}`);
}

let quantizeFn: ((input: string, output: string, params: unknown) => Promise<number>) | undefined;
let defaultParams: (() => Record<string, unknown>) | undefined;

/** llama_model_quantize from the prebuilt libllama that node-llama-cpp ships, through koffi. */
function quantizer() {
  if (!quantizeFn || !defaultParams) {
    // The prebuilt CPU binaries node-llama-cpp loads (its package.json is not exported, its entry point is).
    const binsDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@node-llama-cpp/linux-x64')), '..', 'bins', 'linux-x64');
    const library = koffi.load(path.join(binsDir, 'libllama.v0.4.0.so'));
    // llama_model_quantize_params (64 bytes): four int32, six bools, five pointers.
    const params = koffi.struct('llama_model_quantize_params', {
      nthread: 'int32_t', ftype: 'int32_t', output_tensor_type: 'int32_t', token_embedding_type: 'int32_t',
      allow_requantize: 'bool', quantize_output_tensor: 'bool', only_copy: 'bool', pure: 'bool', keep_split: 'bool', dry_run: 'bool',
      imatrix: 'void *', kv_overrides: 'void *', tensor_types: 'void *', prune_layers: 'void *', max_buf_size: 'size_t',
    });
    if (koffi.sizeof(params) !== 64) throw new Error(`llama_model_quantize_params is ${koffi.sizeof(params)} bytes here, not 64: the libllama build changed`);
    library.func('void llama_backend_init()')();
    const quantize = library.func('uint32_t llama_model_quantize(const char *input, const char *output, const llama_model_quantize_params *params)');
    const defaults = library.func('llama_model_quantize_params llama_model_quantize_default_params()');
    defaultParams = () => z.record(z.string(), z.unknown()).parse(defaults());
    quantizeFn = (input, output, value) => new Promise((resolve, reject) => {
      quantize.async(input, output, value, (error: unknown, result: unknown) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(z.number().parse(result))));
    });
  }
  return { quantize: quantizeFn, defaults: defaultParams };
}

/** Quantises an F16/F32 GGUF to `type` (never a quantised input: requantising is refused by llama.cpp's own flag). */
export async function quantizeGguf(input: string, output: string, type: QuantType, threads: number): Promise<void> {
  const { quantize, defaults } = quantizer();
  const params = { ...defaults(), ftype: fileTypes[type], nthread: threads, allow_requantize: false };
  const code = await quantize(input, output, params);
  if (code !== 0) throw new Error(`llama_model_quantize(${path.basename(input)} -> ${type}) returned ${code}`);
}

/** One validation example as the Python side rendered it with the model's chat template. */
export const renderedExampleSchema = z.object({ prompt: z.string(), full: z.string() });
export type RenderedExample = z.infer<typeof renderedExampleSchema>;

let llama: Promise<Llama> | undefined;

/**
 * Mean next-token loss over the reply tokens (the prompt masked, as in training) of a GGUF model,
 * optionally with a LoRA GGUF applied at run time: the figure set beside PyTorch's.
 */
export async function ggufValidationLoss(options: { model: string; lora?: string; examples: RenderedExample[]; threads: number }): Promise<number> {
  llama ??= getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
  const model = await (await llama).loadModel({ modelPath: options.model });
  try {
    const context = await model.createContext({ contextSize: 1024, threads: options.threads, ...(options.lora ? { lora: { adapters: [{ filePath: options.lora }] } } : {}) });
    try {
      let total = 0;
      let count = 0;
      for (const example of options.examples) {
        const tokens = model.tokenize(example.full, true).slice(0, 1000);
        const promptLength = model.tokenize(example.prompt, true).length;
        const sequence = context.getSequence();
        try {
          const wanted = (i: number) => i >= promptLength - 1 && i < tokens.length - 1;
          const results = await sequence.controlledEvaluate(tokens.map((token, i) =>
            wanted(i) ? [token, { generateNext: { probabilities: true, options: { temperature: 1, topK: 0, topP: 1, minP: 0 } } }] : token));
          for (let i = 0; i < tokens.length - 1; i++) {
            if (!wanted(i)) continue;
            const probability = results[i]?.next.probabilities?.get(tokens[i + 1]!) ?? 1e-10;
            total -= Math.log(Math.max(probability, 1e-10));
            count++;
          }
        } finally {
          await sequence.dispose();
        }
      }
      return total / Math.max(1, count);
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
}

export async function fileSize(file: string): Promise<number> {
  return (await stat(file)).size;
}
