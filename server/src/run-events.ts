import { EventEmitter } from 'node:events';
import pg from 'pg';
import { z } from 'zod';
import { runEventsChannel } from '@astra/activities';
import type { Logger } from './logger';

// Loose: flow runs publish node, progress, log and run events beside tokens; each surface reads the fields it knows.
const runEvent = z.looseObject({ stream: z.string(), type: z.string(), seq: z.number().optional(), text: z.string().optional() });
export type RunEvent = z.infer<typeof runEvent>;

/** Relays live run events (tokens, progress) that activities publish with Postgres NOTIFY to subscribers by stream. */
export async function createRunEvents(databaseUrl: string, logger: Logger) {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let client: pg.Client | undefined;
  let closed = false;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: databaseUrl });
    next.on('notification', (message) => {
      const parsed = runEvent.safeParse(JSON.parse(message.payload ?? 'null'));
      if (parsed.success) emitter.emit(parsed.data.stream, parsed.data);
    });
    // A dropped listener connection comes back: events missed meanwhile only cost live tokens, never results.
    next.on('error', (error) => {
      logger.warn({ event: 'run-events.lost', err: error.message });
      if (!closed) setTimeout(() => void connect().catch(() => undefined), 1_000);
    });
    await next.connect();
    await next.query(`listen ${runEventsChannel}`);
    client = next;
  };
  await connect();

  return {
    subscribe(stream: string, listener: (event: RunEvent) => void): () => void {
      emitter.on(stream, listener);
      return () => emitter.off(stream, listener);
    },
    async close(): Promise<void> {
      closed = true;
      await client?.end().catch(() => undefined);
    },
  };
}

export type RunEvents = Awaited<ReturnType<typeof createRunEvents>>;
