import pino from 'pino';

/** Structured JSON logs, one line an event; secrets never reach them (headers are not logged). */
export function createLogger(level: string) {
  return pino({ level, base: { service: 'astra-server' }, timestamp: pino.stdTimeFunctions.isoTime });
}

export type Logger = ReturnType<typeof createLogger>;
