/**
 * Exact non-negative-denominator rationals over BigInt. Noise scales, epsilons and
 * Bernoulli probabilities are carried as rationals so that no sampler ever rounds
 * (Mironov 2012, "On Significance of the Least Significant Bits for Differential
 * Privacy", showed that rounding inside a floating-point sampler leaks the input).
 */
export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

export const ZERO: Rational = { num: 0n, den: 1n };
export const ONE: Rational = { num: 1n, den: 1n };

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** `num/den` in lowest terms; the denominator must be positive. */
export function rational(num: bigint, den: bigint = 1n): Rational {
  if (den <= 0n) throw new Error(`Internal error: rational denominator must be positive, got ${den}`);
  const g = gcd(num, den);
  return g <= 1n ? { num, den } : { num: num / g, den: den / g };
}

export function compare(a: Rational, b: Rational): -1 | 0 | 1 {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

export function isPositive(r: Rational): boolean {
  return r.den > 0n && r.num > 0n;
}

export function multiply(a: Rational, b: Rational): Rational {
  return rational(a.num * b.num, a.den * b.den);
}

export function divide(a: Rational, b: Rational): Rational {
  if (b.num === 0n) throw new Error('Internal error: division of a rational by zero');
  const sign = b.num < 0n ? -1n : 1n;
  return rational(a.num * b.den * sign, a.den * b.num * sign);
}

/** Largest integer not above `r` (BigInt `/` truncates toward zero, so fix negatives). */
export function floor(r: Rational): bigint {
  const q = r.num / r.den;
  return r.num < 0n && q * r.den !== r.num ? q - 1n : q;
}

/** Smallest integer not below `r`. */
export function ceil(r: Rational): bigint {
  return -floor({ num: -r.num, den: r.den });
}

/** Largest integer whose square is at most `n` (Newton's method on BigInt). */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new Error(`Internal error: isqrt of negative ${n}`);
  if (n < 2n) return n;
  let x = 1n << BigInt((n.toString(2).length + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/**
 * The nearest double to `r`, for reporting and for the floating-point parameter
 * searches only (never for sampling). Scales both sides so huge BigInts stay finite.
 */
export function toNumber(r: Rational): number {
  const shift = Math.max(r.num.toString(2).length, r.den.toString(2).length) - 1000;
  if (shift <= 0) return Number(r.num) / Number(r.den);
  const s = BigInt(shift);
  return Number(r.num >> s) / Number(r.den >> s);
}

export function format(r: Rational): string {
  return r.den === 1n ? `${r.num}` : `${r.num}/${r.den}`;
}
