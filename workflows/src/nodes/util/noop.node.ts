import { z } from 'zod';
import { defineNode, pureVersion, standardRetry } from '../../flow/define-node';

export const noopNode = defineNode({
  type: 'util.pass-through',
  version: 1,
  title: 'Pass Through',
  category: 'utility',
  description: 'Passes its input on unchanged; a placeholder or a junction.',
  inputs: { value: { type: 'any', label: 'Value', required: false } },
  outputs: { value: { type: 'any', label: 'Value' } },
  params: z.object({}),
  run: { kind: 'activity', activity: 'nodePassThrough', startToCloseTimeout: '30 seconds', retry: standardRetry },
});

/** Version 2 is evaluated inside the workflow (see NodeRun); version 1 stays an activity for the flows that use it. */
export const noopNodeV2 = pureVersion(noopNode, 2);
