// Bundles the workflow code as the worker will, so a sandbox violation fails the build (CI and `npm test`).
// With a path, also writes the bundle there: images build it once and the worker loads it
// (ASTRA_WORKFLOW_BUNDLE) instead of bundling at every start.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { otelWorkflowInterceptorPath } from '../../activities/src/tracing';
import { requestIdInterceptorPath, runMetricsInterceptorPath, workflowsPath } from '../src/index';

const bundle = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: [runMetricsInterceptorPath, requestIdInterceptorPath, otelWorkflowInterceptorPath] });
const out = process.argv[2];
if (out) {
  await mkdir(path.dirname(path.resolve(out)), { recursive: true });
  await writeFile(out, bundle.code);
}
console.log(`workflow bundle ok: ${(bundle.code.length / 1024).toFixed(0)} KiB${out ? `, written to ${out}` : ''}`);
