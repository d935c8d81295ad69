import { z } from 'zod';
import { defineNode } from '../../flow/define-node';

export const chatInputNode = defineNode({
  type: 'io.chat-input',
  version: 1,
  title: 'Chat Input',
  category: 'input-output',
  description: "The user's chat message; the run input is named \"message\".",
  inputs: {},
  outputs: { message: { type: 'text', label: 'Message' } },
  params: z.object({}),
  run: { kind: 'inline' },
});
