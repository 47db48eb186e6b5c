/**
 * Bernoulli(exp(-gamma)) for a rational gamma >= 0, exactly, using only uniform
 * integer draws: Canonne, Kamath and Steinke 2020, "The Discrete Gaussian for
 * Differential Privacy" (NeurIPS 2020, arXiv:2004.00010), Algorithm 1.
 *
 * For gamma in [0, 1]: draw A_k ~ Bernoulli(gamma/k) for k = 1, 2, ... until the
 * first A_k = 0, at index K. P(K = k) = gamma^(k-1)/(k-1)! - gamma^k/k!, so
 * P(K odd) = sum_j (-gamma)^j/j! = exp(-gamma): the coins sum the Taylor series. For gamma > 1: exp(-gamma) = exp(-1)^floor(gamma) *
 * exp(-(gamma - floor(gamma))), one independent coin per factor, stopping at the
 * first failure. No floating point, so no rounding to leak through.
 *
 * Its running time depends on gamma and on the outcome; CKS20 discuss this
 * timing side channel; Cleanroom does not hide it (see README.md, "Not protected").
 */
import type { Rational } from './rational.ts';
import type { RandomSource } from './random-source.ts';
import { bernoulliRational } from './uniform.ts';

/** True with probability exp(-num/den); needs num >= 0, den > 0. */
export function bernoulliExp(source: RandomSource, gamma: Rational): boolean {
  if (gamma.num < 0n || gamma.den <= 0n) {
    throw new Error(`Internal error: bernoulliExp needs gamma >= 0, got ${gamma.num}/${gamma.den}`);
  }
  let num = gamma.num;
  const den = gamma.den;
  while (num > den) {
    if (!bernoulliExpUpToOne(source, 1n, 1n)) return false;
    num -= den;
  }
  return bernoulliExpUpToOne(source, num, den);
}

function bernoulliExpUpToOne(source: RandomSource, num: bigint, den: bigint): boolean {
  let k = 1n;
  while (bernoulliRational(source, { num, den: den * k })) k += 1n;
  return (k & 1n) === 1n;
}
