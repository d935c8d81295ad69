import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CliError } from './errors';

/** What the CLI reads of the credentials file `npm start` writes (the rest is for people). */
const savedCredentials = z.object({ url: z.string(), token: z.string() });

export interface CliConfig {
  url: string;
  token: string;
  source: string;
}

/** ASTRA_URL + ASTRA_TOKEN, else the credentials file `npm start` wrote: $ASTRA_DATA_DIR/credentials, or ./.astra/credentials. */
export function resolveCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  if (env.ASTRA_TOKEN) {
    return { url: (env.ASTRA_URL ?? 'http://127.0.0.1:3210').replace(/\/+$/, ''), token: env.ASTRA_TOKEN, source: 'ASTRA_TOKEN' };
  }
  const file = path.resolve(env.ASTRA_DATA_DIR ?? '.astra', 'credentials');
  if (!existsSync(file)) {
    throw new CliError(`no Astra credentials: ${file} does not exist and ASTRA_TOKEN is not set. Run this in the Astra folder after \`npm start\` (it writes .astra/credentials), or set ASTRA_URL and ASTRA_TOKEN`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const saved = savedCredentials.safeParse(parsed);
  if (!saved.success) throw new CliError(`${file} has no url and token; restart Astra to rewrite it`);
  return { url: (env.ASTRA_URL ?? saved.data.url).replace(/\/+$/, ''), token: saved.data.token, source: file };
}
