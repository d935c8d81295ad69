import { z } from 'zod';
import { defineNode } from '../../flow/define-node';
import { quantTypes } from './job';

export const quantizeNode = defineNode({
  type: 'training.quantize',
  version: 1,
  title: 'Quantise',
  category: 'training',
  description: 'Quantises the merged F16 GGUF (never a quantised file) with llama.cpp\'s llama_model_quantize; each result is loaded, its file type read and its validation loss measured beside F16\'s, and a type that loses the fine-tune is flagged.',
  inputs: { job: { type: 'json', label: 'Fine-tune job' } },
  outputs: { job: { type: 'json', label: 'Fine-tune job' } },
  params: z.object({
    types: z.array(z.enum(quantTypes)).min(1).max(2).default(['Q8_0', 'Q4_K_M']).describe('Quantisation types'),
  }),
  run: { kind: 'activity', activity: 'nodeQuantize', queue: 'training', startToCloseTimeout: '1 hour', heartbeatTimeout: '2 minutes', retry: { maximumAttempts: 3, initialInterval: '2 seconds', backoffCoefficient: 2 } },
});
