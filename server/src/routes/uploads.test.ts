// Uploads are private files: readable by Astra's own account only, and gone with their collection.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppHarness, type AppHarness } from '../testing/app-harness';

let harness: AppHarness;
let user: { token: string };

beforeAll(async () => {
  harness = await createAppHarness();
  user = await harness.newUser('user');
});

afterAll(() => harness.close());

describe('uploads on disk', () => {
  it('stores an upload readable by Astra alone, and deletes it with its collection', async () => {
    const started = await harness.app.request('http://astra.test/api/uploads?collection=private&filename=diary.md', {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/octet-stream' },
      body: '# Diary\n\nNothing for other accounts on this machine.\n',
    });
    expect(started.status).toBe(202);
    const uploads = path.join(harness.dataDir, 'uploads');
    const [folder] = await readdir(uploads);
    const [file] = await readdir(path.join(uploads, folder!));
    expect(file).toMatch(/-diary\.md$/);
    expect((await stat(uploads)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(uploads, folder!))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(uploads, folder!, file!))).mode & 0o777).toBe(0o600);

    const deleted = await harness.app.request('http://astra.test/api/collections/private', { method: 'DELETE', headers: { authorization: `Bearer ${user.token}` } });
    expect(deleted.status).toBe(200);
    expect(await readdir(uploads)).toEqual([]);
  });
});
