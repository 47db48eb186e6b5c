import { describe, expect, it } from 'vitest';
import { generateDataKey } from './data-key.ts';
import { encryptBuffer } from './encrypt-stream.ts';
import { chunkNonce, FIXED_HEADER_LENGTH, ObjectSealer, parseHeader } from './object-format.ts';

const key = generateDataKey('acme/v1');

describe('nonces and per-object keys', () => {
  it('every chunk of every object gets its own nonce, and every object its own salt', () => {
    const nonces = new Set<string>();
    const salts = new Set<string>();
    const objects = 500;
    const chunksPerObject = 40;
    for (let o = 0; o < objects; o++) {
      const { header } = new ObjectSealer({ key, chunkSize: 16 });
      salts.add(header.salt.toString('hex'));
      for (let i = 0; i < chunksPerObject; i++) nonces.add(chunkNonce(header.noncePrefix, i).toString('hex'));
    }
    expect(salts.size).toBe(objects);
    expect(nonces.size).toBe(objects * chunksPerObject);
  });

  it('the nonce is the prefix followed by the big-endian chunk counter', () => {
    const prefix = Buffer.from('0102030405060708', 'hex');
    expect(chunkNonce(prefix, 0).toString('hex')).toBe('010203040506070800000000');
    expect(chunkNonce(prefix, 0x01020304).toString('hex')).toBe('010203040506070801020304');
  });

  it('the same plaintext sealed twice shares no ciphertext', () => {
    const plain = Buffer.alloc(4096, 7);
    const a = encryptBuffer(plain, { key, chunkSize: 1024 });
    const b = encryptBuffer(plain, { key, chunkSize: 1024 });
    const headerLength = FIXED_HEADER_LENGTH + key.id.length + 16;
    expect(a.subarray(headerLength, headerLength + 32).equals(b.subarray(headerLength, headerLength + 32))).toBe(false);
  });

  it('a sealer refuses a short chunk before the last and any chunk after it', () => {
    const sealer = new ObjectSealer({ key, chunkSize: 8 });
    expect(() => sealer.seal(Buffer.alloc(7), false)).toThrow(/Internal error: only the last chunk/);
    sealer.seal(Buffer.alloc(3), true);
    expect(() => sealer.seal(Buffer.alloc(8), false)).toThrow(/Internal error: chunk sealed after the last/);
  });

  it('parseHeader asks for more bytes until the header is complete', () => {
    const sealed = encryptBuffer(Buffer.from('x'), { key });
    const full = parseHeader(sealed, 'o');
    if (full === 'need-more') throw new Error('header expected');
    for (let n = 0; n < full.bytes.length; n++) expect(parseHeader(sealed.subarray(0, n), 'o')).toBe('need-more');
    expect(parseHeader(sealed.subarray(0, full.bytes.length), 'o')).not.toBe('need-more');
  });
});
