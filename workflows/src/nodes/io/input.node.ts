import { z } from 'zod';
import { defineNode } from '../../flow/define-node';

export const inputNode = defineNode({
  type: 'io.input',
  version: 1,
  title: 'Input',
  category: 'input-output',
  description: 'A value the run is started with (a question, a folder, a URL); named so runs and notebooks can pass it.',
  inputs: {},
  outputs: { value: { type: 'text', label: 'Value' } },
  params: z.object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'an input name is a letter then letters, digits or "_"').describe('The name a run passes this value under'),
    label: z.string().max(200).default('').describe('What the run form shows'),
    default: z.string().max(100_000).optional().describe('Used when the run does not pass a value'),
    required: z.boolean().default(true).describe('Refuse runs that leave it empty'),
  }),
  run: { kind: 'inline' },
});
