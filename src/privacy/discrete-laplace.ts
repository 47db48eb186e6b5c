/**
 * The discrete Laplace (two-sided geometric) distribution on the integers,
 * P(X = x) = (1 - p)/(1 + p) * p^|x| with p = exp(-1/t) for a rational scale t > 0.
 * Adding it to an integer query of sensitivity Delta gives (Delta/t)-DP exactly
 * (Ghosh, Roughgarden, Sundararajan 2009, the geometric mechanism), with no floating
 * point anywhere (Mironov 2012 broke the floating-point continuous Laplace).
 *
 * Sampler: Canonne, Kamath, Steinke 2020 (arXiv:2004.00010), Algorithm 2, with
 * t = num/den written as their t/s (t = num, s = den).
 */
import { bernoulliExp } from './bernoulli-exp.ts';
import { ONE, type Rational } from './rational.ts';
import type { RandomSource } from './random-source.ts';
import { fairCoin, uniformBelow } from './uniform.ts';

/**
 * One draw of discrete Laplace noise with scale `scale` (num/den, both positive).
 *
 * @example sampleDiscreteLaplace(cryptoRandomSource(), rational(20n)) // noise for a count at epsilon 1/20
 */
export function sampleDiscreteLaplace(source: RandomSource, scale: Rational): bigint {
  const t = scale.num;
  const s = scale.den;
  if (t <= 0n || s <= 0n) throw new Error(`Internal error: discrete Laplace scale must be positive, got ${t}/${s}`);
  for (;;) {
    // X ~ Geometric(1 - exp(-1/t)) on {0, 1, ...}, built as U + t*V: U uniform in
    // [0, t) kept with probability exp(-U/t) is X mod t, and V ~ Geometric(1 - exp(-1))
    // is floor(X / t); both are exact.
    const u = uniformBelow(source, t);
    if (!bernoulliExp(source, { num: u, den: t })) continue;
    let v = 0n;
    while (bernoulliExp(source, ONE)) v += 1n;
    // floor(X / s) ~ Geometric(1 - exp(-s/t)), the magnitude at scale t/s.
    const y = (u + t * v) / s;
    const negative = fairCoin(source);
    // Rejecting "negative zero" gives zero its single share of the two-sided law.
    if (negative && y === 0n) continue;
    return negative ? -y : y;
  }
}
