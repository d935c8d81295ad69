import { z } from 'zod';
import { defineNode } from '../../flow/define-node';

export const generateNode = defineNode({
  type: 'models.generate',
  version: 1,
  title: 'Generate',
  category: 'models',
  description: 'Generates text with a language model, streaming tokens to the run view.',
  inputs: { prompt: { type: 'messages', label: 'Prompt', description: 'Messages, or plain text sent as one user message' } },
  outputs: { text: { type: 'text', label: 'Text' } },
  params: z.object({
    model: z.string().min(1).default('smollm2-135m-instruct').describe('Generation model'),
    maxTokens: z.number().int().min(1).max(8192).default(300).describe('Longest reply, in tokens'),
    temperature: z.number().min(0).max(2).default(0).describe('0 always picks the likeliest token'),
    stop: z.array(z.string().min(1).max(100)).max(8).default([]).describe('Stop when one of these appears'),
  }),
  // Model calls queue behind each other on a local model anyway; two at a time keeps worker slots for the rest of the run.
  concurrency: 2,
  run: { kind: 'activity', activity: 'nodeGenerate', queue: 'generation', startToCloseTimeout: '10 minutes', heartbeatTimeout: '30 seconds', retry: { maximumAttempts: 3, initialInterval: '1 second', backoffCoefficient: 2 } },
});
