import { describe, expect, it } from 'vitest';
import { generateDataKey } from './data-key.ts';
import { decryptField, encryptField, FieldDecryptionError } from './field-cipher.ts';

const key = generateDataKey('acme/v1');
const ctx = 'stats:acme/visits/v1/email/min';

function refusal(run: () => unknown): FieldDecryptionError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(FieldDecryptionError);
    return e as FieldDecryptionError;
  }
  throw new Error('expected a refusal');
}

describe('field encryption', () => {
  it('round-trips empty, ASCII, multi-byte and long values', () => {
    for (const value of ['', 'a', 'alice@example.com', 'Zürich 東京 🎯', 'SELECT 1;\n'.repeat(1000)]) {
      const token = encryptField(key, ctx, value);
      expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      if (value.length > 3) expect(token).not.toContain(value);
      expect(decryptField(key, ctx, token)).toBe(value);
    }
  });

  it('is compact: 39 characters of overhead', () => {
    expect(encryptField(key, ctx, '')).toHaveLength(39);
    expect(encryptField(key, ctx, 'abc')).toHaveLength(43);
  });

  it('uses a fresh nonce each time', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => encryptField(key, ctx, 'same')));
    expect(tokens.size).toBe(1000);
  });

  it('refuses a wrong key, another context, a modified token and non-tokens', () => {
    const token = encryptField(key, ctx, 'alice@example.com');
    expect(refusal(() => decryptField(generateDataKey('acme/v1'), ctx, token)).code).toBe('field-modified-or-wrong-key');
    const moved = refusal(() => decryptField(key, 'stats:acme/visits/v1/email/max', token));
    expect(moved.code).toBe('field-modified-or-wrong-key');
    expect(moved.message).toMatch(/^Internal error: cannot decrypt field "stats:acme\/visits\/v1\/email\/max"/);
    expect(moved.message).not.toContain('alice');
    const bytes = Buffer.from(token, 'base64url');
    for (const at of [0, 5, 20, bytes.length - 1]) {
      const copy = Buffer.from(bytes);
      copy[at] = (copy[at] ?? 0) ^ 1;
      expect(() => decryptField(key, ctx, copy.toString('base64url'))).toThrow(FieldDecryptionError);
    }
    for (const junk of ['', 'alice@example.com', token.slice(0, 20), `${token}=`]) {
      expect(refusal(() => decryptField(key, ctx, junk)).code).toBe('not-a-field-token');
    }
  });
});
