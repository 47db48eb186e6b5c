import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { DataKey } from './data-key.ts';

/**
 * Encryption of single metadata values (column statistics, query texts, parameters)
 * with the owner's data key. A token is base64url (no padding) of
 * `version(1) nonce(12) ciphertext tag(16)`: 39 characters plus 4/3 of the text length.
 * The AES-256-GCM key is derived from the data key (HKDF, info `cleanroom/field/v1`)
 * so fields and objects never share a key; the context string is bound as AAD, so a
 * token copied to another column, row or member fails to decrypt.
 */

const FIELD_VERSION = 1;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
const MIN_TOKEN_BYTES = 1 + NONCE_LENGTH + TAG_LENGTH;
const KDF_INFO = Buffer.from('cleanroom/field/v1', 'utf8');
const fieldKeys = new WeakMap<DataKey, Buffer>();

export type FieldDecryptionErrorCode = 'not-a-field-token' | 'field-modified-or-wrong-key';

/** A stored metadata value does not open: never names the value, only where it came from. */
export class FieldDecryptionError extends Error {
  constructor(
    readonly code: FieldDecryptionErrorCode,
    readonly context: string,
    detail: string,
  ) {
    super(`Internal error: cannot decrypt field "${context}": ${detail}`);
    this.name = 'FieldDecryptionError';
  }
}

function fieldKey(key: DataKey): Buffer {
  let derived = fieldKeys.get(key);
  if (derived === undefined) {
    if (key.bytes.length !== 32) throw new Error('Internal error: a data key must be 32 bytes');
    derived = Buffer.from(hkdfSync('sha256', key.bytes, Buffer.alloc(0), KDF_INFO, 32));
    fieldKeys.set(key, derived);
  }
  return derived;
}

/**
 * @example
 *   const token = encryptField(key, 'stats:acme/visits/v1/email/min', 'a@example.com');
 *   decryptField(key, 'stats:acme/visits/v1/email/min', token); // 'a@example.com'
 */
export function encryptField(key: DataKey, context: string, value: string): string {
  const nonce = randomBytes(NONCE_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', fieldKey(key), nonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([FIELD_VERSION]), nonce, body, cipher.getAuthTag()]).toString('base64url');
}

export function decryptField(key: DataKey, context: string, token: string): string {
  const blob = /^[A-Za-z0-9_-]*$/.test(token) ? Buffer.from(token, 'base64url') : Buffer.alloc(0);
  if (blob.length < MIN_TOKEN_BYTES || blob[0] !== FIELD_VERSION) {
    throw new FieldDecryptionError('not-a-field-token', context, 'the stored value is not an encrypted field token');
  }
  const decipher = createDecipheriv('aes-256-gcm', fieldKey(key), blob.subarray(1, 1 + NONCE_LENGTH), {
    authTagLength: TAG_LENGTH,
  });
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(blob.subarray(blob.length - TAG_LENGTH));
  const body = decipher.update(blob.subarray(1 + NONCE_LENGTH, blob.length - TAG_LENGTH));
  let plain: Buffer;
  try {
    plain = Buffer.concat([body, decipher.final()]);
  } catch {
    throw new FieldDecryptionError(
      'field-modified-or-wrong-key',
      context,
      `it does not verify under data key "${key.id}": wrong key, a token copied from another field, or a modified value`,
    );
  }
  return plain.toString('utf8');
}
