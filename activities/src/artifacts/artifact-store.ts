// Where uploads and file artifacts (datasets, checkpoints, adapters, GGUF files) live so that every worker
// can reach them. By default that is the data folder, which several machines share as one volume; with
// ASTRA_ARTIFACTS_S3_BUCKET set it is an S3-compatible bucket, and each machine keeps a local copy of
// what it works on under its own data folder (pulled before a step, pushed after it).
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';

const setting = z.string().optional().transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/** The variables that turn the S3 store on (server and worker read the same ones). */
export const artifactStoreEnv = z.object({
  /** The bucket; the store is S3 when it is set, the data folder otherwise. */
  ASTRA_ARTIFACTS_S3_BUCKET: setting,
  /** The endpoint of an S3-compatible server (MinIO, Ceph RGW, Garage…); AWS's own for the region when unset. */
  ASTRA_ARTIFACTS_S3_URL: setting.pipe(z.string().url('must be a URL such as http://minio:9000').optional()),
  ASTRA_ARTIFACTS_S3_REGION: setting.transform((value) => value ?? 'us-east-1'),
  /** Keys of the bucket's account; the SDK's own chain (AWS_ACCESS_KEY_ID, a pod's role) when unset. */
  ASTRA_ARTIFACTS_S3_ACCESS_KEY_ID: setting,
  ASTRA_ARTIFACTS_S3_SECRET_ACCESS_KEY: setting,
  /** Folder inside the bucket, so one bucket can serve several Astras. */
  ASTRA_ARTIFACTS_S3_PREFIX: setting.transform((value) => (value ? `${value.replace(/^\/+|\/+$/g, '')}/` : '')),
  /** Path-style addressing (bucket in the path), which most S3-compatible servers want: on with an endpoint URL. */
  ASTRA_ARTIFACTS_S3_PATH_STYLE: setting.pipe(z.enum(['true', 'false']).optional()),
});

export type ArtifactStoreEnv = z.infer<typeof artifactStoreEnv>;

export interface StoredObject { key: string; bytes: number }

/** An S3-compatible bucket holding Astra's shared files under keys such as `uploads/<collection id>/<name>`. */
export interface ArtifactStore {
  /** `s3://bucket/prefix`, for log lines and the sources of uploaded documents. */
  readonly location: string;
  /** The source name of a key: `s3://bucket/prefix/key`. */
  uriOf(key: string): string;
  /** The key of a source name this store gave, or undefined for anything else. */
  keyOf(uri: string): string | undefined;
  put(key: string, body: Buffer): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  list(prefix: string): Promise<StoredObject[]>;
  removeAll(prefix: string): Promise<number>;
}

/** The store the environment configures, or undefined for the shared data folder; throws naming the variable at fault. */
export function artifactStoreFromEnv(environment: Record<string, string | undefined>): ArtifactStore | undefined {
  const env = artifactStoreEnv.parse(environment);
  if (!env.ASTRA_ARTIFACTS_S3_BUCKET) {
    if (env.ASTRA_ARTIFACTS_S3_URL) throw new Error('ASTRA_ARTIFACTS_S3_URL is set but ASTRA_ARTIFACTS_S3_BUCKET is not: name the bucket too');
    return undefined;
  }
  if (Boolean(env.ASTRA_ARTIFACTS_S3_ACCESS_KEY_ID) !== Boolean(env.ASTRA_ARTIFACTS_S3_SECRET_ACCESS_KEY)) {
    throw new Error('ASTRA_ARTIFACTS_S3_ACCESS_KEY_ID and ASTRA_ARTIFACTS_S3_SECRET_ACCESS_KEY go together');
  }
  return createS3ArtifactStore(env);
}

export function createS3ArtifactStore(env: ArtifactStoreEnv & { ASTRA_ARTIFACTS_S3_BUCKET?: string }): ArtifactStore {
  const bucket = env.ASTRA_ARTIFACTS_S3_BUCKET!;
  const prefix = env.ASTRA_ARTIFACTS_S3_PREFIX;
  const client = new S3Client({
    region: env.ASTRA_ARTIFACTS_S3_REGION,
    ...(env.ASTRA_ARTIFACTS_S3_URL ? { endpoint: env.ASTRA_ARTIFACTS_S3_URL } : {}),
    forcePathStyle: env.ASTRA_ARTIFACTS_S3_PATH_STYLE ? env.ASTRA_ARTIFACTS_S3_PATH_STYLE === 'true' : Boolean(env.ASTRA_ARTIFACTS_S3_URL),
    ...(env.ASTRA_ARTIFACTS_S3_ACCESS_KEY_ID && env.ASTRA_ARTIFACTS_S3_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: env.ASTRA_ARTIFACTS_S3_ACCESS_KEY_ID, secretAccessKey: env.ASTRA_ARTIFACTS_S3_SECRET_ACCESS_KEY } }
      : {}),
  });
  const location = `s3://${bucket}/${prefix}`;
  return {
    location,
    uriOf: (key) => `${location}${key}`,
    keyOf: (uri) => (uri.startsWith(location) ? uri.slice(location.length) : undefined),
    async put(key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${key}`, Body: body }));
    },
    async get(key) {
      try {
        const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}${key}` }));
        return answer.Body ? Buffer.from(await answer.Body.transformToByteArray()) : Buffer.alloc(0);
      } catch (error) {
        if (error instanceof NoSuchKey) return undefined;
        throw error;
      }
    },
    async list(under) {
      const found: StoredObject[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}${under}`, ...(token ? { ContinuationToken: token } : {}) }));
        for (const object of page.Contents ?? []) if (object.Key) found.push({ key: object.Key.slice(prefix.length), bytes: object.Size ?? 0 });
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return found;
    },
    async removeAll(under) {
      const keys = await this.list(under);
      for (let i = 0; i < keys.length; i += 1000) {
        await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(i, i + 1000).map((object) => ({ Key: `${prefix}${object.key}` })) } }));
      }
      return keys.length;
    },
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile() && !entry.name.endsWith('.tmp')).map((entry) => path.join(entry.parentPath, entry.name));
}

/** Uploads the files under `dir` to `prefix/` whose size differs from the stored copy (new ones included). */
export async function pushFolder(store: ArtifactStore, dir: string, prefix: string): Promise<number> {
  const stored = new Map((await store.list(`${prefix}/`)).map((object) => [object.key, object.bytes]));
  let pushed = 0;
  for (const file of await filesUnder(dir)) {
    const key = `${prefix}/${path.relative(dir, file).split(path.sep).join('/')}`;
    const { size } = await stat(file);
    if (stored.get(key) === size) continue;
    const chunks: Buffer[] = [];
    for await (const chunk of createReadStream(file)) chunks.push(chunk as Buffer);
    await store.put(key, Buffer.concat(chunks));
    pushed += 1;
  }
  return pushed;
}

/** Downloads what is stored under `prefix/` into `dir`, but for files already there with the same size. */
export async function pullFolder(store: ArtifactStore, prefix: string, dir: string): Promise<number> {
  let pulled = 0;
  for (const object of await store.list(`${prefix}/`)) {
    const file = path.join(dir, ...object.key.slice(prefix.length + 1).split('/'));
    if (!file.startsWith(`${dir}${path.sep}`)) continue;
    if ((await stat(file).catch(() => undefined))?.size === object.bytes) continue;
    const body = await store.get(object.key);
    if (!body) continue;
    await mkdir(path.dirname(file), { recursive: true });
    // Written aside and renamed, so a reader never sees half a file.
    await writeFile(`${file}.tmp`, body);
    await rename(`${file}.tmp`, file);
    pulled += 1;
  }
  return pulled;
}
