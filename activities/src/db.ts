import pg from 'pg';

/** Runs `work` in one transaction on one connection: all of it commits, or none of it. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    // A rollback on a dead connection fails too; the error that matters is the first one.
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export interface DatabasePoolOptions {
  max: number;
  /** Told about idle connections the database dropped (a restart, a failover); the pool replaces them. */
  onConnectionLost(error: Error): void;
}

/**
 * The one way server and worker open their pool: a connection the database terminates while idle is
 * reported, not thrown (an unhandled pool 'error' would end the process), and waiting for a free or
 * new connection is bounded, so a request during an outage fails in seconds instead of hanging.
 */
export function createDatabasePool(connectionString: string, options: DatabasePoolOptions): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: options.max, connectionTimeoutMillis: 5_000 });
  pool.on('error', options.onConnectionLost);
  return pool;
}

// SQLSTATE class 08 (connection exception) and the shutdown codes of class 57 (operator intervention).
const unavailableStates = new Map<string, string>([
  ['57P01', 'it is shutting down'],
  ['57P02', 'it crashed'],
  ['57P03', 'it is starting up or shutting down'],
]);
const unavailableSocketCodes = new Map<string, string>([
  ['ECONNREFUSED', 'connection refused'],
  ['ECONNRESET', 'connection reset'],
  ['EPIPE', 'connection closed'],
  ['ETIMEDOUT', 'connection timed out'],
  ['EHOSTUNREACH', 'host unreachable'],
  ['ENETUNREACH', 'network unreachable'],
  ['EAI_AGAIN', 'its host name does not resolve'],
]);
const unavailableMessages: Array<[RegExp, string]> = [
  [/^Connection terminated/, 'the connection was lost'],
  [/timeout exceeded when trying to connect/, 'no connection within 5 s'],
  [/Client has encountered a connection error and is not queryable/, 'the connection was lost'],
  [/^the database system is (shutting down|starting up|in recovery mode)/, 'it is starting up or shutting down'],
];

/**
 * Why the database cannot be reached, when that is what `error` says (refused, dropped, shutting down,
 * no connection in time); undefined for every other error, a bad query included. The reason names no
 * address, so it can go into an HTTP answer.
 */
export function databaseUnavailableReason(error: unknown): string | undefined {
  if (error instanceof AggregateError && error.errors.length > 0) {
    const reasons = error.errors.map(databaseUnavailableReason);
    return reasons.every((reason) => reason !== undefined) ? reasons[0] : undefined;
  }
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (error instanceof pg.DatabaseError) return code.startsWith('08') ? 'the connection failed' : unavailableStates.get(code);
    const socket = unavailableSocketCodes.get(code);
    if (socket) return socket;
  }
  return unavailableMessages.find(([pattern]) => pattern.test(error.message))?.[1];
}
