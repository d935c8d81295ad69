import { z } from 'zod';
import { defineNode, pureVersion, standardRetry } from '../../flow/define-node';

export const mergeNode = defineNode({
  type: 'control.merge',
  version: 1,
  title: 'Merge',
  category: 'control',
  description: 'Joins branches: passes on the first input that arrived, or all of them as a list. Runs when any input arrives.',
  inputs: {
    a: { type: 'any', label: 'A', required: false },
    b: { type: 'any', label: 'B', required: false },
  },
  outputs: { value: { type: 'any', label: 'Value' } },
  params: z.object({
    mode: z.enum(['first', 'list']).default('first').describe('First arrived input, or a list of all that arrived'),
  }),
  runsWithSkippedInputs: true,
  run: { kind: 'activity', activity: 'nodeMerge', startToCloseTimeout: '30 seconds', retry: standardRetry },
});

/** Version 2 is evaluated inside the workflow (see NodeRun); version 1 stays an activity for the flows that use it. */
export const mergeNodeV2 = pureVersion(mergeNode, 2);
