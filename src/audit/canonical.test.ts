import { describe, expect, it } from 'vitest';
import { canonicalJson, lengthPrefixed } from './canonical.ts';
import { entryMac } from './entry-mac.ts';
import { parseHeadRef } from './verify.ts';

describe('canonical encodings', () => {
  it('length-prefixes each field, so moving a boundary changes the bytes', () => {
    expect(lengthPrefixed(['ab', '']).toString('hex')).toBe('00000002' + '6162' + '00000000');
    expect(lengthPrefixed(['a', 'b']).equals(lengthPrefixed(['ab', '']))).toBe(false);
    // é is two bytes in UTF-8: the prefix counts bytes, not characters.
    expect(lengthPrefixed(['é']).toString('hex')).toBe('00000002c3a9');
  });

  it('gives two entries that differ only in where a field ends different HMACs', () => {
    const key = Buffer.alloc(32, 1);
    const base = { seq: 1, at: '2026-01-01T00:00:00.000Z', outcome: 'ok', detailJson: '{}', prevHash: '0'.repeat(64) };
    const a = entryMac(key, { ...base, actor: 'brand', action: 'member.create', subject: 'x' });
    const b = entryMac(key, { ...base, actor: 'bran', action: 'dmember.create', subject: 'x' });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
  });

  it('writes JSON with sorted keys and no white space, leaving out undefined members', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, d: { z: 0.5, y: 'é' } })).toBe('{"a":[true,null,"x"],"b":1,"d":{"y":"é","z":0.5}}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(/^Internal error: .*non-finite/);
  });

  it('parses an exported head SEQ:HASH and nothing else', () => {
    const hash = 'ab'.repeat(32);
    expect(parseHeadRef(`42:${hash}\n`)).toEqual({ seq: 42, hash });
    expect(parseHeadRef(`42:${hash.toUpperCase()}`)).toBeUndefined();
    expect(parseHeadRef(`x:${hash}`)).toBeUndefined();
    expect(parseHeadRef('42:abc')).toBeUndefined();
  });
});
