import { describe, expect, it } from 'vitest';
import { chiSquarePValue, logGamma, regularizedGammaQ } from './incomplete-gamma.ts';

describe('incomplete gamma', () => {
  it('logGamma matches factorials and Gamma(1/2) = sqrt(pi)', () => {
    expect(logGamma(1)).toBeCloseTo(0, 13);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 9); // ln(100!)
  });

  it('Q(1, x) = exp(-x) on both branches', () => {
    for (const x of [0.1, 1, 1.9, 2.1, 10, 50]) expect(regularizedGammaQ(1, x)).toBeCloseTo(Math.exp(-x), 13);
    expect(regularizedGammaQ(3, 0)).toBe(1);
  });

  it('Q(n, x) = e^-x sum_{k<n} x^k/k! for integer n', () => {
    const poisson = (n: number, x: number): number => {
      let term = Math.exp(-x);
      let sum = term;
      for (let k = 1; k < n; k += 1) sum += (term *= x / k);
      return sum;
    };
    for (const [n, x] of [[3, 2], [5, 5], [10, 4], [10, 15], [40, 30]] as const) {
      expect(regularizedGammaQ(n, x)).toBeCloseTo(poisson(n, x), 12);
    }
  });

  it('gives textbook chi-square critical values', () => {
    // 95th percentiles: 1 dof 3.841459, 10 dof 18.307038, 100 dof 124.342113; 99.9th of 4 dof 18.466827.
    expect(chiSquarePValue(3.841459, 1)).toBeCloseTo(0.05, 6);
    expect(chiSquarePValue(18.307038, 10)).toBeCloseTo(0.05, 6);
    expect(chiSquarePValue(124.342113, 100)).toBeCloseTo(0.05, 6);
    expect(chiSquarePValue(18.466827, 4)).toBeCloseTo(0.001, 7);
    expect(chiSquarePValue(2, 2)).toBeCloseTo(Math.exp(-1), 13);
  });
});
