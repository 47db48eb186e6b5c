/**
 * Where every random bit of the privacy code comes from. `src/privacy` never reaches
 * for randomness itself (DESIGN.md: pure, randomness injected), so production passes
 * `cryptoRandomSource()` and tests pass a seeded source and get reproducible runs.
 *
 * Never back this with Math.random(): it is not a cryptographic generator, and an
 * attacker who recovers its state can subtract the noise.
 */
export interface RandomSource {
  /** `n` uniformly random bytes, independent of all earlier output. The caller owns the array. */
  bytes(n: number): Uint8Array;
}

/**
 * A source that serves small requests from a pool refilled in large blocks, because
 * the samplers ask for a few bytes at a time and a call into the generator per
 * request would dominate their cost. `refill` must overwrite the whole buffer with
 * fresh random bytes.
 */
export function pooledSource(refill: (buffer: Uint8Array) => void, poolSize = 64 * 1024): RandomSource {
  const pool = new Uint8Array(poolSize);
  let position = poolSize;
  return {
    bytes(n: number): Uint8Array {
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`Internal error: cannot draw ${n} random bytes`);
      if (n <= poolSize - position) {
        // The common case: a few bytes from the current block.
        const out = pool.slice(position, position + n);
        // Bytes handed out are wiped from the pool so they exist in one place only.
        pool.fill(0, position, position + n);
        position += n;
        return out;
      }
      const out = new Uint8Array(n);
      let filled = 0;
      while (filled < n) {
        if (position === poolSize) {
          refill(pool);
          position = 0;
        }
        const take = Math.min(n - filled, poolSize - position);
        out.set(pool.subarray(position, position + take), filled);
        pool.fill(0, position, position + take);
        position += take;
        filled += take;
      }
      return out;
    },
  };
}
