import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CredentialsRepo } from './auth/credentials-repo';
import type { UsersRepo } from './auth/users-repo';

export interface LocalCredentials {
  url: string;
  username: string;
  /** Only present in the file written on the very first start. */
  password?: string;
  token: string;
  loginUrl: string;
}

/**
 * First start: creates the admin. Every start: a fresh one-time login link (like Jupyter's token)
 * and, when the file is new, a CLI token, written to `<data>/credentials` with mode 600.
 */
export async function writeLocalCredentials(deps: { users: UsersRepo; credentials: CredentialsRepo; dataDir: string; publicUrl: string }, existing?: LocalCredentials): Promise<LocalCredentials> {
  let admin = await deps.users.firstAdmin();
  let password: string | undefined;
  if (!admin) {
    password = randomBytes(15).toString('base64url');
    admin = await deps.users.create({ username: 'admin', password, role: 'admin' });
  }
  const token = existing?.token && existing.username === admin.username ? existing.token : await deps.credentials.createApiToken(admin.id, 'cli (written by npm start)');
  const link = await deps.credentials.createLoginLink(admin.id);
  const credentials: LocalCredentials = {
    url: deps.publicUrl,
    username: admin.username,
    ...(password ?? existing?.password ? { password: password ?? existing?.password } : {}),
    token,
    loginUrl: `${deps.publicUrl}/auth/link/${link}`,
  };
  await mkdir(deps.dataDir, { recursive: true });
  const file = path.join(deps.dataDir, 'credentials');
  await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return credentials;
}
