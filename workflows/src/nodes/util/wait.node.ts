import { z } from 'zod';
import { defineNode } from '../../flow/define-node';

export const waitNode = defineNode({
  type: 'util.wait',
  version: 1,
  title: 'Wait',
  category: 'utility',
  description: 'Waits, then passes its input on; for pacing calls to rate-limited services. A durable timer: it survives restarts and holds no worker slot.',
  inputs: { value: { type: 'any', label: 'Value', required: false } },
  outputs: { value: { type: 'any', label: 'Value' } },
  params: z.object({
    milliseconds: z.number().int().min(0).max(7 * 24 * 3_600_000).default(1000).describe('How long to wait (up to 7 days)'),
  }),
  run: { kind: 'inline' },
});
