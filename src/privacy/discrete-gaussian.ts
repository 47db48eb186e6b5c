/**
 * The discrete Gaussian N_Z(0, sigma^2) on the integers,
 * P(X = x) proportional to exp(-x^2 / (2 sigma^2)), for a rational sigma^2 > 0.
 * Adding it to an integer query of sensitivity Delta gives Delta^2/(2 sigma^2)-zCDP,
 * the same as the continuous Gaussian (Canonne, Kamath, Steinke 2020,
 * arXiv:2004.00010, §2), and it can be sampled exactly.
 *
 * Sampler: CKS20 Algorithm 3, rejection from a discrete Laplace with integer scale
 * t = floor(sigma) + 1, accepting Y with probability
 * exp(-(|Y| - sigma^2/t)^2 / (2 sigma^2)). With sigma^2 = a/b that exponent is the
 * rational (|Y| b t - a)^2 / (2 a b t^2), so the whole loop stays in integers.
 */
import { bernoulliExp } from './bernoulli-exp.ts';
import { isqrt, rational, type Rational } from './rational.ts';
import type { RandomSource } from './random-source.ts';
import { sampleDiscreteLaplace } from './discrete-laplace.ts';

/**
 * A sampler of N_Z(0, sigma2) with its constants worked out once (sigma2 = num/den > 0).
 *
 * @example const draw = discreteGaussianSampler(rational(21n)); draw(cryptoRandomSource())
 */
export function discreteGaussianSampler(sigma2: Rational): (source: RandomSource) => bigint {
  if (sigma2.num <= 0n || sigma2.den <= 0n) {
    throw new Error(`Internal error: discrete Gaussian sigma^2 must be positive, got ${sigma2.num}/${sigma2.den}`);
  }
  const { num: a, den: b } = rational(sigma2.num, sigma2.den);
  // floor(sqrt(a/b)) = isqrt(floor(a/b)), since k <= sqrt(x) iff k^2 <= floor(x) for integer k.
  const t = isqrt(a / b) + 1n;
  const laplaceScale: Rational = { num: t, den: 1n };
  const bt = b * t;
  const gammaDen = 2n * a * b * t * t;
  return (source) => {
    for (;;) {
      const y = sampleDiscreteLaplace(source, laplaceScale);
      const diff = (y < 0n ? -y : y) * bt - a;
      if (bernoulliExp(source, { num: diff * diff, den: gammaDen })) return y;
    }
  };
}

/** One draw of N_Z(0, sigma2); use `discreteGaussianSampler` for many draws. */
export function sampleDiscreteGaussian(source: RandomSource, sigma2: Rational): bigint {
  return discreteGaussianSampler(sigma2)(source);
}
