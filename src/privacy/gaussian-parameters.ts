/**
 * Parameters of the discrete Gaussian mechanism for (epsilon, delta)-DP.
 *
 * Which bound: the discrete Gaussian N_Z(0, sigma^2) added to an integer query of
 * sensitivity Delta is Delta^2/(2 sigma^2)-zCDP (CKS20, arXiv:2004.00010, §2: the
 * Rényi divergences match the continuous Gaussian's), and rho-zCDP gives
 * (epsilon, delta)-DP by CKS20 Corollary 13 (zcdp.ts). So sigma^2 = Delta^2 / (2 rho)
 * with the largest rho the conversion allows. We do not use CKS20 Theorem 7 (the exact
 * delta of the discrete Gaussian, slightly tighter) to choose sigma, because its tail
 * sums cost O(sigma) at fixed-point scales; the tests check the chosen sigma against
 * Theorem 7 independently. Budgets can also be composed in rho (zCDP adds up), which
 * `gaussianRho` gives exactly.
 */
import { exactDouble, roundUpTo } from './conservative-rational.ts';
import { isPositive, rational, type Rational } from './rational.ts';
import { zcdpRhoFor } from './zcdp.ts';

/** Default resolution of sigma^2: 10^-6 of a fixed-point unit squared. */
export const SIGMA2_DENOMINATOR = 10n ** 6n;

/**
 * sigma^2 for (epsilon, delta)-DP at sensitivity Delta, rounded UP to a multiple of 1/den.
 *
 * @example gaussianSigma2(1n, rational(1n), rational(1n, 1000000n)) // about 20.5
 */
export function gaussianSigma2(
  sensitivity: bigint,
  epsilon: Rational,
  delta: Rational,
  den: bigint = SIGMA2_DENOMINATOR,
): Rational {
  if (sensitivity <= 0n) throw new Error(`Internal error: sensitivity must be a positive integer, got ${sensitivity}`);
  const rho = exactDouble(zcdpRhoFor(epsilon, delta));
  // sigma^2 = Delta^2 / (2 rho), exact in rationals, then rounded up (never down).
  const exact = rational(sensitivity * sensitivity * rho.den, 2n * rho.num);
  return roundUpTo(exact, den);
}

/** rho = Delta^2 / (2 sigma^2): the zCDP cost of one release, exact. */
export function gaussianRho(sensitivity: bigint, sigma2: Rational): Rational {
  if (sensitivity <= 0n) throw new Error(`Internal error: sensitivity must be a positive integer, got ${sensitivity}`);
  if (!isPositive(sigma2)) throw new Error('Internal error: sigma^2 must be positive');
  return rational(sensitivity * sensitivity * sigma2.den, 2n * sigma2.num);
}
