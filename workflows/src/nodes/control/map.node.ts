import { z } from 'zod';
import { defineNode } from '../../flow/define-node';

export const mapNode = defineNode({
  type: 'control.map',
  version: 1,
  title: 'Map over List',
  category: 'control',
  description: 'Applies a template to every item of a list ({{item}}, {{item.field}}, {{index}}); with a model set, each result is sent to it and the replies form the list.',
  inputs: { list: { type: 'list', label: 'List' } },
  outputs: { list: { type: 'list', label: 'Results' } },
  params: z.object({
    template: z.string().min(1).max(100_000).default('{{item}}').describe('Text made for each item'),
    model: z.string().default('').describe('Optional generation model each item is sent to'),
    maxTokens: z.number().int().min(1).max(8192).default(200).describe('Longest reply per item, in tokens'),
    maxItems: z.number().int().min(1).max(10_000).default(1000).describe('Refuse longer lists'),
  }),
  run: { kind: 'activity', activity: 'nodeMap', startToCloseTimeout: '1 hour', heartbeatTimeout: '30 seconds', retry: { maximumAttempts: 3, initialInterval: '1 second', backoffCoefficient: 2 } },
});
