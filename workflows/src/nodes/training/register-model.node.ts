import { z } from 'zod';
import { defineNode } from '../../flow/define-node';

export const modelNamePattern = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export const registerModelNode = defineNode({
  type: 'training.register-model',
  version: 1,
  title: 'Register Model',
  category: 'training',
  description: 'Records the tuned model in the model catalogue with its lineage (base, dataset hash, hyperparameters, metrics, file sha256), usable at once by Generate and the chat APIs; pushed to Ollama too where Ollama serves the models (OLLAMA_HOST).',
  inputs: {
    job: { type: 'json', label: 'Fine-tune job' },
    name: { type: 'text', label: 'Name', description: 'The new model\'s name, when not given as a parameter', required: false },
  },
  outputs: { model: { type: 'text', label: 'Model name' }, job: { type: 'json', label: 'Fine-tune job' } },
  params: z.object({
    name: z.union([z.literal(''), z.string().regex(modelNamePattern, 'lower-case letters, digits, ".", "_" and "-", at most 63')]).default('').describe('The new model\'s name (or connect the Name input)'),
    format: z.enum(['lora', 'Q8_0', 'Q4_K_M', 'f16']).default('lora').describe('What to serve: the base GGUF plus the LoRA GGUF, or a merged file'),
    allowLossyFormat: z.boolean().default(false).describe('Register a format that was flagged as losing the fine-tune'),
    pushToOllama: z.boolean().default(true).describe('When the worker serves models from Ollama (OLLAMA_HOST), push the files there under the same name'),
  }),
  run: { kind: 'activity', activity: 'nodeRegisterModel', startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 3, initialInterval: '1 second', backoffCoefficient: 2 } },
});
