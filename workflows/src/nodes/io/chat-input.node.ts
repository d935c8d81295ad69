import { z } from 'zod';
import { defineNode } from '../../flow/define-node';

export const chatInputNode = defineNode({
  type: 'io.chat-input',
  version: 1,
  title: 'Chat Input',
  category: 'input-output',
  description: "The user's chat message (the run input named \"message\"), the conversation before it, and both together as the messages a model reads.",
  inputs: {},
  outputs: {
    message: { type: 'text', label: 'Message' },
    history: { type: 'messages', label: 'History', description: 'Earlier turns of the conversation, oldest first (empty on the first turn)' },
    messages: { type: 'messages', label: 'Messages', description: 'The history followed by this message as a user message' },
  },
  params: z.object({}),
  run: { kind: 'inline' },
});
