import { z } from 'zod';
import { defineNode } from '../../flow/define-node';

export const prepareDatasetNode = defineNode({
  type: 'training.prepare-dataset',
  version: 1,
  title: 'Prepare Dataset',
  category: 'training',
  description: 'Validates a JSONL fine-tuning file line by line (OpenAI chat or Alpaca format), dedupes it, drops examples longer than the base model\'s context and splits train/validation; a bad line fails with its number unless skipping is asked for.',
  inputs: { data: { type: 'text', label: 'JSONL', description: 'The file\'s text; or leave unconnected and give an uploaded file\'s path', required: false } },
  outputs: { job: { type: 'json', label: 'Fine-tune job' } },
  params: z.object({
    path: z.string().max(4096).default('').describe('A JSONL file on the server (admins), when the JSONL input is not connected'),
    baseModel: z.string().min(1).default('smollm2-135m-instruct').describe('The model to fine-tune'),
    skipInvalid: z.boolean().default(false).describe('Train on the valid lines of a file with errors'),
    validationFraction: z.number().min(0.05).max(0.5).default(0.1).describe('Share of examples held out for validation'),
    maxTokens: z.number().int().min(16).max(8192).default(512).describe('Longest example, in tokens'),
  }),
  run: { kind: 'activity', activity: 'nodePrepareDataset', startToCloseTimeout: '5 minutes', heartbeatTimeout: '1 minute', retry: { maximumAttempts: 3, initialInterval: '1 second', backoffCoefficient: 2 } },
});
