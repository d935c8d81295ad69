import { z } from 'zod';
import { defineNode, pureVersion, standardRetry } from '../../flow/define-node';

export const textTemplateNode = defineNode({
  type: 'text.template',
  version: 1,
  title: 'Text Template',
  category: 'text',
  description: 'Writes text from a template: {{input}} and {{context}} are replaced by the inputs (lists and documents as their text).',
  inputs: {
    input: { type: 'text', label: 'Input', required: false },
    context: { type: 'text', label: 'Context', required: false },
  },
  outputs: { text: { type: 'text', label: 'Text' } },
  params: z.object({
    template: z.string().min(1).max(100_000).default('{{input}}').describe('The text; {{input}} and {{context}} are replaced'),
  }),
  run: { kind: 'activity', activity: 'nodeTextTemplate', startToCloseTimeout: '30 seconds', retry: standardRetry },
});

/** Version 2 is evaluated inside the workflow (see NodeRun); version 1 stays an activity for the flows that use it. */
export const textTemplateNodeV2 = pureVersion(textTemplateNode, 2);
