/**
 * A deterministic random source FOR TESTS ONLY: the same seed gives the same bytes,
 * so statistical tests are reproducible and a failure can be replayed. Never use it
 * to release data: anyone who knows or guesses the seed can subtract the noise.
 *
 * The stream is the AES-256-CTR keystream (NIST SP 800-38A counter mode, the core of
 * SP 800-90A CTR_DRBG) under the key SHA-256(seed), starting from counter zero. The
 * cipher is used only as a pseudorandom function; node:crypto supplies it because
 * writing AES here would add risk and no purity (no I/O, no clock, no ambient state).
 */
import { createCipheriv, createHash } from 'node:crypto';
import { pooledSource, type RandomSource } from './random-source.ts';

export function seededRandomSource(seed: string): RandomSource {
  const key = createHash('sha256').update(`cleanroom-test-rng:${seed}`, 'utf8').digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return pooledSource((buffer) => {
    // Encrypting zeros yields the raw keystream.
    const block = cipher.update(new Uint8Array(buffer.length));
    buffer.set(block);
  });
}
