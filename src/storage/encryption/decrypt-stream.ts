import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { ByteQueue } from './byte-queue.ts';
import type { DataKey } from './data-key.ts';
import { DecryptionError } from './decryption-error.ts';
import type { ObjectHeader } from './object-format.ts';
import { ObjectOpener, parseHeader, TAG_LENGTH } from './object-format.ts';

/** Finds the data key an object header names; undefined when there is no such key. */
export type DataKeyResolver = (keyId: string) => DataKey | undefined | Promise<DataKey | undefined>;

export interface OpenOptions {
  /** The data key, or a lookup by the key id written in the header. */
  readonly key: DataKey | DataKeyResolver;
  /** Must equal the context given when the object was encrypted (default ''). */
  readonly context?: string;
  /** Named in every error: the store key, or a label the operator recognises. */
  readonly objectName: string;
}

/**
 * Decrypts the chunked object format. Plaintext is released only one whole, verified
 * chunk at a time, so a reader never sees a byte that failed authentication; a modified,
 * truncated or extended object ends the stream with a DecryptionError. Note that chunks
 * before the damaged one have already been released: write to a temporary place and
 * keep the output only when the stream finished without error.
 *
 * @example
 *   await pipeline(store.openRead(key), new DecryptStream({ key: lookup, context: key, objectName: key }), out);
 */
export class DecryptStream extends Transform {
  private readonly pending = new ByteQueue();
  private opener: ObjectOpener | undefined;

  constructor(private readonly options: OpenOptions) {
    super();
  }

  override _transform(data: Buffer | string, encoding: BufferEncoding, callback: TransformCallback): void {
    this.pending.push(typeof data === 'string' ? Buffer.from(data, encoding) : data);
    if (this.opener !== undefined) {
      this.drain(false, callback);
      return;
    }
    let header: ObjectHeader | 'need-more';
    try {
      header = parseHeader(this.pending.peek(this.pending.length), this.options.objectName);
    } catch (e) {
      callback(asError(e));
      return;
    }
    if (header === 'need-more') {
      callback();
      return;
    }
    const parsed = header;
    this.pending.take(parsed.bytes.length);
    resolveKey(this.options.key, parsed.keyId, this.options.objectName).then(
      (key) => {
        try {
          this.opener = new ObjectOpener(parsed, key, this.options.context ?? '', this.options.objectName);
        } catch (e) {
          callback(asError(e));
          return;
        }
        this.drain(false, callback);
      },
      (e: unknown) => callback(asError(e)),
    );
  }

  override _flush(callback: TransformCallback): void {
    if (this.opener === undefined) {
      // Either no header at all or an incomplete one (a complete one set `opener`).
      if (this.pending.length === 0) {
        callback(new DecryptionError('truncated', this.options.objectName, 'the object is empty (no encryption header)'));
      } else {
        callback(new DecryptionError('truncated', this.options.objectName, 'the object ends inside its encryption header'));
      }
      return;
    }
    this.drain(true, callback);
  }

  /** Opens every chunk known to be complete; at the end, what is left is the last chunk. */
  private drain(atEnd: boolean, callback: TransformCallback): void {
    const opener = this.opener;
    if (opener === undefined) throw new Error('Internal error: drain before the header');
    const sealedSize = opener.header.chunkSize + TAG_LENGTH;
    try {
      while (this.pending.length > sealedSize) {
        const plain = opener.open(this.pending.take(sealedSize), false);
        if (plain.length > 0) this.push(plain);
      }
      if (atEnd) {
        if (this.pending.length < TAG_LENGTH) {
          throw new DecryptionError('truncated', this.options.objectName, 'the object ends inside a chunk (its last chunk is missing or cut)');
        }
        const plain = opener.open(this.pending.take(this.pending.length), true);
        if (plain.length > 0) this.push(plain);
      }
      callback();
    } catch (e) {
      callback(asError(e));
    }
  }
}

/**
 * Decrypts a whole buffer (small objects, tests). Same checks as DecryptStream.
 *
 * @example
 *   const csv = await decryptBuffer(sealed, { key, context: objectKey, objectName: objectKey });
 */
export async function decryptBuffer(sealed: Uint8Array, options: OpenOptions): Promise<Buffer> {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const header = parseHeader(bytes, options.objectName);
  if (header === 'need-more') {
    throw new DecryptionError('truncated', options.objectName, bytes.length === 0 ? 'the object is empty (no encryption header)' : 'the object ends inside its encryption header');
  }
  const key = await resolveKey(options.key, header.keyId, options.objectName);
  const opener = new ObjectOpener(header, key, options.context ?? '', options.objectName);
  const sealedSize = header.chunkSize + TAG_LENGTH;
  const out: Buffer[] = [];
  let at = header.bytes.length;
  while (bytes.length - at > sealedSize) {
    out.push(opener.open(bytes.subarray(at, at + sealedSize), false));
    at += sealedSize;
  }
  if (bytes.length - at < TAG_LENGTH) {
    throw new DecryptionError('truncated', options.objectName, 'the object ends inside a chunk (its last chunk is missing or cut)');
  }
  out.push(opener.open(bytes.subarray(at), true));
  return Buffer.concat(out);
}

async function resolveKey(source: DataKey | DataKeyResolver, keyId: string, objectName: string): Promise<DataKey> {
  if (typeof source !== 'function') {
    if (source.id !== keyId) {
      throw new DecryptionError('unknown-key', objectName, `it was encrypted with data key "${keyId}", but data key "${source.id}" was given`);
    }
    return source;
  }
  const key = await source(keyId);
  if (key === undefined) throw new DecryptionError('unknown-key', objectName, `its data key "${keyId}" is not known`);
  return key;
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
