/**
 * One-sided Clopper–Pearson (exact binomial) confidence bounds, from the regularised
 * incomplete beta function. Used by the privacy audit (test/privacy-audit.test.ts) and
 * the OpenDP cross-check; tests only.
 */
import { logGamma } from '../../../src/privacy/verify/incomplete-gamma.ts';

/** Continued fraction of I_x(a, b) by the modified Lentz method (Numerical Recipes, 3rd ed., §6.4). */
function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const guard = (v: number): number => (Math.abs(v) < tiny ? tiny : v);
  let c = 1;
  let d = 1 / guard(1 - ((a + b) * x) / (a + 1));
  let h = d;
  for (let m = 1; m <= 200_000; m += 1) {
    const m2 = 2 * m;
    const even = (m * (b - m) * x) / ((a - 1 + m2) * (a + m2));
    d = 1 / guard(1 + even * d);
    c = guard(1 + even / c);
    h *= d * c;
    const odd = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + 1 + m2));
    d = 1 / guard(1 + odd * d);
    c = guard(1 + odd / c);
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) return h;
  }
  throw new Error('Internal error: the incomplete beta fraction did not converge');
}

/** The regularised incomplete beta function I_x(a, b), a, b > 0. */
export function betaRegularized(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - (logGamma(a) + logGamma(b) - logGamma(a + b));
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * betaFraction(1 - x, b, a)) / b;
}

/** p in (0, 1) where the monotone f crosses target (bisection). */
function solve(f: (p: number) => number, target: number, increasing: boolean): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 100; i += 1) {
    const mid = (lo + hi) / 2;
    if ((f(mid) < target) === increasing) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** One-sided Clopper–Pearson lower bound on p from k successes in n, at confidence 1 - alpha. */
export function clopperPearsonLower(k: number, n: number, alpha: number): number {
  // P(Bin(n, p) >= k) = I_p(k, n - k + 1), increasing in p.
  return k === 0 ? 0 : solve((p) => betaRegularized(p, k, n - k + 1), alpha, true);
}

/** One-sided Clopper–Pearson upper bound on p from k successes in n, at confidence 1 - alpha. */
export function clopperPearsonUpper(k: number, n: number, alpha: number): number {
  // P(Bin(n, p) <= k) = 1 - I_p(k + 1, n - k), decreasing in p.
  return k === n ? 1 : solve((p) => 1 - betaRegularized(p, k + 1, n - k), alpha, false);
}
