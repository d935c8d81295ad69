// The request being handled, for code far from the route (the Temporal client's interceptor): the HTTP
// middleware runs each request inside it, and every workflow the request starts carries its id as a header.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { withRequestId } from '@astra/workflows/request-id';

const requests = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `handle` as part of the request with this id. */
export function inRequest<T>(requestId: string, handle: () => T): T {
  return requests.run({ requestId }, handle);
}

/** The id of the request being handled, if any (a schedule firing has none). */
export const currentRequestId = (): string | undefined => requests.getStore()?.requestId;

/** Adds the current request's id to workflows this client starts, so worker logs name the request. */
export class RequestIdClientInterceptor implements WorkflowClientInterceptor {
  startWithDetails: NonNullable<WorkflowClientInterceptor['startWithDetails']> = (input, next) => next({ ...input, headers: withRequestId(input.headers, currentRequestId()) });
  signalWithStart: NonNullable<WorkflowClientInterceptor['signalWithStart']> = (input, next) => next({ ...input, headers: withRequestId(input.headers, currentRequestId()) });
}
