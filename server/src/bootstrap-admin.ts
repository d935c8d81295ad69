import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { CredentialsRepo } from './auth/credentials-repo';
import type { UsersRepo } from './auth/users-repo';

/** `<data>/credentials`, as `npm start` writes it and the server and the CLI read it back. */
export const localCredentialsSchema = z.object({
  url: z.string(),
  username: z.string(),
  /** Only in the file written on the very first start; a later rewrite leaves it out. */
  password: z.string().optional(),
  token: z.string(),
});
export type LocalCredentials = z.infer<typeof localCredentialsSchema>;

const privateFile = async (file: string, text: string) => {
  await writeFile(file, text, { mode: 0o600 });
  await chmod(file, 0o600);
};

/**
 * First start: creates the admin and writes `<data>/credentials` (mode 600: URL, username, password,
 * a CLI token). Later starts leave that file alone while its token still works and the URL is the
 * same. Every start: a fresh one-time login link (like Jupyter's token) in `<data>/login-link`.
 */
export async function writeLocalCredentials(
  deps: { users: UsersRepo; credentials: CredentialsRepo; dataDir: string; publicUrl: string },
  existing?: LocalCredentials,
): Promise<{ credentials: LocalCredentials; loginUrl: string; rewritten: boolean }> {
  let admin = await deps.users.firstAdmin();
  let password: string | undefined;
  if (!admin) {
    password = randomBytes(15).toString('base64url');
    admin = await deps.users.create({ username: 'admin', password, role: 'admin' });
  }
  await mkdir(deps.dataDir, { recursive: true });
  // A file from before the login link moved out of it still holds a spent link: rewritten once.
  const keep = !password && existing?.token && existing.username === admin.username && existing.url === deps.publicUrl && !('loginUrl' in existing);
  let credentials: LocalCredentials;
  if (keep) credentials = existing;
  else {
    const token = existing?.token && existing.username === admin.username ? existing.token : await deps.credentials.createApiToken(admin.id, 'cli (written by npm start)');
    credentials = { url: deps.publicUrl, username: admin.username, ...(password ? { password } : {}), token };
    await privateFile(path.join(deps.dataDir, 'credentials'), `${JSON.stringify(credentials, null, 2)}\n`);
  }
  const loginUrl = `${deps.publicUrl}/auth/link/${await deps.credentials.createLoginLink(admin.id)}`;
  await privateFile(path.join(deps.dataDir, 'login-link'), `${loginUrl}\n`);
  return { credentials, loginUrl, rewritten: !keep };
}
