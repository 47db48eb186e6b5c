import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { CompletedPart, S3Client } from '@aws-sdk/client-s3';

export interface MultipartUpload {
  readonly client: S3Client;
  readonly bucket: string;
  /** The full key in the bucket. */
  readonly key: string;
  readonly sse: { readonly ServerSideEncryption: 'AES256' | 'aws:kms'; readonly SSEKMSKeyId?: string };
  readonly partSize: number;
  readonly concurrency: number;
  /** Runs one SDK call, turning its failure into the store's error. */
  call<T>(operation: string, run: () => Promise<T>): Promise<T>;
}

/**
 * Uploads a file as a multipart upload, reading it part by part (memory stays at about
 * partSize times concurrency), each part with Content-MD5. The object appears only when
 * the upload completes; on any failure the upload is aborted.
 */
export async function uploadMultipart(u: MultipartUpload, handle: FileHandle): Promise<void> {
  const { client, bucket, key } = u;
  const created = await u.call('CreateMultipartUpload', () => client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...u.sse })));
  const uploadId = created.UploadId;
  if (uploadId === undefined) throw new Error('Internal error: S3 returned no multipart upload id');
  try {
    const parts: CompletedPart[] = [];
    const inFlight = new Set<Promise<void>>();
    let position = 0;
    for (let partNumber = 1; ; partNumber += 1) {
      const buffer = Buffer.allocUnsafe(u.partSize);
      const length = await readFully(handle, buffer, position);
      if (length === 0 && partNumber > 1) break;
      position += length;
      const body = buffer.subarray(0, length);
      const upload = u
        .call('UploadPart', () =>
          client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: length, ContentMD5: md5(body) })),
        )
        .then((r) => {
          parts[partNumber - 1] = { PartNumber: partNumber, ETag: r.ETag };
        });
      const tracked = upload.finally(() => inFlight.delete(tracked));
      // Marks the rejection as observed now; Promise.race/all below still see it.
      tracked.catch(() => undefined);
      inFlight.add(tracked);
      if (inFlight.size >= u.concurrency) await Promise.race(inFlight);
      if (length < u.partSize) break;
    }
    await Promise.all(inFlight);
    await u.call('CompleteMultipartUpload', () =>
      client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } })),
    );
  } catch (e) {
    // Best effort: a leftover upload is also removed by sweepTemporary() or a bucket lifecycle rule.
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    throw e;
  }
}

export function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('base64');
}

/** Fills `buffer` from `position` unless the file ends first; returns the bytes read. */
async function readFully(handle: FileHandle, buffer: Buffer, position: number): Promise<number> {
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}
