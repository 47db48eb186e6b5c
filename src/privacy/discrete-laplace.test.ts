import { describe, expect, it } from 'vitest';
import { sampleDiscreteLaplace } from './discrete-laplace.ts';
import { rational, type Rational } from './rational.ts';
import { seededRandomSource } from './seeded-random-source.ts';
import { laplacePmf, scriptedSource, tally } from './test-support.ts';
import { chiSquareFit } from './verify/chi-square-fit.ts';

const N = 150_000;

describe('sampleDiscreteLaplace', () => {
  it('follows CKS20 Algorithm 2 (hand-traced, scale 1)', () => {
    // t = 1: U = 0 and Bernoulli(exp(0)) = 1 without draws. V: first Bernoulli(exp(-1))
    // runs A1 = 1 (p = 1), A2 ~ Bernoulli(1/2): byte 0 -> yes, A3 ~ Bernoulli(1/3): byte 2
    // -> no; K = 3 odd, so V = 1. Second: A2: byte 1 -> no; K = 2 even, stop. X = 1, Y = 1.
    // Sign byte 0x80 -> negative. Result -1.
    const s = scriptedSource([0x00, 0x02, 0x01, 0x80]);
    expect(sampleDiscreteLaplace(s, rational(1n))).toBe(-1n);
    expect(s.remaining()).toBe(0);
    // Y = 0 with the sign bit set is rejected and the loop starts over: V = 0 (byte 1),
    // sign 0x80 -> reject; V = 0 (byte 1), sign 0x00 -> +0.
    expect(sampleDiscreteLaplace(scriptedSource([0x01, 0x80, 0x01, 0x00]), rational(1n))).toBe(0n);
  });

  it('refuses a non-positive scale', () => {
    expect(() => sampleDiscreteLaplace(scriptedSource([]), { num: 0n, den: 1n })).toThrow(/positive/);
    expect(() => sampleDiscreteLaplace(scriptedSource([]), { num: -3n, den: 2n })).toThrow(/positive/);
  });

  const scales: readonly Rational[] = [rational(1n, 2n), rational(3n, 2n), rational(10n), rational(1000n, 7n)];
  for (const scale of scales) {
    const t = Number(scale.num) / Number(scale.den);
    it(`matches the exact PMF at scale ${scale.num}/${scale.den} (chi-square, ${N} samples)`, () => {
      const source = seededRandomSource(`laplace-${scale.num}/${scale.den}`);
      const counts = tally(() => sampleDiscreteLaplace(source, scale), N);
      const fit = chiSquareFit(counts, laplacePmf(t));
      expect(fit.dof).toBeGreaterThan(3);
      expect(fit.pValue, `chi2 ${fit.statistic} on ${fit.dof} dof`).toBeGreaterThan(0.001);
      // The same check rejects a PMF whose scale is 10% off, so it can fail.
      expect(chiSquareFit(counts, laplacePmf(t * 1.1)).pValue).toBeLessThan(1e-6);
      expect(chiSquareFit(counts, laplacePmf(t / 1.1)).pValue).toBeLessThan(1e-6);
    });
  }
});
