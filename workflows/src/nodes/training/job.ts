// The fine-tune job: the one value that travels from Prepare Dataset through Register Model, growing at
// each node. It holds references (artifact folders, files) and small figures only, never weights.
import { z } from 'zod';

export const quantTypes = ['Q8_0', 'Q4_K_M'] as const;
export type QuantType = (typeof quantTypes)[number];

const lossPoint = z.object({ step: z.number().int().min(0), loss: z.number().optional(), valLoss: z.number().optional() });

/** A GGUF file this job made, with its validation loss measured in node-llama-cpp (the PyTorch figure beside it). */
export const exportedFileSchema = z.object({
  format: z.enum(['lora', 'f16', 'Q8_0', 'Q4_K_M']),
  path: z.string(),
  sha256: z.string(),
  sizeBytes: z.number().int().positive(),
  fileType: z.string(),
  valLoss: z.number(),
  /** How far this file's loss drifted from the tuned PyTorch model's; beyond the threshold the fine-tune is flagged as lost. */
  keepsFineTune: z.boolean(),
});

export const fineTuneJobSchema = z.object({
  /** The job's artifact folder on the machine that made this value (under its data folder; shared by every worker by default). */
  dir: z.string(),
  /** With an S3 artifact store: the folder's key prefix in the bucket, which the next machine copies the folder from. */
  artifacts: z.string().optional(),
  dataset: z.object({
    sha256: z.string(),
    train: z.string(),
    val: z.string(),
    stats: z.object({ lines: z.number().int(), examples: z.number().int(), duplicates: z.number().int(), tooLong: z.number().int(), skippedInvalid: z.number().int(), train: z.number().int(), val: z.number().int(), format: z.string() }),
  }),
  base: z.object({ model: z.string(), gguf: z.string(), sha256: z.string(), hf: z.string().optional() }),
  training: z
    .object({
      adapter: z.string(),
      hyperparameters: z.object({ steps: z.number().int(), loraR: z.number().int(), loraAlpha: z.number().int(), learningRate: z.number(), batchSize: z.number().int() }),
      history: z.array(lossPoint),
      resumedFrom: z.number().int().nullable(),
      seconds: z.number(),
      device: z.string(),
    })
    .optional(),
  evaluation: z
    .object({
      before: z.object({ valLoss: z.number(), perplexity: z.number() }),
      after: z.object({ valLoss: z.number(), perplexity: z.number() }),
      samples: z.array(z.object({ prompt: z.string(), before: z.string(), after: z.string() })),
    })
    .optional(),
  merged: z.string().optional(),
  files: z.array(exportedFileSchema).default([]),
});

export type FineTuneJob = z.infer<typeof fineTuneJobSchema>;
export type ExportedFile = z.infer<typeof exportedFileSchema>;

/**
 * What a registered fine-tune records about itself (models.lineage): its base, its dataset, how it was
 * trained and what each file it made measured. Written by Register Model, read by the model page and
 * `astra models show`. Losses are null where a figure was not measured (JSON has no NaN).
 */
export const modelLineageSchema = z.object({
  base: z.object({ model: z.string(), sha256: z.string() }),
  dataset: z.object({ sha256: z.string(), stats: fineTuneJobSchema.shape.dataset.shape.stats }),
  hyperparameters: z.object({ steps: z.number(), loraR: z.number(), loraAlpha: z.number(), learningRate: z.number(), batchSize: z.number() }).optional(),
  metrics: z.object({
    before: z.number().nullable(),
    after: z.number().nullable(),
    files: z.array(z.object({ format: z.string(), valLoss: z.number().nullable(), sizeBytes: z.number(), keepsFineTune: z.boolean(), sha256: z.string().optional(), fileType: z.string().optional() })),
    trainingSeconds: z.number().optional(),
    device: z.string().optional(),
    resumedFrom: z.number().nullable().optional(),
  }),
  file: z.object({ format: z.string(), path: z.string(), sha256: z.string() }),
  run: z.object({ runId: z.string(), nodeId: z.string() }).optional(),
  /** The whole job, so `astra quantize` can go on from its F16 later. */
  job: fineTuneJobSchema.optional(),
});

export type ModelLineage = z.infer<typeof modelLineageSchema>;
