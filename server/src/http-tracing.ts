// A span per HTTP request, continuing the caller's trace (W3C traceparent) and active while the request
// is handled, so workflow starts (the Temporal client's interceptor) and log lines carry its trace.
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AppEnv } from './app-types';

const tracer = trace.getTracer('astra-server');

export function httpTracing(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const parent = propagation.extract(context.active(), Object.fromEntries(c.req.raw.headers));
    await tracer.startActiveSpan(`${c.req.method}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': c.req.method, 'url.path': c.req.path } }, parent, async (span) => {
      try {
        await next();
      } finally {
        const route = matchedRoutes(c).filter((r) => r.method !== 'ALL').at(-1)?.path ?? '(unmatched)';
        span.updateName(`${c.req.method} ${route}`);
        span.setAttributes({ 'http.route': route, 'http.response.status_code': c.res.status, 'astra.request_id': c.get('requestId') ?? '' });
        if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
    });
  };
}
