/**
 * The half-width b of discrete Gaussian noise N_Z(0, sigma^2) at a given confidence:
 * the smallest integer with P(|X| > b) <= 1 - confidence, found by summing the PMF.
 *
 * Tail sums S(y) = sum_{k > y} exp(-k^2 / (2 sigma^2)) are accumulated from the far
 * tail inward (small terms first), plus a geometric upper bound on the terms beyond
 * the summed range, so rounding and truncation can only widen b. The normalising
 * constant comes from the Poisson summation (Jacobi theta) identity
 *   sum_x exp(-x^2/(2 s)) = sqrt(2 pi s) * (1 + 2 sum_{k>=1} exp(-2 pi^2 s k^2)),
 * exact and cheap for s >= 1, and from direct summation below that.
 *
 * Summation costs about 5 sigma exponentials, so beyond sigma = 2^20 units the bound
 * falls back to the sub-Gaussian tail P(|X| >= m) <= 2 exp(-m^2 / (2 sigma^2)), which
 * the discrete Gaussian satisfies (CKS20, arXiv:2004.00010, its MGF is at most the
 * continuous Gaussian's); that b is about 1.4 times the exact one and flagged inexact.
 */
import { checkConfidence, type ErrorBound } from './error-bound.ts';
import { isPositive, toNumber, type Rational } from './rational.ts';

const EXACT_LIMIT_SIGMA2 = 2 ** 40;

/**
 * Relative slack the computed tail must clear. The sum has at most ~5.3 million
 * positive terms added smallest first, each exponential within a few ulps, so its
 * relative error is below 1e-9; rounding can then only widen the bound.
 */
const TAIL_MARGIN = 1e-8;

function normalisingConstant(s: number): number {
  if (s >= 1) {
    let theta = 1;
    for (let k = 1; k <= 3; k += 1) theta += 2 * Math.exp(-2 * Math.PI * Math.PI * s * k * k);
    return Math.sqrt(2 * Math.PI * s) * theta;
  }
  let z = 0;
  for (let k = Math.ceil(40 * Math.sqrt(s)) + 40; k >= 1; k -= 1) z += Math.exp(-(k * k) / (2 * s));
  return 1 + 2 * z;
}

/** @example gaussianErrorBound(rational(1n)) // { halfWidth: 2n, confidence: 0.95, exact: true } */
export function gaussianErrorBound(sigma2: Rational, confidence = 0.95): ErrorBound {
  if (!isPositive(sigma2)) throw new Error('Internal error: sigma^2 must be positive');
  const alpha = checkConfidence(confidence);
  const s = toNumber(sigma2);
  if (s > EXACT_LIMIT_SIGMA2) {
    const m = Math.ceil(Math.sqrt(2 * s * Math.log(2 / alpha)) * (1 + TAIL_MARGIN));
    return { halfWidth: BigInt(m - 1), confidence, exact: false };
  }
  const z = normalisingConstant(s);
  // Beyond top, exp(-k^2/(2s)) <= exp(-24.5) relative to the centre.
  const top = Math.ceil(7 * Math.sqrt(s)) + 2;
  const beyondTop = Math.exp(-((top + 1) * (top + 1)) / (2 * s));
  const ratio = Math.exp(-(2 * top + 3) / (2 * s));
  // S(top) <= w(top+1) / (1 - ratio): later ratios only shrink.
  let tail = beyondTop / (1 - ratio);
  const limit = (alpha / (1 + TAIL_MARGIN)) * z;
  // Walk inward: tail = S(y). The first y (from the top) where 2 S(y) > limit fails, so b = y + 1.
  for (let y = top; y >= 0; y -= 1) {
    if (2 * tail > limit) return { halfWidth: BigInt(y + 1), confidence, exact: true };
    tail += Math.exp(-(y * y) / (2 * s));
  }
  return { halfWidth: 0n, confidence, exact: true };
}
