import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { generateDataKey } from './data-key.ts';
import { decryptBuffer, DecryptStream } from './decrypt-stream.ts';
import type { OpenOptions } from './decrypt-stream.ts';
import type { DecryptionErrorCode } from './decryption-error.ts';
import { DecryptionError } from './decryption-error.ts';
import { encryptBuffer } from './encrypt-stream.ts';
import { parseHeader, TAG_LENGTH } from './object-format.ts';

const CHUNK = 1024;
const key = generateDataKey('acme/v1');
const objectName = 'members/acme/results/r1.parquet';
const open: OpenOptions = { key, context: objectName, objectName };

function seal(plain: Buffer): Buffer {
  return encryptBuffer(plain, { key, chunkSize: CHUNK, context: objectName });
}

/** The header and the sealed chunks of an object, to cut and splice. */
function split(sealed: Buffer): { header: Buffer; chunks: Buffer[] } {
  const header = parseHeader(sealed, objectName);
  if (header === 'need-more') throw new Error('header expected');
  const chunks: Buffer[] = [];
  for (let at = header.bytes.length; at < sealed.length; at += CHUNK + TAG_LENGTH) {
    chunks.push(sealed.subarray(at, Math.min(at + CHUNK + TAG_LENGTH, sealed.length)));
  }
  return { header: header.bytes, chunks };
}

function flip(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = (copy[at] ?? 0) ^ 0x01;
  return copy;
}

async function streamDecrypt(sealed: Buffer, options: OpenOptions, released: Buffer[] = []): Promise<Buffer> {
  // Fed in odd pieces so chunk boundaries never line up with reads.
  const parts: Buffer[] = [];
  for (let at = 0; at < sealed.length; at += 777) parts.push(sealed.subarray(at, at + 777));
  await pipeline(
    Readable.from(parts),
    new DecryptStream(options),
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        released.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(released);
}

/** Both the buffer helper and the stream must refuse with `code`, naming the object. */
async function expectRefused(sealed: Buffer, code: DecryptionErrorCode | DecryptionErrorCode[], options: OpenOptions = open): Promise<DecryptionError> {
  const codes = Array.isArray(code) ? code : [code];
  const errors: DecryptionError[] = [];
  for (const run of [() => decryptBuffer(sealed, options), () => streamDecrypt(sealed, options)]) {
    const error: unknown = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DecryptionError);
    const e = error as DecryptionError;
    expect(codes).toContain(e.code);
    expect(e.message).toContain(`Internal error: cannot decrypt object "${options.objectName}"`);
    errors.push(e);
  }
  expect(errors[0]?.code).toBe(errors[1]?.code);
  return errors[0] as DecryptionError;
}

const plain = randomBytes(5 * CHUNK + 100); // five full chunks and a short last one
const sealed = seal(plain);
const aligned = randomBytes(4 * CHUNK); // the last chunk is full
const sealedAligned = seal(aligned);

describe('tampering is detected', () => {
  it('the untouched object opens (control)', async () => {
    expect((await decryptBuffer(sealed, open)).equals(plain)).toBe(true);
    expect((await streamDecrypt(sealed, open)).equals(plain)).toBe(true);
  });

  it('a flipped bit anywhere in the header', async () => {
    const headerLength = split(sealed).header.length;
    const seen = new Set<DecryptionErrorCode>();
    for (let at = 0; at < headerLength; at++) {
      seen.add((await expectRefused(flip(sealed, at), ['not-encrypted', 'unsupported-format', 'bad-header', 'unknown-key', 'wrong-key-or-header-modified'])).code);
    }
    // magic, version, key id text and the rest (salt, nonce prefix, lengths, tag) each fail their own way
    expect([...seen].sort()).toEqual(['bad-header', 'not-encrypted', 'unknown-key', 'unsupported-format', 'wrong-key-or-header-modified']);
  });

  it('a flipped bit in a chunk body or in a chunk tag', async () => {
    const { header, chunks } = split(sealed);
    const second = header.length + CHUNK + TAG_LENGTH;
    await expectRefused(flip(sealed, second + 10), 'chunk-modified');
    await expectRefused(flip(sealed, second + CHUNK + 3), 'chunk-modified'); // in its tag
    await expectRefused(flip(sealed, sealed.length - 1), 'chunk-modified'); // tag of the last chunk
    await expectRefused(flip(sealed, header.length), 'chunk-modified'); // first byte of chunk 0
    expect(chunks).toHaveLength(6);
  });

  it('the last chunk dropped, or the object cut anywhere', async () => {
    const { header, chunks } = split(sealed);
    expect((await expectRefused(Buffer.concat([header, ...chunks.slice(0, -1)]), 'truncated')).message).toMatch(/truncated/);
    const a = split(sealedAligned);
    await expectRefused(Buffer.concat([a.header, ...a.chunks.slice(0, -1)]), 'truncated');
    await expectRefused(Buffer.concat([header]), 'truncated'); // no chunk at all
    await expectRefused(sealed.subarray(0, 10), 'truncated'); // inside the header
    await expectRefused(Buffer.alloc(0), 'truncated');
    await expectRefused(sealed.subarray(0, sealed.length - 1), 'chunk-modified');
    await expectRefused(sealed.subarray(0, header.length + 2 * (CHUNK + TAG_LENGTH) + 5), ['chunk-modified', 'truncated']);
  });

  it('two chunks swapped', async () => {
    const { header, chunks } = split(sealed);
    const [c0, c1, c2, ...rest] = chunks as [Buffer, Buffer, Buffer, ...Buffer[]];
    await expectRefused(Buffer.concat([header, c0, c2, c1, ...rest]), 'chunk-modified');
    await expectRefused(Buffer.concat([header, c1, c0, c2, ...rest]), 'chunk-modified');
  });

  it('a chunk taken from another object sealed with the same key', async () => {
    const other = split(seal(randomBytes(plain.length)));
    const mine = split(sealed);
    const spliced = [...mine.chunks];
    spliced[2] = other.chunks[2] as Buffer;
    await expectRefused(Buffer.concat([mine.header, ...spliced]), 'chunk-modified');
    // The other object's header with my chunks fails too (its salt gives another key).
    await expectRefused(Buffer.concat([other.header, ...mine.chunks]), ['wrong-key-or-header-modified', 'chunk-modified']);
  });

  it('a chunk or bytes appended', async () => {
    const a = split(sealedAligned);
    const dup = a.chunks[1] as Buffer;
    await expectRefused(Buffer.concat([sealedAligned, dup]), 'trailing-data');
    await expectRefused(Buffer.concat([sealedAligned, Buffer.from([0])]), ['trailing-data', 'chunk-modified']);
    await expectRefused(Buffer.concat([sealed, split(sealed).chunks[1] as Buffer]), 'chunk-modified');
  });

  it('the wrong data key, the wrong key id, the wrong context', async () => {
    await expectRefused(sealed, 'wrong-key-or-header-modified', { ...open, key: generateDataKey('acme/v1') });
    const e = await expectRefused(sealed, 'unknown-key', { ...open, key: generateDataKey('acme/v2') });
    expect(e.message).toContain('"acme/v1"');
    await expectRefused(sealed, 'unknown-key', { ...open, key: () => undefined });
    await expectRefused(sealed, 'wrong-key-or-header-modified', { ...open, context: 'members/acme/results/r2.parquet' });
  });

  it('plaintext given to the decryptor', async () => {
    await expectRefused(Buffer.from('PAR1....'), 'not-encrypted');
  });

  it('the stream releases only verified chunks before the damage', async () => {
    const damaged = flip(sealed, split(sealed).header.length + 3 * (CHUNK + TAG_LENGTH) + 1);
    const released: Buffer[] = [];
    await expect(streamDecrypt(damaged, open, released)).rejects.toBeInstanceOf(DecryptionError);
    const out = Buffer.concat(released);
    expect(out.equals(plain.subarray(0, out.length))).toBe(true);
    expect(out.length).toBeLessThanOrEqual(3 * CHUNK);
  });

  it('a hostile header cannot make the reader buffer more than 16 MiB per chunk', async () => {
    const hostile = Buffer.from(sealed);
    hostile.writeUInt32BE(0xffffffff, 10);
    await expectRefused(hostile, 'bad-header');
  });
});
