// Bundles the workflow code as the worker will, so a sandbox violation fails the build (CI and `npm test`).
import { bundleWorkflowCode } from '@temporalio/worker';
import { runMetricsInterceptorPath, workflowsPath } from '../src/index';

const bundle = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: [runMetricsInterceptorPath] });
console.log(`workflow bundle ok: ${(bundle.code.length / 1024).toFixed(0)} KiB`);
