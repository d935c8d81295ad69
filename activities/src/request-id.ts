// The request id a run was started by (a Temporal header, see @astra/workflows/request-id) added to every
// log line an activity writes through its context logger, as the worker's JSON logs print them.
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { requestIdFrom } from '@astra/workflows/request-id';

export const requestIdActivityInterceptor: ActivityInterceptorsFactory = () => {
  let requestId: string | undefined;
  return {
    inbound: {
      execute(input, next) {
        requestId = requestIdFrom(input.headers);
        return next(input);
      },
    },
    outbound: {
      getLogAttributes: (input, next) => next(requestId ? { ...input, requestId } : input),
    },
  };
};
