import { z } from 'zod';
import { defineNode, pureVersion, standardRetry } from '../../flow/define-node';

export const conditionNode = defineNode({
  type: 'control.condition',
  version: 1,
  title: 'Condition',
  category: 'control',
  description: 'Sends its input down the "true" or the "false" branch; the nodes on the other branch are skipped.',
  inputs: { value: { type: 'any', label: 'Value' } },
  outputs: {
    true: { type: 'any', label: 'True' },
    false: { type: 'any', label: 'False' },
  },
  params: z.object({
    operator: z.enum(['contains', 'equals', 'matches', 'not-empty', 'longer-than']).default('not-empty').describe('How the value (as text) is tested'),
    value: z.string().max(10_000).default('').describe('What to compare with: text, a regular expression, or a length'),
    caseSensitive: z.boolean().default(false).describe('Compare letters exactly'),
  }),
  run: { kind: 'activity', activity: 'nodeCondition', startToCloseTimeout: '30 seconds', retry: standardRetry },
});

/** Version 2 is evaluated inside the workflow (see NodeRun); version 1 stays an activity for the flows that use it. */
export const conditionNodeV2 = pureVersion(conditionNode, 2);
