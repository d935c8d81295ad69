import { z } from 'zod';
import { defineNode } from '../../flow/define-node';

export const exportGgufNode = defineNode({
  type: 'training.export-gguf',
  version: 1,
  title: 'Export GGUF',
  category: 'training',
  description: 'Converts the adapter to a GGUF LoRA usable on top of the base model and, optionally, merges it into a GGUF F16; each file is loaded and its validation loss measured in llama.cpp.',
  inputs: { job: { type: 'json', label: 'Fine-tune job' } },
  outputs: { job: { type: 'json', label: 'Fine-tune job' } },
  params: z.object({
    merge: z.boolean().default(true).describe('Also merge into a GGUF F16 (needed to quantise)'),
  }),
  run: { kind: 'activity', activity: 'nodeExportGguf', queue: 'training', startToCloseTimeout: '1 hour', heartbeatTimeout: '2 minutes', retry: { maximumAttempts: 3, initialInterval: '2 seconds', backoffCoefficient: 2 } },
});
