import { ConfigError } from './config';
import { canQuery } from './services/postgres';
import { chromaAnswers } from './services/chroma';
import { temporalAnswers } from './services/temporal';

/** Hides the password of a connection URL in messages. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return raw;
  }
}

async function firstAnswer(probe: () => Promise<boolean>, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  let reason = 'no answer';
  while (Date.now() < deadline) {
    try {
      if (await probe()) return undefined;
      reason = 'unhealthy answer';
    } catch (error) {
      reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return reason;
}

/** Checks a configured external part; a failure is one line naming the variable and what went wrong. */
export async function checkExternalDatabase(url: string, timeoutMs = 8_000): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`DATABASE_URL is not a valid URL (expected postgres://user:password@host:port/database)`);
  }
  if (!['postgres:', 'postgresql:'].includes(parsed.protocol)) {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql:// (got ${parsed.protocol}//)`);
  }
  const failure = await firstAnswer(() => canQuery(url), timeoutMs);
  if (failure) throw new ConfigError(`DATABASE_URL (${redactUrl(url)}): cannot connect: ${failure}`);
}

export async function checkExternalTemporal(address: string, namespace: string, timeoutMs = 8_000): Promise<void> {
  if (!/^[^\s/:]+:\d+$/.test(address) && !/^\[[0-9a-fA-F:]+\]:\d+$/.test(address)) {
    throw new ConfigError(`TEMPORAL_ADDRESS must be host:port (got "${address}")`);
  }
  const failure = await firstAnswer(() => temporalAnswers(address, namespace), timeoutMs);
  if (failure) throw new ConfigError(`TEMPORAL_ADDRESS (${address}): cannot reach namespace "${namespace}": ${failure}`);
}

export async function checkExternalChroma(url: string, timeoutMs = 8_000): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`CHROMA_URL is not a valid URL (expected http://host:port)`);
  }
  if (!['http:', 'https:'].includes(parsed.protocol)) {
    throw new ConfigError(`CHROMA_URL must start with http:// or https:// (got ${parsed.protocol}//)`);
  }
  const failure = await firstAnswer(() => chromaAnswers(url), timeoutMs);
  if (failure) throw new ConfigError(`CHROMA_URL (${redactUrl(url)}): no Chroma heartbeat: ${failure}`);
}
