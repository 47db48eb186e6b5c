import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { S3Store, type S3StoreOptions } from './s3-store.ts';
import { s3rverCompatible, startS3TestServer, type S3TestServer } from './s3-test-server.ts';
import { StorageError } from './storage-error.ts';
import { storeContract } from './store-contract.ts';

/** One HTTP request as it left the SDK, after signing. */
interface SentRequest {
  readonly command: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
}

let server: S3TestServer;
const sent: SentRequest[] = [];
const opened: S3Store[] = [];

beforeAll(async () => {
  server = await startS3TestServer();
});
afterAll(async () => {
  for (const store of opened) store.destroy();
  await server?.close();
});

/** A store under a fresh prefix that records every outgoing request into `sent`. */
async function openStore(extra: Partial<S3StoreOptions> = {}): Promise<S3Store> {
  const store = await S3Store.open({
    endpoint: server.endpoint,
    bucket: server.bucket,
    credentials: server.credentials,
    prefix: `t-${randomUUID()}/`,
    onClient: (client) => {
      s3rverCompatible(client);
      record(client);
    },
    ...extra,
  });
  opened.push(store);
  return store;
}

function record(client: S3Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { method?: string; headers?: Record<string, string> };
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(request.headers ?? {})) headers[k.toLowerCase()] = v;
      sent.push({ command: context.commandName ?? '?', method: request.method ?? '?', headers });
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordOutgoingRequests' },
  );
}

const text = (s: string) => new TextEncoder().encode(s);
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** Commands sent since `from`; an SDK retry repeats the invocation id, so it counts once. */
const count = (from: number, command: string) =>
  new Set(sent.slice(from).filter((r) => r.command === command).map((r) => r.headers['amz-sdk-invocation-id'])).size;

async function caught(run: () => Promise<unknown>): Promise<StorageError> {
  try {
    await run();
  } catch (e) {
    if (e instanceof StorageError) return e;
    throw e;
  }
  throw new Error('expected a StorageError');
}

storeContract('S3Store (s3rver on loopback)', async () => {
  const store = await openStore();
  return { store, dispose: async () => undefined };
});

describe('S3Store', () => {
  let scratch: string;
  beforeEach(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'cr-s3-test-'));
  });
  afterEach(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('round-trips a 20 MB file through a multipart upload', async () => {
    const store = await openStore({ partSize: 5 * 1024 * 1024, uploadConcurrency: 2 });
    const big = randomBytes(20 * 1000 * 1000);
    const local = path.join(scratch, 'big.parquet');
    await writeFile(local, big);
    const from = sent.length;
    const info = await store.putFile('members/a/datasets/d/v1/big.parquet', local);
    expect(info.size).toBe(big.length);
    expect(count(from, 'CreateMultipartUploadCommand')).toBe(1);
    expect(count(from, 'UploadPartCommand')).toBe(4);
    expect(count(from, 'CompleteMultipartUploadCommand')).toBe(1);
    expect(count(from, 'PutObjectCommand')).toBe(0);

    const staged = await store.stage('members/a/datasets/d/v1/big.parquet');
    expect(staged).toBeDefined();
    expect(sha(await readFile(staged?.path ?? ''))).toBe(sha(big));
    await staged?.release();
    expect(sha((await store.read('members/a/datasets/d/v1/big.parquet')) ?? new Uint8Array())).toBe(sha(big));
  });

  it('stages into a private folder under stagingDir and removes it on release', async () => {
    const store = await openStore({ stagingDir: scratch });
    await store.putBytes('members/a/results/r.csv', text('a,b\n'));
    const staged = await store.stage('members/a/results/r.csv');
    const folder = path.dirname(staged?.path ?? '');
    expect(path.dirname(folder)).toBe(scratch);
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    await staged?.release();
    expect(await readdir(scratch)).toEqual([]);
  });

  it('pages through listings and batches deletes', async () => {
    const store = await openStore({ pageSize: 7 });
    const keys = Array.from({ length: 25 }, (_, i) => `members/p/results/r${String(i).padStart(2, '0')}.csv`);
    await Promise.all(keys.map((k) => store.putBytes(k, text(k))));
    let from = sent.length;
    expect((await store.list('members/p/')).map((o) => o.key)).toEqual(keys);
    expect(count(from, 'ListObjectsV2Command')).toBe(4);
    from = sent.length;
    expect(await store.deletePrefix('members/p/')).toBe(25);
    expect(count(from, 'DeleteObjectsCommand')).toBe(4);
    expect(await store.list('')).toEqual([]);
  });

  it('lists more than 1000 keys with the default page size', async () => {
    const store = await openStore();
    const keys = Array.from({ length: 1005 }, (_, i) => `members/q/results/r${String(i).padStart(4, '0')}.json`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((k) => store.putBytes(k, text('1'))));
    }
    const from = sent.length;
    const listed = await store.list('members/q/');
    expect(listed.length).toBe(1005);
    expect(listed.map((o) => o.key)).toEqual(keys);
    expect(count(from, 'ListObjectsV2Command')).toBe(2);
    expect(await store.deletePrefix('members/')).toBe(1005);
  });

  it('asks for aws:kms with the configured key on every upload', async () => {
    const store = await openStore({ serverSideEncryption: 'aws:kms', kmsKeyId: 'alias/cleanroom-test', partSize: 5 * 1024 * 1024 });
    const local = path.join(scratch, 'mid.parquet');
    await writeFile(local, randomBytes(6 * 1024 * 1024));
    const from = sent.length;
    await store.putBytes('members/k/results/r.csv', text('x'));
    await store.putFile('members/k/results/m.parquet', local);
    const uploads = sent.slice(from).filter((r) => r.command === 'PutObjectCommand' || r.command === 'CreateMultipartUploadCommand');
    expect(uploads.map((r) => r.command)).toEqual(['PutObjectCommand', 'CreateMultipartUploadCommand']);
    for (const r of uploads) {
      expect(r.headers['x-amz-server-side-encryption']).toBe('aws:kms');
      expect(r.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe('alias/cleanroom-test');
    }
  });

  it('names the bucket, key and operation in errors, without SDK internals', async () => {
    const missing = await caught(() =>
      S3Store.open({ endpoint: server.endpoint, bucket: 'no-such-bucket', credentials: server.credentials, onClient: s3rverCompatible }),
    );
    expect(missing.code).toBe('storage-bucket-missing');
    expect(missing.message).toBe(`S3 HeadBucket of bucket "no-such-bucket" failed: the bucket "no-such-bucket" does not exist at ${server.endpoint}.`);

    // A bucket removed after the store was opened.
    const store = await openStore();
    await store.client.send(new CreateBucketCommand({ Bucket: 'short-lived' }));
    const gone = await openStore({ bucket: 'short-lived', prefix: 'p' });
    await store.client.send(new DeleteBucketCommand({ Bucket: 'short-lived' }));
    const put = await caught(() => gone.putBytes('members/a/results/r.csv', text('x')));
    expect(put).toMatchObject({ code: 'storage-bucket-missing', operation: 'PutObject', bucket: 'short-lived', key: 'p/members/a/results/r.csv' });
    expect(put.message).toContain('S3 PutObject of s3://short-lived/p/members/a/results/r.csv failed: the bucket "short-lived" does not exist');
    expect((await caught(() => gone.read('members/a/results/r.csv'))).code).toBe('storage-bucket-missing');
    expect((await caught(() => gone.list('members/'))).operation).toBe('ListObjectsV2');
    expect((await caught(() => gone.deletePrefix('members/'))).code).toBe('storage-bucket-missing');

    const denied = await caught(() =>
      S3Store.open({ endpoint: server.endpoint, bucket: server.bucket, credentials: { accessKeyId: 'NOBODY', secretAccessKey: 'wrong' }, onClient: s3rverCompatible }),
    );
    expect(denied.code).toBe('storage-access-denied');
    expect(denied.message).toMatch(/^S3 HeadBucket of bucket "cleanroom-test" failed: access denied/);
    // The server checks signatures: the right key id with a wrong secret is refused too.
    const badSecret = await caught(() =>
      S3Store.open({ endpoint: server.endpoint, bucket: server.bucket, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'wrong' }, onClient: s3rverCompatible }),
    );
    expect(badSecret.code).toBe('storage-access-denied');

    const port = await closedPort();
    const unreachable = await caught(() =>
      S3Store.open({ endpoint: `http://127.0.0.1:${port}`, bucket: 'b', credentials: server.credentials, maxAttempts: 1 }),
    );
    expect(unreachable.code).toBe('storage-unreachable');
    expect(unreachable.message).toContain(`cannot reach the S3 endpoint http://127.0.0.1:${port}`);

    for (const e of [missing, put, denied, unreachable]) {
      expect(e.message).not.toContain('\n');
      expect(e.hint).toBeTruthy();
      expect('cause' in e).toBe(false);
    }
  });

  it('refuses wrong settings', async () => {
    const base = { endpoint: server.endpoint, bucket: server.bucket, credentials: server.credentials, onClient: s3rverCompatible };
    await expect(S3Store.open({ ...base, partSize: 1024 })).rejects.toMatchObject({ code: 'storage-bad-config' });
    await expect(S3Store.open({ ...base, kmsKeyId: 'k' })).rejects.toThrow(/kmsKeyId is set/);
    await expect(S3Store.open({ ...base, prefix: '../up' })).rejects.toThrow(/key prefix "..\/up" is not usable/);
    await expect(S3Store.open({ ...base, pageSize: 5000 })).rejects.toThrow(/pageSize/);
  });

  // Last in the file: covers every upload made above, the contract suite's included.
  it('sent server-side encryption on every PutObject and CreateMultipartUpload', () => {
    const uploads = sent.filter((r) => r.command === 'PutObjectCommand' || r.command === 'CreateMultipartUploadCommand');
    expect(uploads.length).toBeGreaterThan(1000);
    expect(uploads.filter((r) => r.command === 'CreateMultipartUploadCommand').length).toBeGreaterThanOrEqual(2);
    for (const r of uploads) {
      expect(r.method).toBe(r.command === 'PutObjectCommand' ? 'PUT' : 'POST');
      expect(['AES256', 'aws:kms']).toContain(r.headers['x-amz-server-side-encryption']);
    }
    const withoutKms = uploads.filter((r) => r.headers['x-amz-server-side-encryption-aws-kms-key-id'] === undefined);
    expect(withoutKms.every((r) => r.headers['x-amz-server-side-encryption'] === 'AES256')).toBe(true);
    // Every body carries Content-MD5 so that S3 checks it arrived intact.
    const bodies = sent.filter((r) => r.command === 'PutObjectCommand' || r.command === 'UploadPartCommand');
    expect(bodies.every((r) => typeof r.headers['content-md5'] === 'string')).toBe(true);
  });
});

/** A loopback port that nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
