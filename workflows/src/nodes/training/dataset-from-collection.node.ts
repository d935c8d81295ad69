import { z } from 'zod';
import { defineNode } from '../../flow/define-node';

export const datasetFromCollectionNode = defineNode({
  type: 'training.dataset-from-collection',
  version: 1,
  title: 'Dataset from Collection',
  category: 'training',
  description: 'Writes a fine-tuning dataset (chat JSONL) from a collection\'s chunks: a generation model asks one question per chunk, and the answer is quoted from the chunk (extractive) or written by the model from it (generative). Feed it to Prepare Dataset.',
  inputs: { collection: { type: 'collection', label: 'Collection', required: false } },
  outputs: { data: { type: 'text', label: 'JSONL' } },
  params: z.object({
    collection: z.string().max(200).default('').describe('The collection to read, when none is connected'),
    model: z.string().min(1).default('smollm2-135m-instruct').describe('The model that writes the questions (and generative answers)'),
    answers: z.enum(['auto', 'extractive', 'generative']).default('auto').describe('extractive quotes the chunk\'s sentences that answer; generative lets the model write; auto quotes when the model is small (under 1 GB)'),
    maxChunks: z.number().int().min(1).max(5000).default(100).describe('Chunks read at most, in document order'),
    system: z.string().max(4000).default('').describe('A system message put at the start of every example'),
  }),
  run: { kind: 'activity', activity: 'nodeDatasetFromCollection', startToCloseTimeout: '2 hours', heartbeatTimeout: '1 minute', retry: { maximumAttempts: 3, initialInterval: '1 second', backoffCoefficient: 2 } },
});
