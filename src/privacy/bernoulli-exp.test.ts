import { describe, expect, it } from 'vitest';
import { bernoulliExp } from './bernoulli-exp.ts';
import { rational } from './rational.ts';
import { seededRandomSource } from './seeded-random-source.ts';
import { scriptedSource } from './test-support.ts';

describe('bernoulliExp', () => {
  it('follows CKS20 Algorithm 1 (hand-traced)', () => {
    // gamma = 1/2: A1 ~ Bernoulli(1/2) via a 1-bit draw below 2: byte 0 -> 0 < 1, A1 = 1;
    // A2 ~ Bernoulli(1/4), 2-bit draw: byte 3 -> 3 >= 1, A2 = 0. Stops at K = 2 (even): false.
    expect(bernoulliExp(scriptedSource([0x00, 0x03]), rational(1n, 2n))).toBe(false);
    // A1 = 0 at once (byte 1 -> 1 >= 1): K = 1, odd: true.
    expect(bernoulliExp(scriptedSource([0x01]), rational(1n, 2n))).toBe(true);
    // gamma = 0 needs no randomness and is always true.
    expect(bernoulliExp(scriptedSource([]), rational(0n))).toBe(true);
    // gamma = 3/2: one Bernoulli(exp(-1)) first. A1 ~ Bernoulli(1/1) is 1 with no draw;
    // A2 ~ Bernoulli(1/2): byte 1 -> 0. K = 2: that factor fails, so false, nothing more drawn.
    const s = scriptedSource([0x01, 0x99]);
    expect(bernoulliExp(s, rational(3n, 2n))).toBe(false);
    expect(s.remaining()).toBe(1);
  });

  it('refuses a negative gamma', () => {
    expect(() => bernoulliExp(scriptedSource([]), { num: -1n, den: 2n })).toThrow(/gamma >= 0/);
  });

  it('succeeds with frequency exp(-gamma)', () => {
    const source = seededRandomSource('bernoulli-exp');
    const n = 100_000;
    for (const gamma of [rational(1n, 3n), rational(1n), rational(5n, 2n), rational(7n), rational(123456789n, 100000000n)]) {
      let hits = 0;
      for (let i = 0; i < n; i += 1) if (bernoulliExp(source, gamma)) hits += 1;
      const p = Math.exp(-Number(gamma.num) / Number(gamma.den));
      const z = (hits - n * p) / Math.sqrt(n * p * (1 - p));
      expect(Math.abs(z), `gamma ${gamma.num}/${gamma.den}: ${hits} hits, expected ${n * p}`).toBeLessThan(4);
    }
  });

  it('is told apart from a wrong probability by the same check', () => {
    // exp(-1/3) = 0.7165; a sampler of 0.69 instead would fail |z| < 4 at n = 100 000.
    const n = 100_000;
    const source = seededRandomSource('bernoulli-exp-wrong');
    let hits = 0;
    for (let i = 0; i < n; i += 1) if (bernoulliExp(source, rational(1n, 3n))) hits += 1;
    const wrong = 0.69;
    expect(Math.abs((hits - n * wrong) / Math.sqrt(n * wrong * (1 - wrong)))).toBeGreaterThan(4);
  });
});
