import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataKey } from './data-key.ts';
import { decryptBuffer, DecryptStream } from './decrypt-stream.ts';
import { encryptBuffer, EncryptStream } from './encrypt-stream.ts';
import { DEFAULT_CHUNK_SIZE, encryptedSize, parseHeader } from './object-format.ts';

const key = generateDataKey('acme/v1');
const objectName = 'members/acme/datasets/visits/v1/part-0.parquet';
const open = { key, context: objectName, objectName };

/** Buffer equality without vitest's element-by-element diffing (slow on megabytes). */
function expectSame(actual: Buffer, expected: Buffer): void {
  expect(actual.length).toBe(expected.length);
  expect(actual.equals(expected)).toBe(true);
}

/** Feeds `bytes` in pieces of the given sizes (cycled), as a network or file would. */
function pieces(bytes: Buffer, sizes: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

async function collect(source: Iterable<Buffer> | AsyncIterable<Buffer>, transform: NodeJS.ReadWriteStream): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(source, { objectMode: false }),
    transform,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(out);
}

describe('round trips', () => {
  const sizes: ReadonlyArray<[string, number]> = [
    ['empty', 0],
    ['1 byte', 1],
    ['one chunk less a byte', DEFAULT_CHUNK_SIZE - 1],
    ['exactly one chunk', DEFAULT_CHUNK_SIZE],
    ['one chunk and a byte', DEFAULT_CHUNK_SIZE + 1],
    ['exactly three chunks', 3 * DEFAULT_CHUNK_SIZE],
    ['many chunks', 17 * DEFAULT_CHUNK_SIZE + 12345],
  ];

  for (const [name, size] of sizes) {
    it(`${name} (${size} bytes): buffer and stream agree and round-trip`, async () => {
      const plain = randomBytes(size);
      const sealed = encryptBuffer(plain, { key, context: objectName });
      expect(sealed.length).toBe(encryptedSize(size, key.id));
      expectSame(await decryptBuffer(sealed, open), plain);

      const streamed = await collect(pieces(plain, [1000, 65536, 1, 70000]), new EncryptStream({ key, context: objectName }));
      expect(streamed.length).toBe(sealed.length);
      // Both helpers write the same format: each decrypts the other's output.
      expectSame(await decryptBuffer(streamed, open), plain);
      expectSame(await collect(pieces(sealed, [65552, 3, 99999]), new DecryptStream(open)), plain);
    });
  }

  it('small chunk sizes: every boundary case with 16-byte chunks, streamed a byte at a time', async () => {
    for (let size = 0; size <= 50; size++) {
      const plain = randomBytes(size);
      const sealed = await collect(pieces(plain, [1]), new EncryptStream({ key, chunkSize: 16 }));
      expect(sealed.length).toBe(encryptedSize(size, key.id, 16));
      expectSame(await collect(pieces(sealed, [1]), new DecryptStream({ key, objectName })), plain);
    }
  });

  it('accepts string input and a key resolver', async () => {
    const sealed = await collect(['héllo ', 'wörld'].map((s) => Buffer.from(s)), new EncryptStream({ key }));
    const lookups: string[] = [];
    const resolver = async (id: string) => {
      lookups.push(id);
      return id === key.id ? key : undefined;
    };
    expect((await decryptBuffer(sealed, { key: resolver, objectName })).toString()).toBe('héllo wörld');
    expect(lookups).toEqual(['acme/v1']);
  });

  it('the header records version, chunk size and data key id; the plaintext does not show', () => {
    const plain = Buffer.from('email,visits\nalice@example.com,3\n'.repeat(100));
    const sealed = encryptBuffer(plain, { key, chunkSize: 4096 });
    const header = parseHeader(sealed, objectName);
    if (header === 'need-more') throw new Error('header expected');
    expect(header.chunkSize).toBe(4096);
    expect(header.keyId).toBe('acme/v1');
    expect(sealed[8]).toBe(1);
    expect(sealed.includes(Buffer.from('alice'))).toBe(false);
  });

  it('refuses bad chunk sizes and key ids as bugs', () => {
    expect(() => encryptBuffer(Buffer.alloc(1), { key, chunkSize: 0 })).toThrow(/Internal error: chunk size/);
    expect(() => encryptBuffer(Buffer.alloc(1), { key, chunkSize: 32 * 1024 * 1024 })).toThrow(/Internal error: chunk size/);
    expect(() => encryptBuffer(Buffer.alloc(1), { key: { id: '', bytes: key.bytes } })).toThrow(/Internal error: a data key id/);
    expect(() => encryptBuffer(Buffer.alloc(1), { key: { id: 'x', bytes: Buffer.alloc(16) } })).toThrow(/32 bytes/);
  });
});

describe('20 MB streamed through files', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cr-enc-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips through files, one verified chunk at a time, and reports throughput', async () => {
    const total = 20 * 1024 * 1024;
    const block = randomBytes(1024 * 1024);
    async function* source(): AsyncGenerator<Buffer> {
      // Odd piece sizes so chunks straddle input buffers.
      for (let at = 0; at < total; at += 100_003) {
        const n = Math.min(100_003, total - at);
        const offset = at % (block.length - n);
        yield block.subarray(offset, offset + n);
      }
    }
    const plainHash = createHash('sha256');
    for await (const piece of source()) plainHash.update(piece);
    const expected = plainHash.digest('hex');

    const sealedPath = path.join(dir, 'object.enc');
    const t0 = performance.now();
    await pipeline(Readable.from(source()), new EncryptStream({ key, context: objectName }), createWriteStream(sealedPath));
    const t1 = performance.now();
    expect((await stat(sealedPath)).size).toBe(encryptedSize(total, key.id));

    const outHash = createHash('sha256');
    let largestWrite = 0;
    const sink = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        outHash.update(chunk);
        largestWrite = Math.max(largestWrite, chunk.length);
        callback();
      },
    });
    await pipeline(createReadStream(sealedPath), new DecryptStream(open), sink);
    const t2 = performance.now();
    expect(outHash.digest('hex')).toBe(expected);
    // Plaintext leaves the decryptor one verified chunk at a time, never the whole file.
    expect(largestWrite).toBeLessThanOrEqual(DEFAULT_CHUNK_SIZE);

    const whole = Buffer.alloc(total);
    let at = 0;
    for await (const piece of source()) at += piece.copy(whole, at);
    const t3 = performance.now();
    const sealed = encryptBuffer(whole, { key, context: objectName });
    const t4 = performance.now();
    await decryptBuffer(sealed, open);
    const t5 = performance.now();

    const mbps = (ms: number) => (total / 1024 / 1024 / (ms / 1000)).toFixed(0);
    console.log(
      `encryption throughput (20 MiB, 64 KiB chunks): stream file->file encrypt ${mbps(t1 - t0)} MiB/s, decrypt ${mbps(t2 - t1)} MiB/s; ` +
        `in memory encrypt ${mbps(t4 - t3)} MiB/s, decrypt ${mbps(t5 - t4)} MiB/s`,
    );
  });
});
