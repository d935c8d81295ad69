import { z } from 'zod';
import { defineNode } from '../../flow/define-node';

export const evaluateNode = defineNode({
  type: 'training.evaluate',
  version: 1,
  title: 'Evaluate',
  category: 'training',
  description: 'Validation loss and perplexity of the base and the tuned model, and their replies to held-back prompts, stored with the job.',
  inputs: { job: { type: 'json', label: 'Fine-tune job' } },
  outputs: { job: { type: 'json', label: 'Fine-tune job' } },
  params: z.object({
    prompts: z.array(z.string().min(1).max(2000)).max(50).default([]).describe('Held-back prompts to sample before and after'),
    maxNewTokens: z.number().int().min(1).max(512).default(48),
  }),
  run: { kind: 'activity', activity: 'nodeEvaluateFineTune', queue: 'training', startToCloseTimeout: '1 hour', heartbeatTimeout: '2 minutes', retry: { maximumAttempts: 3, initialInterval: '2 seconds', backoffCoefficient: 2 } },
});
