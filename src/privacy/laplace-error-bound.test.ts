import { describe, expect, it } from 'vitest';
import { laplaceErrorBound } from './laplace-error-bound.ts';
import { rational, type Rational } from './rational.ts';
import { laplacePmf } from './test-support.ts';

/** Smallest b with P(|X| > b) <= alpha, by summing an independently normalised PMF. */
function bruteForce(t: number, alpha: number): number {
  const pmf = laplacePmf(t);
  let inside = pmf(0);
  let b = 0;
  while (1 - inside > alpha) {
    b += 1;
    inside += 2 * pmf(b);
  }
  return b;
}

describe('laplaceErrorBound', () => {
  it('gives the hand-worked half-width for scale 1', () => {
    // P(|X| > b) = 2 e^-(b+1) / (1 + e^-1): b = 2 -> 0.0728, b = 3 -> 0.0268.
    expect(laplaceErrorBound(rational(1n))).toEqual({ halfWidth: 3n, confidence: 0.95, exact: true });
  });

  const scales: readonly [Rational, number][] = [
    [rational(1n, 2n), 1],
    [rational(3n, 2n), 4],
    [rational(10n), 30],
    [rational(100n), 300],
    [rational(1000n, 7n), -1],
    [rational(1n, 100n), 0],
  ];
  for (const [scale, expected] of scales) {
    it(`matches a brute-force PMF sum at scale ${scale.num}/${scale.den}`, () => {
      const t = Number(scale.num) / Number(scale.den);
      const b = laplaceErrorBound(scale).halfWidth;
      expect(Number(b)).toBe(bruteForce(t, 0.05));
      if (expected >= 0) expect(Number(b)).toBe(expected);
      expect(Number(laplaceErrorBound(scale, 0.99).halfWidth)).toBe(bruteForce(t, 0.01));
    });
  }

  it('handles fixed-point scales of millions of units', () => {
    // b + 1 = ceil(t ln(40 / (1 + p))), p = exp(-1/t); at t = 5e6 (50-digit decimal
    // arithmetic) t ln(40/(1+p)) = 14978661.868..., so b = 14978661.
    expect(laplaceErrorBound(rational(5_000_000n)).halfWidth).toBe(14978661n);
  });

  it('refuses a bad confidence or scale', () => {
    expect(() => laplaceErrorBound(rational(1n), 1)).toThrow(/confidence/);
    expect(() => laplaceErrorBound(rational(0n))).toThrow(/scale/);
  });
});
