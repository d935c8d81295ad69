// How the server and the worker reach Temporal: an address, and for Temporal Cloud or a secured cluster
// TLS (a CA, a client certificate pair for mTLS) and an API key, all configuration. One schema for both.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
// An empty variable (`TEMPORAL_TLS_KEY=` in an env file) counts as unset.
const setting = z.string().optional().transform((value) => value || undefined);

export const temporalConnectionEnv = z.object({
  TEMPORAL_ADDRESS: z.string().min(1, 'TEMPORAL_ADDRESS is required (npm start sets it)'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  // TLS is on when any of these is set (or TEMPORAL_TLS=true: the system's roots, as Temporal Cloud needs with an API key).
  TEMPORAL_TLS: z.preprocess((value) => value || undefined, flag.optional()),
  /** PEM file of the CA that signed the frontend's certificate (default: the system's roots). */
  TEMPORAL_TLS_CA: setting,
  /** PEM files of the client certificate and its key, for mTLS; both or neither. */
  TEMPORAL_TLS_CERT: setting,
  TEMPORAL_TLS_KEY: setting,
  /** The name the frontend's certificate carries when it differs from TEMPORAL_ADDRESS's host. */
  TEMPORAL_TLS_SERVER_NAME: setting,
  /** Sent as `Authorization: Bearer …` on every call (Temporal Cloud API keys); turns TLS on unless TEMPORAL_TLS=false. */
  TEMPORAL_API_KEY: setting,
});

export type TemporalConnectionEnv = z.infer<typeof temporalConnectionEnv>;

/** The options both `Connection` (client) and `NativeConnection` (worker) take. */
export interface TemporalConnectionOptions {
  address: string;
  /** `false` says plaintext outright: the SDK turns TLS on by itself when an API key is given and `tls` is absent. */
  tls?: { serverRootCACertificate?: Buffer; clientCertPair?: { crt: Buffer; key: Buffer }; serverNameOverride?: string } | false;
  apiKey?: string;
}

function readPem(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`${variable}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** Connection options from the parsed env; throws an error naming the variable when a file is missing or a pair is half given. */
export function temporalConnectionOptions(env: TemporalConnectionEnv): TemporalConnectionOptions {
  if (Boolean(env.TEMPORAL_TLS_CERT) !== Boolean(env.TEMPORAL_TLS_KEY)) {
    throw new Error(`TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (mTLS needs the certificate and its key); only ${env.TEMPORAL_TLS_CERT ? 'TEMPORAL_TLS_CERT' : 'TEMPORAL_TLS_KEY'} is set`);
  }
  const configured = Boolean(env.TEMPORAL_TLS_CA || env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_SERVER_NAME);
  if (configured && env.TEMPORAL_TLS === false) throw new Error('TEMPORAL_TLS=false, but TEMPORAL_TLS_CA, _CERT, _KEY or _SERVER_NAME is set: remove one or the other');
  const tlsOn = env.TEMPORAL_TLS ?? (configured || Boolean(env.TEMPORAL_API_KEY));
  return {
    address: env.TEMPORAL_ADDRESS,
    ...(tlsOn
      ? {
        tls: {
          ...(env.TEMPORAL_TLS_CA ? { serverRootCACertificate: readPem('TEMPORAL_TLS_CA', env.TEMPORAL_TLS_CA) } : {}),
          ...(env.TEMPORAL_TLS_CERT && env.TEMPORAL_TLS_KEY ? { clientCertPair: { crt: readPem('TEMPORAL_TLS_CERT', env.TEMPORAL_TLS_CERT), key: readPem('TEMPORAL_TLS_KEY', env.TEMPORAL_TLS_KEY) } } : {}),
          ...(env.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME } : {}),
        },
      }
      : env.TEMPORAL_API_KEY ? { tls: false as const } : {}),
    ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}),
  };
}

/** How the connection is secured, for start-up log lines (never the key itself). */
export function describeTemporalSecurity(options: TemporalConnectionOptions): string {
  const parts = [options.tls ? `TLS${options.tls.clientCertPair ? ' with a client certificate' : ''}${options.tls.serverRootCACertificate ? ' and its own CA' : ''}` : 'plaintext'];
  if (options.apiKey) parts.push('an API key');
  return parts.join(', ');
}
