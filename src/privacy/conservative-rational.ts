/**
 * Turning user-facing decimals (epsilon, delta, a noise scale computed elsewhere) into
 * the exact rationals the samplers take, always rounding in the direction that adds
 * privacy: a noise scale rounds UP and an epsilon or delta rounds DOWN.
 *
 * Why: a mechanism's guarantee is computed from the parameters it was given. Noise a
 * hair smaller than the scale the accountant assumed means a privacy loss a hair
 * larger than the epsilon that was charged, so the promise would be false; noise a
 * hair larger only costs a hair of accuracy. The same reasoning rounds epsilon and
 * delta down (a smaller epsilon yields a larger scale). Mironov 2012 is the cautionary
 * tale of "harmless" rounding in DP code.
 *
 * Inputs: decimal text is exact ("0.1" is 1/10) and is the preferred form. A JS
 * number is taken at its exact binary value after one step (one ulp) in the safe
 * direction, since it may be the rounded result of float arithmetic (1/0.3 in
 * floating point can be below the true 10/3).
 */
import { ceil, floor, rational, type Rational } from './rational.ts';

export type DecimalInput = string | number;

/** Denominator used when the caller does not name one: 10^9 keeps scales readable. */
export const DEFAULT_DENOMINATOR = 10n ** 9n;

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d{1,6}))?$|^([+-]?)\.(\d+)(?:[eE]([+-]?\d{1,6}))?$/;

/** The exact value of decimal text such as "0.1", "12", "2.5e-3". */
export function parseDecimal(text: string): Rational {
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new Error(`Internal error: not a decimal number: '${text}'`);
  const sign = (m[1] ?? m[5] ?? '') === '-' ? -1n : 1n;
  const whole = m[2] ?? '0';
  const fraction = m[3] ?? m[6] ?? '';
  const exponent = Number(m[4] ?? m[7] ?? '0') - fraction.length;
  const digits = BigInt(whole + fraction) * sign;
  return exponent >= 0 ? rational(digits * 10n ** BigInt(exponent)) : rational(digits, 10n ** BigInt(-exponent));
}

/** The exact value of a finite double: every double is an integer times a power of two. */
export function exactDouble(x: number): Rational {
  if (!Number.isFinite(x)) throw new Error(`Internal error: not a finite number: ${x}`);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fractionBits = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fractionBits : fractionBits | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  const signed = bits >> 63n === 1n ? -mantissa : mantissa;
  return exponent >= 0 ? rational(signed << BigInt(exponent)) : rational(signed, 1n << BigInt(-exponent));
}

/** The next double toward +Infinity (`up`) or -Infinity. */
export function nextDouble(x: number, up: boolean): number {
  if (!Number.isFinite(x)) return x;
  if (x === 0) return up ? Number.MIN_VALUE : -Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigInt64(0);
  view.setBigInt64(0, (x > 0) === up ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

function exactValue(value: DecimalInput, up: boolean): Rational {
  return typeof value === 'string' ? parseDecimal(value) : exactDouble(nextDouble(value, up));
}

/** The smallest multiple of 1/den that is at least `value`. */
export function roundUpTo(value: Rational, den: bigint): Rational {
  return rational(ceil({ num: value.num * den, den: value.den }), den);
}

/** The largest multiple of 1/den that is at most `value`. */
export function roundDownTo(value: Rational, den: bigint): Rational {
  return rational(floor({ num: value.num * den, den: value.den }), den);
}

/**
 * A noise scale (Laplace t, Gaussian sigma or sigma^2) as a rational never below the
 * value given. Refuses non-positive scales: zero noise is not a mechanism.
 *
 * @example noiseScaleFromDecimal('3.3333333333') // 3333333334/1000000000 reduced
 */
export function noiseScaleFromDecimal(value: DecimalInput, den: bigint = DEFAULT_DENOMINATOR): Rational {
  const r = roundUpTo(exactValue(value, true), den);
  if (r.num <= 0n) throw new Error(`Internal error: a noise scale must be positive, got ${value}`);
  return r;
}

/**
 * An epsilon or delta as a rational never above the value given. Refuses values that
 * round to zero or below, since they would call for infinite noise.
 *
 * @example privacyParameterFromDecimal('0.1') // 1/10
 */
export function privacyParameterFromDecimal(value: DecimalInput, den: bigint = DEFAULT_DENOMINATOR): Rational {
  const r = roundDownTo(exactValue(value, false), den);
  if (r.num <= 0n) throw new Error(`Internal error: a privacy parameter must be positive at 1/${den} resolution, got ${value}`);
  return r;
}
