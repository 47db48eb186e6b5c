/**
 * Converting zero-concentrated DP (Bun and Steinke 2016) to (epsilon, delta)-DP with
 * the conversion of Canonne, Kamath and Steinke 2020 (arXiv:2004.00010, §2.3,
 * Corollary 13): rho-zCDP implies (epsilon, delta)-DP for every alpha > 1 with
 *
 *   delta = exp((alpha - 1)(alpha rho - epsilon)) / (alpha - 1) * (1 - 1/alpha)^alpha,
 *
 * which is tighter than the classic delta = exp(-(epsilon - rho)^2 / (4 rho)) of
 * Bun-Steinke 2016 (Proposition 1.3) and is what OpenDP's `cdp_delta` computes.
 *
 * Floating point is used here only to choose parameters, never to sample, and every
 * step errs toward less privacy loss: any alpha gives a valid bound (so an imperfect
 * search for the best alpha only loosens it), the inputs are rounded in the safe
 * direction, and a computed delta must clear the target by a relative margin far
 * larger than the rounding error of the few double operations involved.
 */
import { nextDouble } from './conservative-rational.ts';
import { isPositive, toNumber, type Rational } from './rational.ts';

/** Relative slack (in log space) demanded of a computed delta: rounding errors here are ~1e-14. */
const LOG_MARGIN = 1e-9;

function logDeltaAt(rho: number, epsilon: number, alpha: number): number {
  return (alpha - 1) * (alpha * rho - epsilon) + alpha * Math.log1p(-1 / alpha) - Math.log(alpha - 1);
}

/** The alpha minimising the bound: its log is convex in alpha, with the derivative below. */
function bestAlpha(rho: number, epsilon: number): number {
  let lo = 1.0001;
  let hi = (epsilon + 1) / (2 * rho) + 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i += 1) {
    const mid = (lo + hi) / 2;
    const derivative = (2 * mid - 1) * rho - epsilon + Math.log1p(-1 / mid);
    if (derivative < 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** log of the CKS20 delta for rho-zCDP at epsilon (a valid upper bound; at most 0). */
export function zcdpLogDelta(rho: number, epsilon: number): number {
  if (!(rho > 0) || !(epsilon >= 0)) throw new Error(`Internal error: zcdpLogDelta needs rho > 0, epsilon >= 0`);
  return Math.min(0, logDeltaAt(rho, epsilon, bestAlpha(rho, epsilon)));
}

/**
 * The largest rho (as a double, conservatively) such that rho-zCDP implies
 * (epsilon, delta)-DP by CKS20 Corollary 13.
 *
 * @example zcdpRhoFor(rational(1n), rational(1n, 1000000n)) // about 0.0244
 */
export function zcdpRhoFor(epsilon: Rational, delta: Rational): number {
  if (!isPositive(epsilon)) throw new Error('Internal error: epsilon must be positive');
  if (!isPositive(delta) || delta.num >= delta.den) throw new Error('Internal error: delta must be in (0, 1)');
  const eps = nextDouble(toNumber(epsilon), false);
  const deltaValue = nextDouble(toNumber(delta), false);
  if (!(eps > 0) || !(deltaValue >= 1e-300)) throw new Error('Internal error: epsilon or delta too small to compute with');
  const logTarget = nextDouble(Math.log(deltaValue), false) - LOG_MARGIN;
  const accepted = (rho: number): boolean => zcdpLogDelta(rho, eps) <= logTarget;
  let lo = 0;
  let hi = eps + 1;
  while (accepted(hi)) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i += 1) {
    const mid = (lo + hi) / 2;
    if (accepted(mid)) lo = mid;
    else hi = mid;
  }
  if (!(lo > 0)) throw new Error('Internal error: no positive rho meets this (epsilon, delta)');
  return lo;
}
