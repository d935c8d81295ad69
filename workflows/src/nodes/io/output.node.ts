import { z } from 'zod';
import { defineNode } from '../../flow/define-node';

export const outputNode = defineNode({
  type: 'io.output',
  version: 1,
  title: 'Output',
  category: 'input-output',
  description: 'A result of the run, under a name; what `astra run` prints and notebooks receive.',
  inputs: { value: { type: 'any', label: 'Value' } },
  outputs: {},
  params: z.object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'an output name is a letter then letters, digits or "_"').default('result').describe('The name the result is reported under'),
  }),
  run: { kind: 'inline' },
});
