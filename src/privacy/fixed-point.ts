/**
 * Fixed-point values: a number v is carried as the integer v * radix^digits (a
 * BigInt), so that integer noise (discrete Laplace, discrete Gaussian) can be added
 * exactly and sensitivities are integers in the same units. Adding noise never wraps:
 * a result outside the declared range (the column's type, e.g. BIGINT or
 * DECIMAL(18,2), or the rule's declared bounds) is refused, because a silently wrapped
 * value is wrong by a huge amount and its sign or size could reveal the true value.
 *
 * The declared range must be a representation limit far from any plausible value, not
 * a semantic bound: whether noise pushes a value out of range depends on the exact
 * value, so refusing a negative noisy count would tell the runner the count was small.
 * Semantic bounds (a count is not negative) are applied after the noise with
 * `clampToBounds`, which is post-processing and costs no privacy.
 */

export interface FixedPointFormat {
  /** 10 for decimal columns (cents: radix 10, digits 2); 2 for binary fractions. */
  readonly radix: 2 | 10;
  /** Number of fractional digits: a value v is stored as v * radix^digits. */
  readonly digits: number;
  /** Smallest and largest storable integer (in units), both inclusive. */
  readonly min: bigint;
  readonly max: bigint;
}

export type NoisyValue =
  | { readonly ok: true; readonly value: bigint }
  | {
      readonly ok: false;
      readonly code: 'value-out-of-range' | 'noisy-value-out-of-range';
      readonly message: string;
    };

/** Range of a signed two's-complement integer of `bits` bits, e.g. 64 for BIGINT. */
export function signedRange(bits: number): { readonly min: bigint; readonly max: bigint } {
  const half = 1n << BigInt(bits - 1);
  return { min: -half, max: half - 1n };
}

/** The unit of a format: 1 in real terms is `unit` in fixed-point units. */
export function unitOf(format: FixedPointFormat): bigint {
  if (!Number.isSafeInteger(format.digits) || format.digits < 0) {
    throw new Error(`Internal error: fixed-point digits must be a non-negative integer, got ${format.digits}`);
  }
  return BigInt(format.radix) ** BigInt(format.digits);
}

/**
 * value + noise, both in units, or a refusal when either the exact value or the sum
 * leaves [min, max]. The error message names no value: it may be sent to a member, and
 * the exact aggregate is what the noise protects.
 *
 * @example addNoise(12345n, sampleDiscreteLaplace(src, scale), { radix: 10, digits: 2, ...signedRange(64) })
 */
export function addNoise(value: bigint, noise: bigint, format: FixedPointFormat): NoisyValue {
  if (format.min > format.max) throw new Error('Internal error: fixed-point range is empty');
  if (value < format.min || value > format.max) {
    return { ok: false, code: 'value-out-of-range', message: 'the exact aggregate is outside the declared range' };
  }
  const sum = value + noise;
  if (sum < format.min || sum > format.max) {
    return { ok: false, code: 'noisy-value-out-of-range', message: 'the noisy aggregate would leave the declared range' };
  }
  return { ok: true, value: sum };
}

/** Decimal text of a fixed-point value with radix 10, e.g. 12345n at 2 digits -> "123.45". */
export function formatDecimal(units: bigint, digits: number): string {
  const negative = units < 0n;
  const text = (negative ? -units : units).toString().padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const fraction = text.slice(text.length - digits);
  return `${negative ? '-' : ''}${whole}${digits > 0 ? `.${fraction}` : ''}`;
}

/**
 * A noisy value clamped to semantic bounds. Post-processing of a DP output stays DP
 * (Dwork and Roth 2014, Proposition 2.1), so this is free; it must run after the noise.
 */
export function clampToBounds(noisy: bigint, lower: bigint, upper: bigint): bigint {
  if (lower > upper) throw new Error('Internal error: clamp bounds are empty');
  return noisy < lower ? lower : noisy > upper ? upper : noisy;
}
