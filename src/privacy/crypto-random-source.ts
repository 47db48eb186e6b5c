/**
 * The production random source: the operating system's CSPRNG through node:crypto.
 * The only file of src/privacy that touches node:crypto for randomness; everything
 * else takes a `RandomSource`.
 */
import { randomFillSync } from 'node:crypto';
import { pooledSource, type RandomSource } from './random-source.ts';

/** @example sampleDiscreteLaplace(cryptoRandomSource(), rational(10n)) */
export function cryptoRandomSource(): RandomSource {
  return pooledSource((buffer) => {
    randomFillSync(buffer);
  });
}
