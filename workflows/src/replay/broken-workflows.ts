// A deliberately non-deterministic change, for the replay gate's own test: Merge now needs its second
// input and no longer runs when one of its inputs was skipped. A run recorded before this change
// scheduled Merge's activity; replayed after it, the workflow would not. The gate must refuse it.
import { mergeNode } from '../nodes/control/merge.node.ts';

Object.assign(mergeNode, { runsWithSkippedInputs: false, inputs: { ...mergeNode.inputs, b: { ...mergeNode.inputs.b, required: true } } });

export * from '../workflows';
