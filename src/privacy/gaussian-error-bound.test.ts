import { describe, expect, it } from 'vitest';
import { gaussianErrorBound } from './gaussian-error-bound.ts';
import { rational, type Rational } from './rational.ts';
import { gaussianPmf } from './test-support.ts';

/** Smallest b with P(|X| > b) <= alpha, summing the tail of an independently normalised PMF. */
function bruteForce(s: number, alpha: number): number {
  const pmf = gaussianPmf(s);
  const reach = Math.ceil(12 * Math.sqrt(s)) + 20;
  let b = reach;
  let tail = 0; // P(|X| > b)
  while (b > 0 && tail + 2 * pmf(b) <= alpha) {
    tail += 2 * pmf(b);
    b -= 1;
  }
  return b;
}

describe('gaussianErrorBound', () => {
  it('gives the hand-worked half-width for sigma^2 = 1', () => {
    // Z = sqrt(2 pi) (to 1e-8); P(|X| > 1) = 2(e^-2 + e^-4.5 + ...)/Z = 0.117,
    // P(|X| > 2) = 2(e^-4.5 + e^-8 + ...)/Z = 0.0091.
    expect(gaussianErrorBound(rational(1n))).toEqual({ halfWidth: 2n, confidence: 0.95, exact: true });
  });

  const cases: readonly [Rational, number][] = [
    [rational(1n, 4n), 1],
    [rational(7n, 3n), 3],
    [rational(25n), 10],
    [rational(400n), 39],
    [rational(43n, 2n), 9],
    [rational(1n, 100n), 0],
    [rational(123456789n, 1000n), -1],
  ];
  for (const [sigma2, expected] of cases) {
    it(`matches a brute-force PMF sum at sigma^2 = ${sigma2.num}/${sigma2.den}`, () => {
      const s = Number(sigma2.num) / Number(sigma2.den);
      const bound = gaussianErrorBound(sigma2);
      expect(bound.exact).toBe(true);
      expect(Number(bound.halfWidth)).toBe(bruteForce(s, 0.05));
      if (expected >= 0) expect(Number(bound.halfWidth)).toBe(expected);
      expect(Number(gaussianErrorBound(sigma2, 0.99).halfWidth)).toBe(bruteForce(s, 0.01));
    });
  }

  it('is close to 1.96 sigma for a large sigma', () => {
    const b = Number(gaussianErrorBound(rational(10n ** 10n)).halfWidth);
    expect(b / 1e5).toBeGreaterThan(1.959);
    expect(b / 1e5).toBeLessThan(1.961);
  });

  it('falls back to the sub-Gaussian tail above sigma = 2^20, flagged inexact', () => {
    const bound = gaussianErrorBound(rational(2n ** 42n));
    expect(bound.exact).toBe(false);
    // sqrt(2 ln 40) = 2.716 sigma, sigma = 2^21.
    expect(Number(bound.halfWidth) / 2 ** 21).toBeCloseTo(2.716, 2);
  });
});
