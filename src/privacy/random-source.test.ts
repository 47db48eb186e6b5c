import { describe, expect, it } from 'vitest';
import { cryptoRandomSource } from './crypto-random-source.ts';
import { pooledSource } from './random-source.ts';
import { seededRandomSource } from './seeded-random-source.ts';

const concat = (parts: Uint8Array[]): number[] => parts.flatMap((p) => [...p]);

describe('pooledSource', () => {
  it('serves a stream in order across refills, whatever the request sizes', () => {
    let next = 0;
    const counting = () =>
      pooledSource((buffer) => {
        for (let i = 0; i < buffer.length; i += 1) buffer[i] = next++ & 0xff;
      }, 7);
    next = 0;
    const a = counting();
    const one = concat([a.bytes(3), a.bytes(0), a.bytes(10), a.bytes(1), a.bytes(6)]);
    expect(one).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('refuses a nonsensical byte count', () => {
    const s = pooledSource((b) => b.fill(1), 8);
    expect(() => s.bytes(-1)).toThrow(/Internal error/);
    expect(() => s.bytes(1.5)).toThrow(/Internal error/);
  });
});

describe('seededRandomSource', () => {
  it('is deterministic per seed and independent of how the stream is cut', () => {
    const whole = Buffer.from(seededRandomSource('alpha').bytes(200_000));
    const s = seededRandomSource('alpha');
    const pieces = Buffer.concat([s.bytes(1), s.bytes(65_535), s.bytes(70_000), s.bytes(64_464)]);
    expect(pieces.equals(whole)).toBe(true);
    expect(Buffer.from(seededRandomSource('beta').bytes(32)).equals(whole.subarray(0, 32))).toBe(false);
  });

  it('looks uniform: every byte value about equally often', () => {
    const bytes = seededRandomSource('uniformity').bytes(256 * 400);
    const counts = new Array<number>(256).fill(0);
    for (const b of bytes) counts[b] = (counts[b] ?? 0) + 1;
    // Chi-square with 255 dof; 400 expected per cell. 99.9th percentile is about 330.
    const stat = counts.reduce((s, c) => s + ((c - 400) * (c - 400)) / 400, 0);
    expect(stat).toBeLessThan(330);
  });
});

describe('cryptoRandomSource', () => {
  it('gives the requested number of bytes, different each time', () => {
    const s = cryptoRandomSource();
    const a = s.bytes(32);
    const b = s.bytes(32);
    expect(a).toHaveLength(32);
    expect([...a]).not.toEqual([...b]);
    expect(s.bytes(100_000)).toHaveLength(100_000);
  });
});
