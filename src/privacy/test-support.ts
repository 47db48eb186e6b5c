/**
 * Helpers for the privacy tests only: a source that replays given bytes (for
 * hand-traced sampler runs) and independent PMFs computed by brute-force summation,
 * so that no expected value comes from the code under test.
 */
import type { RandomSource } from './random-source.ts';

/** Replays `script` byte by byte; drawing past its end fails the test. */
export function scriptedSource(script: readonly number[]): RandomSource & { readonly remaining: () => number } {
  let position = 0;
  return {
    bytes(n: number): Uint8Array {
      if (position + n > script.length) throw new Error(`scripted source exhausted at byte ${position}, asked for ${n}`);
      const out = Uint8Array.from(script.slice(position, position + n));
      position += n;
      return out;
    },
    remaining: () => script.length - position,
  };
}

/** Tally of integer samples. */
export function tally(draw: () => bigint, n: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i += 1) {
    const x = Number(draw());
    counts.set(x, (counts.get(x) ?? 0) + 1);
  }
  return counts;
}

/**
 * A symmetric PMF on the integers proportional to `weight(|x|)`, normalised by
 * summing the weights out to `reach` (where they must be negligible).
 */
export function summedPmf(weight: (absX: number) => number, reach: number): (x: number) => number {
  let z = 0;
  for (let k = reach; k >= 1; k -= 1) z += 2 * weight(k);
  z += weight(0);
  return (x: number) => weight(Math.abs(x)) / z;
}

/** Discrete Laplace PMF at scale t: weight exp(-|x|/t). */
export function laplacePmf(t: number): (x: number) => number {
  return summedPmf((k) => Math.exp(-k / t), Math.ceil(60 * t) + 60);
}

/** Discrete Gaussian PMF with variance parameter s = sigma^2: weight exp(-x^2/(2s)). */
export function gaussianPmf(s: number): (x: number) => number {
  return summedPmf((k) => Math.exp(-(k * k) / (2 * s)), Math.ceil(12 * Math.sqrt(s)) + 20);
}
