import { z } from 'zod';
import { defineNode } from '../../flow/define-node';

export const answerNode = defineNode({
  type: 'rag.answer',
  version: 1,
  title: 'Answer with Citations',
  category: 'rag',
  description: 'Answers a question from retrieved passages, streaming the answer, with numbered citations.',
  inputs: {
    question: { type: 'text', label: 'Question' },
    passages: { type: 'passages', label: 'Passages' },
  },
  outputs: {
    answer: { type: 'answer', label: 'Answer' },
    text: { type: 'text', label: 'Answer text' },
  },
  params: z.object({
    model: z.string().min(1).default('smollm2-135m-instruct').describe('Generation model'),
    maxTokens: z.number().int().min(1).max(8192).default(300).describe('Longest answer, in tokens'),
    style: z
      .enum(['auto', 'extractive', 'generative'])
      .default('auto')
      .describe('extractive quotes the passage sentences that answer, each with its [n]; generative lets the model write; auto quotes when the model is small (under 1 GB)'),
  }),
  run: { kind: 'activity', activity: 'nodeAnswer', queue: 'generation', startToCloseTimeout: '10 minutes', heartbeatTimeout: '30 seconds', retry: { maximumAttempts: 3, initialInterval: '1 second', backoffCoefficient: 2 } },
});
