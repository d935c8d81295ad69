import { z } from 'zod';
import { defineNode, standardRetry } from '../../flow/define-node';

export const waitNode = defineNode({
  type: 'util.wait',
  version: 1,
  title: 'Wait',
  category: 'utility',
  description: 'Waits, then passes its input on; for pacing calls to rate-limited services.',
  inputs: { value: { type: 'any', label: 'Value', required: false } },
  outputs: { value: { type: 'any', label: 'Value' } },
  params: z.object({
    milliseconds: z.number().int().min(0).max(3_600_000).default(1000).describe('How long to wait'),
  }),
  run: { kind: 'activity', activity: 'nodeWait', startToCloseTimeout: '2 hours', heartbeatTimeout: '10 seconds', retry: standardRetry },
});
