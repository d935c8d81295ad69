import { trace } from '@opentelemetry/api';
import pino from 'pino';

/** Structured JSON logs, one line an event; secrets never reach them (headers are not logged). */
export function createLogger(level: string) {
  return pino({
    level,
    base: { service: 'astra-server' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Lines written inside a traced request carry its trace, so a log line finds its trace and back.
    mixin() {
      const span = trace.getActiveSpan()?.spanContext();
      return span ? { traceId: span.traceId, spanId: span.spanId } : {};
    },
  });
}

export type Logger = ReturnType<typeof createLogger>;
