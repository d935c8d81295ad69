import { z } from 'zod';
import { defineNode, pureVersion, standardRetry } from '../../flow/define-node';

export const promptTemplateNode = defineNode({
  type: 'models.prompt-template',
  version: 1,
  title: 'Prompt Template',
  category: 'models',
  description: 'Builds chat messages for a model: a system message and a user message with {{input}} and {{context}} filled in.',
  inputs: {
    input: { type: 'text', label: 'Input' },
    context: { type: 'text', label: 'Context', required: false },
  },
  outputs: { messages: { type: 'messages', label: 'Messages' } },
  params: z.object({
    system: z.string().max(20_000).default('You are a helpful assistant.').describe('System message'),
    template: z.string().min(1).max(100_000).default('{{input}}').describe('User message; {{input}} and {{context}} are replaced'),
  }),
  run: { kind: 'activity', activity: 'nodePromptTemplate', startToCloseTimeout: '30 seconds', retry: standardRetry },
});

/** Version 2 is evaluated inside the workflow (see NodeRun); version 1 stays an activity for the flows that use it. */
export const promptTemplateNodeV2 = pureVersion(promptTemplateNode, 2);
