import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { KeyProvider, WrapContext } from './key-provider.ts';
import { wrapContextBytes } from './key-provider.ts';

/** Shaped like `Result<T>` of src/sql/diagnostic.ts (storage imports nothing of the project). */
export type MasterKeyResult =
  | { readonly ok: true; readonly value: LocalKeyProvider }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string; readonly hint?: string } };

export const DEFAULT_MASTER_KEY_ENV = 'CLEANROOM_MASTER_KEY';
const WRAP_VERSION = 1;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
const HINT = 'Generate one with `openssl rand -base64 32` (or `openssl rand -hex 32`).';

/**
 * A master key held in this process: 32 bytes from a file or an environment variable,
 * written as base64 (44 characters) or hex (64 characters). Wraps data keys with
 * AES-256-GCM, a random nonce and the wrap context as AAD:
 * `version(1) nonce(12) ciphertext(32) tag(16)`.
 *
 * @example
 *   const loaded = await LocalKeyProvider.fromFile('/etc/cleanroom/master.key');
 *   if (!loaded.ok) { console.error(loaded.error.message); process.exit(2); }
 *   const provider = loaded.value;
 */
export class LocalKeyProvider implements KeyProvider {
  readonly masterKeyId: string;

  private constructor(private readonly key: Buffer) {
    // A keyed hash names the key without revealing anything useful about it.
    this.masterKeyId = `local:${createHmac('sha256', key).update('cleanroom/master-key-id').digest('hex').slice(0, 16)}`;
  }

  /** From raw bytes (tests, or a key fetched by other means). */
  static fromBytes(bytes: Uint8Array): LocalKeyProvider {
    if (bytes.length !== 32) throw new Error('Internal error: a master key must be 32 bytes');
    return new LocalKeyProvider(Buffer.from(bytes));
  }

  /** From base64 or hex text; surrounding white space is ignored. */
  static parse(text: string, source = 'the master key'): MasterKeyResult {
    const bytes = decodeKeyText(text.trim());
    if (bytes === undefined) {
      // Never echo the text: it may be a real key with a typo.
      return {
        ok: false,
        error: {
          code: 'master-key-invalid',
          message: `${source} is not 32 bytes written as base64 (44 characters) or hex (64 characters).`,
          hint: HINT,
        },
      };
    }
    return { ok: true, value: new LocalKeyProvider(bytes) };
  }

  /** From a file holding the key as text. Keep it readable by the server's user only (0600). */
  static async fromFile(path: string): Promise<MasterKeyResult> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      const reason = e instanceof Error && 'code' in e ? String(e.code) : 'unreadable';
      return {
        ok: false,
        error: { code: 'master-key-unreadable', message: `The master key file "${path}" cannot be read (${reason}).`, hint: HINT },
      };
    }
    return LocalKeyProvider.parse(text, `The master key file "${path}"`);
  }

  /** From an environment variable (default CLEANROOM_MASTER_KEY). */
  static fromEnv(name = DEFAULT_MASTER_KEY_ENV, env: NodeJS.ProcessEnv = process.env): MasterKeyResult {
    const text = env[name];
    if (text === undefined || text.trim() === '') {
      return {
        ok: false,
        error: { code: 'master-key-missing', message: `The environment variable ${name} holding the master key is not set.`, hint: HINT },
      };
    }
    return LocalKeyProvider.parse(text, `The environment variable ${name}`);
  }

  async wrap(dataKey: Uint8Array, context: WrapContext): Promise<Uint8Array> {
    const nonce = randomBytes(NONCE_LENGTH);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce, { authTagLength: TAG_LENGTH });
    cipher.setAAD(wrapContextBytes(context));
    const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return Buffer.concat([Buffer.from([WRAP_VERSION]), nonce, body, cipher.getAuthTag()]);
  }

  async unwrap(wrapped: Uint8Array, context: WrapContext): Promise<Uint8Array> {
    const blob = Buffer.from(wrapped);
    if (blob.length < 1 + NONCE_LENGTH + TAG_LENGTH || blob[0] !== WRAP_VERSION) {
      throw new Error('Internal error: not a wrapped data key of a known version');
    }
    const nonce = blob.subarray(1, 1 + NONCE_LENGTH);
    const decipher = createDecipheriv('aes-256-gcm', this.key, nonce, { authTagLength: TAG_LENGTH });
    decipher.setAAD(wrapContextBytes(context));
    decipher.setAuthTag(blob.subarray(blob.length - TAG_LENGTH));
    const body = decipher.update(blob.subarray(1 + NONCE_LENGTH, blob.length - TAG_LENGTH));
    try {
      return Buffer.concat([body, decipher.final()]);
    } catch {
      throw new Error('Internal error: wrapped data key failed authentication (wrong master key, member or key id)');
    }
  }
}

/** A new master key as base64 text, for `cleanroom keys init`-style tooling and tests. */
export function generateMasterKeyText(): string {
  return randomBytes(32).toString('base64');
}

function decodeKeyText(text: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  // Standard or URL-safe base64, padded or not; 32 bytes is 43 characters plus one '='.
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return bytes.length === 32 ? bytes : undefined;
  }
  return undefined;
}
