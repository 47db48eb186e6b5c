import { describe, expect, it } from 'vitest';
import { discreteGaussianSampler, sampleDiscreteGaussian } from './discrete-gaussian.ts';
import { rational, type Rational } from './rational.ts';
import { seededRandomSource } from './seeded-random-source.ts';
import { gaussianPmf, scriptedSource, tally } from './test-support.ts';
import { chiSquareFit } from './verify/chi-square-fit.ts';

const N = 150_000;

describe('discreteGaussianSampler', () => {
  it('follows CKS20 Algorithm 3 (hand-traced, sigma^2 = 1/4)', () => {
    // sigma^2 = 1/4: t = floor(1/2) + 1 = 1. The discrete Laplace(1) draw gives 0
    // (V: byte 1 -> stop at K = 2; sign 0x00). Accept with exp(-(0 - 1/4)^2 / (1/2)) =
    // exp(-1/8): gamma = (0*4*1 - 1)^2 / (2*1*4*1) = 1/8; A1 ~ Bernoulli(1/8), 3-bit
    // draw: byte 7 -> no; K = 1 odd: accepted.
    const s = scriptedSource([0x01, 0x00, 0x07]);
    expect(sampleDiscreteGaussian(s, rational(1n, 4n))).toBe(0n);
    expect(s.remaining()).toBe(0);
  });

  it('refuses a non-positive sigma^2', () => {
    expect(() => discreteGaussianSampler({ num: 0n, den: 1n })).toThrow(/positive/);
  });

  const variances: readonly Rational[] = [rational(1n, 4n), rational(7n, 3n), rational(25n), rational(400n)];
  for (const sigma2 of variances) {
    const s = Number(sigma2.num) / Number(sigma2.den);
    it(`matches the exact PMF at sigma^2 = ${sigma2.num}/${sigma2.den} (chi-square, ${N} samples)`, () => {
      const source = seededRandomSource(`gaussian-${sigma2.num}/${sigma2.den}`);
      const draw = discreteGaussianSampler(sigma2);
      const counts = tally(() => draw(source), N);
      const fit = chiSquareFit(counts, gaussianPmf(s));
      expect(fit.dof).toBeGreaterThan(2);
      expect(fit.pValue, `chi2 ${fit.statistic} on ${fit.dof} dof`).toBeGreaterThan(0.001);
      // A sigma 10% off is rejected by the same check.
      expect(chiSquareFit(counts, gaussianPmf(s * 1.21)).pValue).toBeLessThan(1e-6);
      expect(chiSquareFit(counts, gaussianPmf(s / 1.21)).pValue).toBeLessThan(1e-6);
    });
  }
});
