import { describe, expect, it } from 'vitest';
import { chiSquareFit } from './chi-square-fit.ts';

describe('chiSquareFit', () => {
  it('merges cells to expected counts of at least 5 and folds the tails', () => {
    // Geometric-like symmetric PMF on {-3..3}: p(0) = 0.4, p(+-1) = 0.2, p(+-2) = 0.09, p(+-3) = 0.01.
    const p = new Map([[0, 0.4], [1, 0.2], [2, 0.09], [3, 0.01]]);
    const pmf = (x: number): number => p.get(Math.abs(x)) ?? 0;
    const observed = new Map([[0, 40], [1, 20], [-1, 20], [2, 9], [-2, 9], [3, 1], [-3, 1]]);
    const fit = chiSquareFit(observed, pmf);
    // n = 100: cells {0}, {1}, {2, 3...} on the right, {-1}, {-3..., -2} on the left.
    expect(fit.cells).toEqual([[-Infinity, -2], [-1, -1], [0, 0], [1, 1], [2, Infinity]]);
    expect(fit.statistic).toBeCloseTo(0, 12);
    expect(fit.dof).toBe(4);
    expect(fit.pValue).toBeCloseTo(1, 12);
  });

  it('computes Pearson statistic by hand', () => {
    const pmf = (x: number): number => (x === 0 || x === 1 ? 0.5 : 0);
    const fit = chiSquareFit(new Map([[0, 60], [1, 40]]), pmf, { center: 1 });
    // (60-50)^2/50 + (40-50)^2/50 = 4 on 1 dof: p = 0.0455.
    expect(fit.statistic).toBeCloseTo(4, 12);
    expect(fit.pValue).toBeCloseTo(0.0455003, 6);
  });

  it('refuses a PMF that does not sum to 1', () => {
    const pmf = (x: number): number => (x === 0 || x === 1 ? 0.4 : 0);
    expect(() => chiSquareFit(new Map([[0, 60], [1, 40]]), pmf, { center: 1 })).toThrow(/sums to/);
  });
});
