import type { CliConfig } from './config';
import { CliError } from './errors';

/** Calls the Astra API; connection problems and error answers become one readable line. */
export async function callApi<T>(config: CliConfig, method: string, route: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${config.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${config.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(`cannot reach Astra at ${config.url} (${cause?.code ?? cause?.message ?? (error as Error).message}); is it running? Start it with \`npm start\``);
  }
  const text = await response.text();
  let payload: unknown = undefined;
  try {
    payload = text ? JSON.parse(text) : undefined;
  } catch {
    payload = undefined;
  }
  if (!response.ok) {
    const message = (payload as { error?: string } | undefined)?.error ?? (text.slice(0, 200) || response.statusText);
    if (response.status === 401) throw new CliError(`Astra refused the credentials from ${config.source} (401): ${message}`);
    throw new CliError(`${method} ${route} failed (${response.status}): ${message}`);
  }
  return payload as T;
}
