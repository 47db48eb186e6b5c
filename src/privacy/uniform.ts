/**
 * Exact uniform integers by rejection sampling: draw just enough random bits to cover
 * [0, n), and start over when the draw lands at or above n. Reducing a wider draw
 * modulo n would favour small values; rejection has no bias at all and costs fewer
 * than two draws on average (the draw range is below 2n).
 */
import type { Rational } from './rational.ts';
import type { RandomSource } from './random-source.ts';

/** Number of bits needed to write `n` (0 for 0). */
export function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/**
 * A uniformly random integer in [0, n), n >= 1.
 *
 * @example uniformBelow(source, 6n) + 1n // a fair die
 */
export function uniformBelow(source: RandomSource, n: bigint): bigint {
  if (n < 1n) throw new Error(`Internal error: uniformBelow needs n >= 1, got ${n}`);
  if (n === 1n) return 0n;
  const bits = bitLength(n - 1n);
  return bits <= 53 ? BigInt(uniformBelowSmall(source, Number(n), bits)) : uniformBelowLarge(source, n, bits);
}

// Up to 53 bits the draw fits a double exactly, which avoids building a BigInt per try.
function uniformBelowSmall(source: RandomSource, n: number, bits: number): number {
  const byteCount = Math.ceil(bits / 8);
  const highBits = bits - 8 * (byteCount - 1);
  for (;;) {
    const b = source.bytes(byteCount);
    let x = (b[0] ?? 0) & ((1 << highBits) - 1);
    for (let i = 1; i < byteCount; i += 1) x = x * 256 + (b[i] ?? 0);
    if (x < n) return x;
  }
}

function uniformBelowLarge(source: RandomSource, n: bigint, bits: number): bigint {
  const byteCount = Math.ceil(bits / 8);
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    const b = source.bytes(byteCount);
    let hex = '0x';
    for (const byte of b) hex += byte.toString(16).padStart(2, '0');
    const x = BigInt(hex) & mask;
    if (x < n) return x;
  }
}

/**
 * True with probability exactly num/den (0 <= num <= den): a uniform draw below den
 * lands below num with exactly that probability.
 */
export function bernoulliRational(source: RandomSource, p: Rational): boolean {
  if (p.num < 0n || p.den <= 0n || p.num > p.den) {
    throw new Error(`Internal error: not a probability: ${p.num}/${p.den}`);
  }
  if (p.num === 0n) return false;
  if (p.num === p.den) return true;
  return uniformBelow(source, p.den) < p.num;
}

/** A fair coin from one random byte (the top bit). */
export function fairCoin(source: RandomSource): boolean {
  return ((source.bytes(1)[0] ?? 0) & 0x80) !== 0;
}
