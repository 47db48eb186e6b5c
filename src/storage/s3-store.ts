import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { _Object } from '@aws-sdk/client-s3';
import { assertSafeKey, assertSafePrefix, keyProblem, TMP_PREFIX } from './layout.ts';
import type { ObjectInfo, ObjectStore, StagedObject } from './object-store.ts';
import { isMissingObject, isNotImplemented, toStorageError } from './s3-errors.ts';
import { md5, uploadMultipart } from './s3-upload.ts';
import { StorageError } from './storage-error.ts';

const MIB = 1024 * 1024;
const HOUR_MS = 60 * 60 * 1000;
/** S3 refuses parts under 5 MiB (except the last). */
const MIN_PART_SIZE = 5 * MIB;

export interface S3StoreOptions {
  readonly bucket: string;
  /** Every key of this store lives under it, e.g. `cleanroom/`; a trailing `/` is added. Default ''. */
  readonly prefix?: string;
  /** Default `us-east-1` (S3-compatible servers mostly ignore it). */
  readonly region?: string;
  /** For S3-compatible servers, e.g. `http://127.0.0.1:9000`; default: AWS. */
  readonly endpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`); default true when `endpoint` is set. */
  readonly forcePathStyle?: boolean;
  /** Default: the SDK's standard chain (environment, profile, instance role). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** Server-side encryption set on every PUT. Default `AES256` (SSE-S3). */
  readonly serverSideEncryption?: 'AES256' | 'aws:kms';
  /** The KMS key for `aws:kms`; without it S3 uses the account's default `aws/s3` key. */
  readonly kmsKeyId?: string;
  /** Multipart part size in bytes (>= 5 MiB); files larger than this go multipart. Default 8 MiB. */
  readonly partSize?: number;
  /** Parts uploaded at once; memory use is about partSize times this. Default 4. */
  readonly uploadConcurrency?: number;
  /** Keys per ListObjectsV2 page and per DeleteObjects batch, 1..1000. Default 1000. */
  readonly pageSize?: number;
  /** Where `stage()` makes its private folders; default the OS temporary folder. */
  readonly stagingDir?: string;
  /** Tries per request, including the first (SDK retry). Default 3. */
  readonly maxAttempts?: number;
  /** Called with the SDK client before its first request: for metrics, tracing or test middleware. */
  readonly onClient?: (client: S3Client) => void;
}

/**
 * An object store in an S3 bucket under a key prefix. A PUT is atomic on S3 (readers see
 * the old or the new object, never a part), so there are no temporary objects; a
 * multipart upload becomes visible only when completed. Every PUT and multipart upload
 * asks for server-side encryption. Integrity: each body carries Content-MD5, which S3
 * checks; the SDK's newer default checksums (aws-chunked trailers) are switched off
 * because many S3-compatible servers do not understand them.
 *
 * @example
 *   const store = await S3Store.open({ bucket: 'acme-cleanroom', prefix: 'prod/', region: 'eu-west-1' });
 *   await store.putFile('members/acme/results/r1.parquet', '/tmp/r1.parquet');
 */
export class S3Store implements ObjectStore {
  readonly bucket: string;
  readonly prefix: string;
  /** The SDK client, for instrumentation; the store's methods are the way to use the bucket. */
  readonly client: S3Client;
  private readonly endpoint: string;
  private readonly sse: { ServerSideEncryption: 'AES256' | 'aws:kms'; SSEKMSKeyId?: string };
  private readonly partSize: number;
  private readonly uploadConcurrency: number;
  private readonly pageSize: number;
  private readonly stagingDir: string;

  private constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.prefix = normalisePrefix(options.bucket, options.prefix ?? '');
    this.endpoint = options.endpoint ?? `AWS S3 (${options.region ?? 'us-east-1'})`;
    const encryption = options.serverSideEncryption ?? 'AES256';
    if (options.kmsKeyId !== undefined && encryption !== 'aws:kms') {
      throw configError(options.bucket, 'kmsKeyId is set but serverSideEncryption is not "aws:kms".');
    }
    this.sse = options.kmsKeyId === undefined ? { ServerSideEncryption: encryption } : { ServerSideEncryption: encryption, SSEKMSKeyId: options.kmsKeyId };
    this.partSize = options.partSize ?? 8 * MIB;
    if (!Number.isSafeInteger(this.partSize) || this.partSize < MIN_PART_SIZE) {
      throw configError(options.bucket, `partSize must be a whole number of bytes of at least ${MIN_PART_SIZE} (5 MiB).`);
    }
    this.uploadConcurrency = Math.max(1, Math.floor(options.uploadConcurrency ?? 4));
    this.pageSize = options.pageSize ?? 1000;
    if (!Number.isSafeInteger(this.pageSize) || this.pageSize < 1 || this.pageSize > 1000) {
      throw configError(options.bucket, 'pageSize must be a whole number from 1 to 1000.');
    }
    this.stagingDir = options.stagingDir ?? tmpdir();
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      maxAttempts: options.maxAttempts ?? 3,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    options.onClient?.(this.client);
  }

  /** Opens the store and checks that the bucket exists and the credentials reach it. */
  static async open(options: S3StoreOptions): Promise<S3Store> {
    if (options.bucket === '') throw configError(options.bucket, 'the bucket name is empty.');
    const store = new S3Store(options);
    await store.call('HeadBucket', undefined, () => store.client.send(new HeadBucketCommand({ Bucket: store.bucket })));
    return store;
  }

  /** Closes the SDK's connection pool. */
  destroy(): void {
    this.client.destroy();
  }

  private full(key: string): string {
    assertSafeKey(key);
    return this.prefix + key;
  }

  /** Runs one SDK call, turning its failures into StorageErrors that name bucket, key and operation. */
  private async call<T>(operation: string, key: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw toStorageError(e, { operation, bucket: this.bucket, key, endpoint: this.endpoint });
    }
  }

  async putFile(key: string, localPath: string): Promise<ObjectInfo> {
    const fullKey = this.full(key);
    const handle = await open(localPath, 'r');
    try {
      const { size } = await handle.stat();
      if (size <= this.partSize) {
        await this.putBody(fullKey, await handle.readFile());
      } else {
        await this.putMultipart(fullKey, handle);
      }
    } finally {
      await handle.close();
    }
    return this.statAfterPut(key);
  }

  async putBytes(key: string, bytes: Uint8Array): Promise<ObjectInfo> {
    await this.putBody(this.full(key), bytes);
    return this.statAfterPut(key);
  }

  /**
   * S3 needs the length before the first byte (or a multipart upload), so the stream is
   * spooled to a private temporary file first; callers stream ciphertext here, so the
   * spool holds no plaintext.
   */
  async putStream(key: string, body: Readable): Promise<ObjectInfo> {
    this.full(key);
    const dir = await mkdtemp(path.join(this.stagingDir, 'cr-spool-'));
    try {
      const file = path.join(dir, 'body');
      await pipeline(body, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
      return await this.putFile(key, file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async putBody(fullKey: string, body: Uint8Array): Promise<void> {
    await this.call('PutObject', fullKey, () =>
      this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: fullKey, Body: body, ContentLength: body.byteLength, ContentMD5: md5(body), ...this.sse }),
      ),
    );
  }

  private async putMultipart(fullKey: string, handle: FileHandle): Promise<void> {
    await uploadMultipart({
      client: this.client,
      bucket: this.bucket,
      key: fullKey,
      sse: this.sse,
      partSize: this.partSize,
      concurrency: this.uploadConcurrency,
      call: (operation, run) => this.call(operation, fullKey, run),
    }, handle);
  }

  private async statAfterPut(key: string): Promise<ObjectInfo> {
    const info = await this.stat(key);
    if (info === undefined) throw new Error('Internal error: object vanished right after it was written');
    return info;
  }

  async read(key: string): Promise<Uint8Array | undefined> {
    const body = await this.getBody('read', key);
    if (body === undefined) return undefined;
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of body) chunks.push(chunk as Buffer);
    } catch (e) {
      throw toStorageError(e, { operation: 'GetObject', bucket: this.bucket, key: this.prefix + key, endpoint: this.endpoint });
    }
    return Buffer.concat(chunks);
  }

  async openRead(key: string): Promise<Readable | undefined> {
    return this.getBody('openRead', key);
  }

  private async getBody(operation: string, key: string): Promise<Readable | undefined> {
    const fullKey = this.full(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: fullKey }));
      if (!(out.Body instanceof Readable)) throw new Error(`Internal error: S3 ${operation} returned no Node stream`);
      return out.Body;
    } catch (e) {
      if (isMissingObject(e)) return undefined;
      if (e instanceof Error && e.message.startsWith('Internal error:')) throw e;
      throw toStorageError(e, { operation: 'GetObject', bucket: this.bucket, key: fullKey, endpoint: this.endpoint });
    }
  }

  /** Downloads into a new private (0700) folder under `stagingDir`; the file keeps the key's name. */
  async stage(key: string): Promise<StagedObject | undefined> {
    const body = await this.getBody('stage', key);
    if (body === undefined) return undefined;
    const dir = await mkdtemp(path.join(this.stagingDir, 'cr-stage-'));
    const release = async () => rm(dir, { recursive: true, force: true });
    const file = path.join(dir, key.slice(key.lastIndexOf('/') + 1));
    try {
      await pipeline(body, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
    } catch (e) {
      await release();
      throw toStorageError(e, { operation: 'GetObject', bucket: this.bucket, key: this.prefix + key, endpoint: this.endpoint });
    }
    return { path: file, release };
  }

  /**
   * HeadObject. A bare 404 means "no such key"; HeadObject cannot tell a missing bucket
   * from a missing key, which is why `open()` checks the bucket.
   */
  async stat(key: string): Promise<ObjectInfo | undefined> {
    const fullKey = this.full(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: fullKey }));
      return { key, size: out.ContentLength ?? 0, modified: out.LastModified ?? new Date(0) };
    } catch (e) {
      if (isMissingObject(e)) return undefined;
      throw toStorageError(e, { operation: 'HeadObject', bucket: this.bucket, key: fullKey, endpoint: this.endpoint });
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    assertSafePrefix(prefix);
    const found: ObjectInfo[] = [];
    for await (const page of this.pages(this.prefix + prefix)) {
      for (const object of page) {
        const key = object.Key?.slice(this.prefix.length);
        // Objects put into the bucket by other tools under names the store would refuse are not ours.
        if (key === undefined || keyProblem(key) !== undefined) continue;
        found.push({ key, size: object.Size ?? 0, modified: object.LastModified ?? new Date(0) });
      }
    }
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** ListObjectsV2, page by page. */
  private async *pages(fullPrefix: string): AsyncGenerator<_Object[]> {
    let token: string | undefined;
    do {
      const out = await this.call('ListObjectsV2', fullPrefix === '' ? undefined : fullPrefix, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: fullPrefix, MaxKeys: this.pageSize, ContinuationToken: token })),
      );
      yield (out.Contents ?? []).filter((o) => o.Key?.startsWith(fullPrefix) === true);
      token = out.IsTruncated === true ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /** S3's DELETE does not say whether the key existed, so ask first (a racing writer may still win). */
  async delete(key: string): Promise<boolean> {
    if ((await this.stat(key)) === undefined) return false;
    return (await this.deleteFullKeys([this.full(key)])) === 1;
  }

  async deletePrefix(prefix: string): Promise<number> {
    // An empty prefix would wipe every member's data: never what a caller means.
    if (prefix === '') throw new Error('Internal error: deletePrefix needs a non-empty prefix');
    assertSafePrefix(prefix);
    let removed = 0;
    // Deleting keys already listed does not disturb the continuation token of later pages.
    for await (const page of this.pages(this.prefix + prefix)) {
      removed += await this.deleteFullKeys(page.flatMap((o) => (o.Key === undefined ? [] : [o.Key])));
    }
    return removed;
  }

  /** DeleteObjects in batches of pageSize (at most 1000, S3's limit); fails on any per-key error. */
  private async deleteFullKeys(fullKeys: readonly string[]): Promise<number> {
    let removed = 0;
    for (let i = 0; i < fullKeys.length; i += this.pageSize) {
      const batch = fullKeys.slice(i, i + this.pageSize);
      const out = await this.call('DeleteObjects', batch[0], () =>
        this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } })),
      );
      const failed = out.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        throw toStorageError(
          { name: first?.Code ?? 'DeleteFailed', message: `${failed.length} of ${batch.length} keys were not deleted: ${first?.Message ?? ''}`, $metadata: {} },
          { operation: 'DeleteObjects', bucket: this.bucket, key: first?.Key, endpoint: this.endpoint },
        );
      }
      removed += batch.length;
    }
    return removed;
  }

  /**
   * S3 writes are atomic, so a crash leaves no half-written object. What it can leave:
   * multipart uploads that were never completed (invisible, but stored and billed), and
   * stale objects in `tmp/`. Both are removed when older than `olderThanMs`. Servers that
   * do not implement ListMultipartUploads (some S3-compatible ones) skip the first part;
   * on AWS a lifecycle rule `AbortIncompleteMultipartUpload` is a good backstop.
   */
  async sweepTemporary(olderThanMs: number = HOUR_MS): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let removed = await this.abortStaleUploads(cutoff);
    const stale = (await this.list(TMP_PREFIX)).filter((o) => o.modified.getTime() <= cutoff);
    removed += await this.deleteFullKeys(stale.map((o) => this.prefix + o.key));
    return removed;
  }

  private async abortStaleUploads(cutoff: number): Promise<number> {
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      let out;
      try {
        out = await this.client.send(
          new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: this.prefix, MaxUploads: this.pageSize, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
        );
      } catch (e) {
        if (isNotImplemented(e)) return aborted;
        throw toStorageError(e, { operation: 'ListMultipartUploads', bucket: this.bucket, endpoint: this.endpoint });
      }
      for (const upload of out.Uploads ?? []) {
        if (upload.Key === undefined || upload.UploadId === undefined) continue;
        if ((upload.Initiated?.getTime() ?? 0) > cutoff) continue;
        const uploadKey = upload.Key;
        const uploadId = upload.UploadId;
        await this.call('AbortMultipartUpload', uploadKey, () =>
          this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: uploadKey, UploadId: uploadId })),
        );
        aborted += 1;
      }
      if (out.IsTruncated !== true) return aborted;
      keyMarker = out.NextKeyMarker;
      uploadIdMarker = out.NextUploadIdMarker;
    }
  }
}

function normalisePrefix(bucket: string, prefix: string): string {
  if (prefix === '') return '';
  const withSlash = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const problem = keyProblem(withSlash.slice(0, -1));
  if (problem !== undefined) throw configError(bucket, `the key prefix "${prefix}" is not usable: ${problem}.`);
  return withSlash;
}

function configError(bucket: string, reason: string): StorageError {
  return new StorageError(`S3 storage settings for bucket "${bucket}" are wrong: ${reason}`, {
    code: 'storage-bad-config',
    operation: 'configure',
    bucket,
    hint: 'Fix the S3 storage settings.',
  });
}
