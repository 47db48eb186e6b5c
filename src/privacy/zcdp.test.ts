import { describe, expect, it } from 'vitest';
import { rational } from './rational.ts';
import { zcdpLogDelta, zcdpRhoFor } from './zcdp.ts';

/** The CKS20 Corollary 13 delta minimised over a fine log grid of alpha: an independent evaluation. */
function gridDelta(rho: number, eps: number): number {
  let best = Infinity;
  for (let i = 0; i <= 200_000; i += 1) {
    const alpha = 1 + 10 ** (-4 + (9 * i) / 200_000);
    const logDelta = (alpha - 1) * (alpha * rho - eps) + alpha * Math.log1p(-1 / alpha) - Math.log(alpha - 1);
    best = Math.min(best, logDelta);
  }
  return Math.exp(best);
}

describe('zcdp conversion (CKS20 Corollary 13)', () => {
  it('gives the rho of the reference implementation for textbook parameters', () => {
    // Values of Steinke's cdp2adp.py (cdp_rho) for the same (epsilon, delta).
    expect(zcdpRhoFor(rational(1n), rational(1n, 10n ** 6n))).toBeCloseTo(0.024355970359538372, 7);
    expect(zcdpRhoFor(rational(1n, 2n), rational(1n, 10n ** 5n))).toBeCloseTo(0.008505530591181911, 8);
    expect(zcdpRhoFor(rational(2n), rational(1n, 10n ** 9n))).toBeCloseTo(0.056130501796519815, 7);
  });

  it('meets delta by an independent evaluation and is not needlessly small', () => {
    for (const [eps, delta] of [[1, 1e-6], [0.1, 1e-6], [5, 1e-10], [0.5, 1e-3]] as const) {
      const epsilon = rational(BigInt(Math.round(eps * 10)), 10n);
      const d = rational(1n, BigInt(Math.round(1 / delta)));
      const rho = zcdpRhoFor(epsilon, d);
      const achieved = gridDelta(rho, eps);
      expect(achieved).toBeLessThanOrEqual(delta * (1 + 1e-6));
      expect(achieved).toBeGreaterThan(delta * 0.999);
      // Tighter than the classic Bun-Steinke 2016 bound rho + 2 sqrt(rho ln(1/delta)) <= eps.
      const l = Math.log(1 / delta);
      const classic = (Math.sqrt(l + eps) - Math.sqrt(l)) ** 2;
      expect(rho).toBeGreaterThan(classic);
    }
  });

  it('computes a delta that shrinks as epsilon grows', () => {
    expect(Math.exp(zcdpLogDelta(0.025, 1))).toBeCloseTo(gridDelta(0.025, 1), 12);
    expect(zcdpLogDelta(0.025, 2)).toBeLessThan(zcdpLogDelta(0.025, 1));
    // A bound never above 1, and a huge rho at epsilon 0 gives almost nothing.
    expect(zcdpLogDelta(10, 0)).toBeLessThanOrEqual(0);
    expect(zcdpLogDelta(10, 0)).toBeGreaterThan(-1e-3);
  });

  it('refuses impossible parameters', () => {
    expect(() => zcdpRhoFor(rational(0n), rational(1n, 100n))).toThrow(/epsilon/);
    expect(() => zcdpRhoFor(rational(1n), rational(0n))).toThrow(/delta/);
    expect(() => zcdpRhoFor(rational(1n), rational(1n))).toThrow(/delta/);
  });
});
