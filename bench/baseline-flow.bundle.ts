// The workflow bundle of the flow benchmark's worker: the product's runFlow and the baseline beside it.
export { runFlow } from '../workflows/src/workflows';
export { baselineFlow } from './baseline-flow.workflow';
