import { describe, expect, it } from 'vitest';
import { seededRandomSource } from './seeded-random-source.ts';
import { scriptedSource, tally } from './test-support.ts';
import { bernoulliRational, bitLength, fairCoin, uniformBelow } from './uniform.ts';
import { chiSquareFit } from './verify/chi-square-fit.ts';

describe('uniformBelow', () => {
  it('draws just enough bits and rejects draws at or above n (hand-traced)', () => {
    // n = 5 needs 3 bits: byte 0xff -> 7 (rejected), 0x0d -> 5 (rejected), 0x02 -> 2.
    const s = scriptedSource([0xff, 0x0d, 0x02]);
    expect(uniformBelow(s, 5n)).toBe(2n);
    expect(s.remaining()).toBe(0);
    // n = 1000 needs 10 bits in 2 bytes, big-endian: [0x03, 0xe8] = 1000 rejected, [0x01, 0x00] = 256.
    const t = scriptedSource([0x03, 0xe8, 0xfd, 0x00]);
    expect(uniformBelow(t, 1000n)).toBe(256n);
    // n = 1 needs no randomness at all.
    expect(uniformBelow(scriptedSource([]), 1n)).toBe(0n);
  });

  it('handles n above 2^53 exactly (the BigInt path)', () => {
    const n = (1n << 64n) + 1n; // needs 65 bits: 9 bytes, top byte masked to 1 bit
    const s = scriptedSource([0xff, ...new Array<number>(8).fill(0), 0x00, ...new Array<number>(7).fill(0), 0x2a]);
    // First draw: top bit 1 then zeros = 2^64 < n, accepted.
    expect(uniformBelow(s, n)).toBe(1n << 64n);
    expect(uniformBelow(s, n)).toBe(42n);
  });

  it('refuses n < 1', () => {
    expect(() => uniformBelow(scriptedSource([]), 0n)).toThrow(/Internal error/);
  });

  it('is uniform (chi-square) for a small n and for a huge n', () => {
    const source = seededRandomSource('uniform');
    const small = chiSquareFit(tally(() => uniformBelow(source, 10n), 50_000), (x) => (x >= 0 && x < 10 ? 0.1 : 0), {
      center: 5,
    });
    expect(small.pValue).toBeGreaterThan(0.001);
    // n = 3 * 2^60: reduce each draw to one of 12 equal buckets.
    const n = 3n << 60n;
    const buckets = tally(() => uniformBelow(source, n) / (1n << 58n), 50_000);
    const big = chiSquareFit(buckets, (x) => (x >= 0 && x < 12 ? 1 / 12 : 0), { center: 6 });
    expect(big.pValue).toBeGreaterThan(0.001);
  });

  it('bitLength', () => {
    expect([0n, 1n, 2n, 255n, 256n].map(bitLength)).toEqual([0, 1, 2, 8, 9]);
  });
});

describe('bernoulliRational and fairCoin', () => {
  it('compare one uniform draw below den with num (hand-traced)', () => {
    // 3/8: 3-bit draws 2 (< 3, true) then 5 (false).
    const s = scriptedSource([0x02, 0x05]);
    expect(bernoulliRational(s, { num: 3n, den: 8n })).toBe(true);
    expect(bernoulliRational(s, { num: 3n, den: 8n })).toBe(false);
    // 0 and 1 use no randomness.
    expect(bernoulliRational(scriptedSource([]), { num: 0n, den: 5n })).toBe(false);
    expect(bernoulliRational(scriptedSource([]), { num: 5n, den: 5n })).toBe(true);
    expect(() => bernoulliRational(scriptedSource([]), { num: 6n, den: 5n })).toThrow(/not a probability/);
    expect(fairCoin(scriptedSource([0x80]))).toBe(true);
    expect(fairCoin(scriptedSource([0x7f]))).toBe(false);
  });

  it('hits its probability (frequency)', () => {
    const source = seededRandomSource('bernoulli-rational');
    const n = 100_000;
    let hits = 0;
    for (let i = 0; i < n; i += 1) if (bernoulliRational(source, { num: 2n, den: 7n })) hits += 1;
    const p = 2 / 7;
    expect(Math.abs(hits - n * p) / Math.sqrt(n * p * (1 - p))).toBeLessThan(4);
  });
});
