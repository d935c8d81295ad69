// The id of the HTTP request that started a run, carried as a Temporal header from the server's client
// through the workflow to every activity it schedules, so worker log lines name the request a person saw.
import { defaultPayloadConverter, type Headers } from '@temporalio/workflow';

/** The Temporal header that carries the request id (its value is a JSON string payload). */
export const requestIdHeader = 'astra-request-id';

/** The request id in these headers, if one came. */
export function requestIdFrom(headers: Headers): string | undefined {
  const payload = headers[requestIdHeader];
  if (!payload) return undefined;
  const value: unknown = defaultPayloadConverter.fromPayload(payload);
  return typeof value === 'string' && value ? value : undefined;
}

/** These headers with the request id added (unchanged without one). */
export function withRequestId(headers: Headers, requestId: string | undefined): Headers {
  return requestId ? { ...headers, [requestIdHeader]: defaultPayloadConverter.toPayload(requestId) } : headers;
}
