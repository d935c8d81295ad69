// Carries the request id header (flow/request-id.ts) from the workflow's start to every activity, local
// activity, child workflow and continue-as-new it schedules, and adds it to the workflow's log lines.
// Headers are not compared on replay, so this never changes what a recorded run does.
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { requestIdFrom, withRequestId } from './request-id';

export const interceptors: WorkflowInterceptorsFactory = () => {
  // One per workflow execution: the factory runs for each.
  let requestId: string | undefined;
  return {
    inbound: [{
      execute(input, next) {
        requestId = requestIdFrom(input.headers);
        return next(input);
      },
    }],
    outbound: [{
      scheduleActivity: (input, next) => next({ ...input, headers: withRequestId(input.headers, requestId) }),
      scheduleLocalActivity: (input, next) => next({ ...input, headers: withRequestId(input.headers, requestId) }),
      startChildWorkflowExecution: (input, next) => next({ ...input, headers: withRequestId(input.headers, requestId) }),
      continueAsNew: (input, next) => next({ ...input, headers: withRequestId(input.headers, requestId) }),
      getLogAttributes: (input, next) => next(requestId ? { ...input, requestId } : input),
    }],
  };
};
