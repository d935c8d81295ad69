import { EventEmitter } from 'node:events';
import pg from 'pg';
import { z } from 'zod';
import { runEventsChannel } from '@astra/activities';
import type { Logger } from './logger';

// Loose: flow runs publish node, progress, log and run events beside tokens; each surface reads the fields it knows.
const runEvent = z.looseObject({ stream: z.string(), type: z.string(), seq: z.number().optional(), text: z.string().optional() });
export type RunEvent = z.infer<typeof runEvent>;

/** Waits between attempts to get the listener back: quick at first, then every few seconds for as long as it takes. */
const reconnectDelaysMs = [250, 500, 1_000, 2_000, 5_000];

/**
 * Relays live run events (tokens, progress) that activities publish with Postgres NOTIFY to subscribers by stream.
 * The listening connection comes back by itself after the database drops it (a restart, an outage) and
 * listens again; events published while it was away are missed, which costs live tokens, never results.
 */
export async function createRunEvents(databaseUrl: string, logger: Logger) {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let client: pg.Client | undefined;
  let closed = false;
  let reconnecting = false;
  const ended = new WeakSet<pg.Client>();

  const listen = async (): Promise<pg.Client> => {
    const next = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
    next.on('notification', (message) => {
      let payload: unknown;
      try {
        payload = JSON.parse(message.payload ?? 'null');
      } catch {
        return;
      }
      const parsed = runEvent.safeParse(payload);
      if (parsed.success) emitter.emit(parsed.data.stream, parsed.data);
    });
    // Without an 'error' listener a dropped connection would end the process; 'end' follows it and reconnects.
    next.on('error', (error) => logger.warn({ event: 'run-events.lost', err: error.message }));
    next.once('end', () => {
      ended.add(next);
      if (client === next) client = undefined;
      if (!closed) void reconnect();
    });
    try {
      await next.connect();
      await next.query(`listen ${runEventsChannel}`);
    } catch (error) {
      await next.end().catch(() => undefined);
      throw error;
    }
    return next;
  };

  const reconnect = async (): Promise<void> => {
    if (reconnecting) return;
    reconnecting = true;
    try {
      for (let attempt = 0; !closed; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, reconnectDelaysMs[Math.min(attempt, reconnectDelaysMs.length - 1)]));
        if (closed) return;
        try {
          const next = await listen();
          if (closed) {
            await next.end().catch(() => undefined);
            return;
          }
          // Dropped again before we took it (its 'end' found a reconnect under way): keep trying.
          if (ended.has(next)) continue;
          client = next;
          logger.info({ event: 'run-events.listening', afterAttempts: attempt + 1 });
          return;
        } catch (error) {
          if (attempt % 10 === 0) logger.warn({ event: 'run-events.reconnect-failed', attempt: attempt + 1, err: (error as Error).message });
        }
      }
    } finally {
      reconnecting = false;
    }
  };

  client = await listen();

  return {
    subscribe(stream: string, listener: (event: RunEvent) => void): () => void {
      emitter.on(stream, listener);
      return () => emitter.off(stream, listener);
    },
    /** Whether the listening connection is up now (it is being re-established otherwise). */
    get listening(): boolean {
      return client !== undefined;
    },
    async close(): Promise<void> {
      closed = true;
      await client?.end().catch(() => undefined);
    },
  };
}

export type RunEvents = Awaited<ReturnType<typeof createRunEvents>>;
