import { z } from 'zod';
import { defineNode } from '../../flow/define-node';

export const chatOutputNode = defineNode({
  type: 'io.chat-output',
  version: 1,
  title: 'Chat Output',
  category: 'input-output',
  description: 'The reply shown in chat; the run output is named "message".',
  inputs: { message: { type: 'any', label: 'Message' } },
  outputs: {},
  params: z.object({}),
  run: { kind: 'inline' },
});
