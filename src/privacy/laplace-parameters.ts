/**
 * Parameters of the discrete Laplace (geometric) mechanism: for an integer query of
 * sensitivity Delta (in fixed-point units), scale t = Delta/epsilon gives epsilon-DP,
 * because shifting the input by at most Delta changes every output's probability by
 * at most a factor exp(Delta/t) (Ghosh, Roughgarden, Sundararajan 2009; CKS20 §1).
 * Exact in rationals: nothing is rounded, so there is nothing to round the wrong way.
 */
import { divide, isPositive, rational, type Rational } from './rational.ts';

/**
 * Scale t = Delta / epsilon.
 *
 * @example laplaceScale(100n, rational(1n, 2n)) // 200/1: a sum clamped to [0, 1.00] in cents at epsilon 0.5
 */
export function laplaceScale(sensitivity: bigint, epsilon: Rational): Rational {
  if (sensitivity <= 0n) throw new Error(`Internal error: sensitivity must be a positive integer, got ${sensitivity}`);
  if (!isPositive(epsilon)) throw new Error(`Internal error: epsilon must be positive, got ${epsilon.num}/${epsilon.den}`);
  return divide(rational(sensitivity), epsilon);
}

/** The epsilon a given scale spends at a given sensitivity (Delta / t), for the ledger. */
export function laplaceEpsilon(sensitivity: bigint, scale: Rational): Rational {
  if (sensitivity <= 0n) throw new Error(`Internal error: sensitivity must be a positive integer, got ${sensitivity}`);
  if (!isPositive(scale)) throw new Error(`Internal error: scale must be positive, got ${scale.num}/${scale.den}`);
  return divide(rational(sensitivity), scale);
}
