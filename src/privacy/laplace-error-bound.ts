/**
 * The half-width b of the discrete Laplace noise at a given confidence: the smallest
 * integer with P(|X| > b) <= 1 - confidence. Summing the PMF
 * (1 - p)/(1 + p) p^|x|, p = exp(-1/t), over |x| > b gives the closed form
 * P(|X| > b) = 2 p^(b+1) / (1 + p), evaluated here in log space.
 */
import { checkConfidence, type ErrorBound } from './error-bound.ts';
import { isPositive, toNumber, type Rational } from './rational.ts';

/**
 * Slack (in log space) the computed tail must clear: the few double operations below
 * err by ~1e-15, so rounding can only widen the reported bound, never narrow it. It is
 * kept tiny because at scale t each unit of b moves the tail by only 1/t in log space.
 */
const LOG_MARGIN = 1e-12;

/** log P(|X| > b) for scale t. */
export function laplaceLogTail(t: number, b: number): number {
  return Math.LN2 - (b + 1) / t - Math.log1p(Math.exp(-1 / t));
}

/** @example laplaceErrorBound(rational(1n)) // { halfWidth: 3n, confidence: 0.95, exact: true } */
export function laplaceErrorBound(scale: Rational, confidence = 0.95): ErrorBound {
  if (!isPositive(scale)) throw new Error('Internal error: scale must be positive');
  const logAlpha = Math.log(checkConfidence(confidence));
  const t = toNumber(scale);
  const accepted = (b: number): boolean => laplaceLogTail(t, b) + LOG_MARGIN <= logAlpha;
  // Solve 2 p^(b+1)/(1+p) = alpha for b, then step to the exact smallest integer.
  let b = Math.max(0, Math.ceil(t * (Math.LN2 - Math.log1p(Math.exp(-1 / t)) - logAlpha)) - 1);
  if (!(b < 2 ** 52)) throw new Error(`Internal error: scale ${t} too large for an error bound`);
  while (b > 0 && accepted(b - 1)) b -= 1;
  while (!accepted(b)) b += 1;
  return { halfWidth: BigInt(b), confidence, exact: true };
}
