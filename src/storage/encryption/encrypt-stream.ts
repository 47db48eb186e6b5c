import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { ByteQueue } from './byte-queue.ts';
import type { SealOptions } from './object-format.ts';
import { ObjectSealer } from './object-format.ts';

/**
 * Encrypts a byte stream into the chunked object format. Holds at most one chunk plus
 * one incoming buffer in memory: a chunk is sealed once the next byte arrives (it is
 * then known not to be the last) or at the end of input (it is the last).
 *
 * @example
 *   await pipeline(createReadStream(src), new EncryptStream({ key, context: objectKey }), createWriteStream(dst));
 */
export class EncryptStream extends Transform {
  private readonly sealer: ObjectSealer;
  private readonly pending = new ByteQueue();
  private headerSent = false;

  constructor(options: SealOptions) {
    super();
    this.sealer = new ObjectSealer(options);
  }

  override _transform(data: Buffer | string, encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.pending.push(typeof data === 'string' ? Buffer.from(data, encoding) : data);
      this.sendHeader();
      const size = this.sealer.header.chunkSize;
      while (this.pending.length > size) this.pushAll(this.sealer.seal(this.pending.take(size), false));
      callback();
    } catch (e) {
      callback(e instanceof Error ? e : new Error(String(e)));
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.sendHeader();
      this.pushAll(this.sealer.seal(this.pending.take(this.pending.length), true));
      callback();
    } catch (e) {
      callback(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private sendHeader(): void {
    if (this.headerSent) return;
    this.headerSent = true;
    this.push(this.sealer.header.bytes);
  }

  private pushAll(parts: Buffer[]): void {
    for (const part of parts) if (part.length > 0) this.push(part);
  }
}

/**
 * Encrypts a whole buffer (small objects, tests). Same format as EncryptStream.
 *
 * @example
 *   const sealed = encryptBuffer(Buffer.from('a,b\n1,2\n'), { key, context: 'members/acme/results/r1.csv' });
 */
export function encryptBuffer(plaintext: Uint8Array, options: SealOptions): Buffer {
  const sealer = new ObjectSealer(options);
  const size = sealer.header.chunkSize;
  const out: Buffer[] = [sealer.header.bytes];
  const bytes = Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
  let at = 0;
  while (bytes.length - at > size) {
    out.push(...sealer.seal(bytes.subarray(at, at + size), false));
    at += size;
  }
  out.push(...sealer.seal(bytes.subarray(at), true));
  return Buffer.concat(out);
}
