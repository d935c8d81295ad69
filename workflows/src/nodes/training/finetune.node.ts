import { z } from 'zod';
import { defineNode } from '../../flow/define-node';

export const fineTuneNode = defineNode({
  type: 'training.finetune',
  version: 1,
  title: 'Fine-tune (LoRA)',
  category: 'training',
  description: 'Trains a LoRA adapter on the prepared dataset in a PyTorch child process, reporting step, loss, tokens/s and ETA; checkpoints every N steps, so a retry after a killed worker resumes from the last one.',
  inputs: { job: { type: 'json', label: 'Fine-tune job' } },
  outputs: { job: { type: 'json', label: 'Fine-tune job' } },
  params: z.object({
    steps: z.number().int().min(1).max(20000).default(150).describe('Optimizer steps'),
    loraR: z.number().int().min(1).max(256).default(8).describe('LoRA rank'),
    loraAlpha: z.number().int().min(1).max(512).default(16).describe('LoRA alpha'),
    learningRate: z.number().min(1e-6).max(1e-1).default(2e-3).describe('Peak learning rate'),
    batchSize: z.number().int().min(1).max(64).default(4).describe('Examples per step'),
    checkpointEvery: z.number().int().min(1).max(10000).default(25).describe('Checkpoint every this many steps'),
    evalEvery: z.number().int().min(1).max(10000).default(25).describe('Validation loss every this many steps'),
    seed: z.number().int().min(0).default(0),
  }),
  // One training at a time per run: it takes the machine's cores.
  concurrency: 1,
  run: { kind: 'activity', activity: 'nodeFineTune', queue: 'training', startToCloseTimeout: '6 hours', heartbeatTimeout: '30 seconds', retry: { maximumAttempts: 4, initialInterval: '2 seconds', backoffCoefficient: 2 } },
});
