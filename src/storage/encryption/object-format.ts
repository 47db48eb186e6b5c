import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DataKey } from './data-key.ts';
import { DecryptionError } from './decryption-error.ts';

/**
 * The encrypted object format, version 1 (docs/encryption.md draws it):
 *
 *   header  magic(8) version(1) suite(1) chunkSize(u32) salt(16) noncePrefix(8)
 *           keyIdLength(u16) keyId(UTF-8) headerTag(16)
 *   chunks  ciphertext(chunkSize, the last one 0..chunkSize) tag(16), at least one
 *
 * A per-object key pair comes from HKDF-SHA256(data key, salt): one AES-256-GCM key for
 * the chunks, one HMAC-SHA256 key for the header tag. The header tag covers every header
 * byte plus the caller's context, so a changed header, a wrong data key or a wrong
 * context fails before any chunk is read. Chunk i uses nonce noncePrefix || u32(i) and
 * AAD u64(i) || lastFlag, so reordering, truncation at a chunk boundary and appending
 * all fail authentication; chunks from another object fail because its key differs.
 */

export const MAGIC = Buffer.from([0x89, 0x43, 0x52, 0x45, 0x4e, 0x43, 0x0d, 0x0a]); // \x89CRENC\r\n
export const FORMAT_VERSION = 1;
/** Suite 1: AES-256-GCM chunks, HKDF-SHA256 per-object keys, HMAC-SHA256 header tag. */
export const SUITE_AES256GCM_HKDF = 1;
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
/** Bounds what a (possibly hostile) header may make a reader buffer. */
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
export const MAX_KEY_ID_BYTES = 1024;
export const TAG_LENGTH = 16;
const SALT_LENGTH = 16;
const NONCE_PREFIX_LENGTH = 8;
/** Header bytes before the key id. */
export const FIXED_HEADER_LENGTH = 8 + 1 + 1 + 4 + SALT_LENGTH + NONCE_PREFIX_LENGTH + 2;
/** GCM with a 32-bit counter in the nonce: more chunks would repeat a nonce. */
const MAX_CHUNKS = 2 ** 32;
const KDF_INFO = Buffer.from('cleanroom/object/v1', 'utf8');

export interface ObjectHeader {
  readonly chunkSize: number;
  readonly salt: Buffer;
  readonly noncePrefix: Buffer;
  readonly keyId: string;
  /** Every header byte including the tag: its length is where the first chunk starts. */
  readonly bytes: Buffer;
}

interface ObjectKeys {
  readonly chunkKey: Buffer;
  readonly headerKey: Buffer;
}

function deriveKeys(dataKey: DataKey, salt: Buffer): ObjectKeys {
  if (dataKey.bytes.length !== 32) throw new Error('Internal error: a data key must be 32 bytes');
  const okm = Buffer.from(hkdfSync('sha256', dataKey.bytes, salt, KDF_INFO, 64));
  return { chunkKey: okm.subarray(0, 32), headerKey: okm.subarray(32, 64) };
}

function headerTag(headerKey: Buffer, headerBody: Buffer, context: string): Buffer {
  const ctx = Buffer.from(context, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(ctx.length);
  return createHmac('sha256', headerKey).update(headerBody).update(len).update(ctx).digest().subarray(0, TAG_LENGTH);
}

/** Exported for the nonce-uniqueness test. */
export function chunkNonce(prefix: Buffer, index: number): Buffer {
  const nonce = Buffer.alloc(12);
  prefix.copy(nonce, 0);
  nonce.writeUInt32BE(index, NONCE_PREFIX_LENGTH);
  return nonce;
}

function chunkAad(index: number, last: boolean): Buffer {
  const aad = Buffer.alloc(9);
  aad.writeBigUInt64BE(BigInt(index), 0);
  aad[8] = last ? 1 : 0;
  return aad;
}

/** Size of the encrypted object for `plainSize` bytes (for progress bars and checks). */
export function encryptedSize(plainSize: number, keyId: string, chunkSize = DEFAULT_CHUNK_SIZE): number {
  const chunks = Math.max(1, Math.ceil(plainSize / chunkSize));
  return FIXED_HEADER_LENGTH + Buffer.byteLength(keyId, 'utf8') + TAG_LENGTH + plainSize + chunks * TAG_LENGTH;
}

export interface SealOptions {
  readonly key: DataKey;
  /** Plaintext bytes per chunk; default 64 KiB. */
  readonly chunkSize?: number;
  /**
   * Bound into the header tag, not stored: the same string must be given to open the
   * object. Pass the object key so one object cannot be substituted for another.
   */
  readonly context?: string;
}

/** Seals one object chunk by chunk; the caller says which chunk is the last. */
export class ObjectSealer {
  readonly header: ObjectHeader;
  private readonly chunkKey: Buffer;
  private next = 0;
  private finished = false;

  constructor(options: SealOptions) {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
      throw new Error(`Internal error: chunk size must be an integer from 1 to ${MAX_CHUNK_SIZE}`);
    }
    const keyIdBytes = Buffer.from(options.key.id, 'utf8');
    if (keyIdBytes.length === 0 || keyIdBytes.length > MAX_KEY_ID_BYTES) {
      throw new Error(`Internal error: a data key id must be 1 to ${MAX_KEY_ID_BYTES} bytes`);
    }
    const salt = randomBytes(SALT_LENGTH);
    const noncePrefix = randomBytes(NONCE_PREFIX_LENGTH);
    const body = Buffer.alloc(FIXED_HEADER_LENGTH + keyIdBytes.length);
    let at = MAGIC.copy(body, 0);
    at = body.writeUInt8(FORMAT_VERSION, at);
    at = body.writeUInt8(SUITE_AES256GCM_HKDF, at);
    at = body.writeUInt32BE(chunkSize, at);
    at += salt.copy(body, at);
    at += noncePrefix.copy(body, at);
    at = body.writeUInt16BE(keyIdBytes.length, at);
    keyIdBytes.copy(body, at);
    const keys = deriveKeys(options.key, salt);
    this.chunkKey = keys.chunkKey;
    const bytes = Buffer.concat([body, headerTag(keys.headerKey, body, options.context ?? '')]);
    this.header = { chunkSize, salt, noncePrefix, keyId: options.key.id, bytes };
  }

  /** Ciphertext and tag of the next chunk; every chunk but the last must be full. */
  seal(plaintext: Uint8Array, last: boolean): Buffer[] {
    if (this.finished) throw new Error('Internal error: chunk sealed after the last chunk');
    if (plaintext.length > this.header.chunkSize || (!last && plaintext.length !== this.header.chunkSize)) {
      throw new Error('Internal error: only the last chunk may be shorter than the chunk size');
    }
    if (this.next >= MAX_CHUNKS) throw new Error('Internal error: object too large for one encrypted file');
    const index = this.next++;
    this.finished = last;
    const cipher = createCipheriv('aes-256-gcm', this.chunkKey, chunkNonce(this.header.noncePrefix, index), {
      authTagLength: TAG_LENGTH,
    });
    cipher.setAAD(chunkAad(index, last));
    const head = cipher.update(plaintext);
    const tail = cipher.final();
    return tail.length === 0 ? [head, cipher.getAuthTag()] : [head, tail, cipher.getAuthTag()];
  }
}

/**
 * Parses the header at the start of `bytes`. Returns 'need-more' while the header is
 * incomplete; throws DecryptionError when it can never be a valid header.
 */
export function parseHeader(bytes: Buffer, objectName: string): ObjectHeader | 'need-more' {
  const magicPart = Math.min(bytes.length, MAGIC.length);
  if (!bytes.subarray(0, magicPart).equals(MAGIC.subarray(0, magicPart))) {
    throw new DecryptionError('not-encrypted', objectName, 'it does not start with the Cleanroom encryption header (plaintext, or another format)');
  }
  if (bytes.length < FIXED_HEADER_LENGTH) return 'need-more';
  const version = bytes.readUInt8(8);
  const suite = bytes.readUInt8(9);
  if (version !== FORMAT_VERSION || suite !== SUITE_AES256GCM_HKDF) {
    throw new DecryptionError('unsupported-format', objectName, `format version ${version} suite ${suite} is not supported by this Cleanroom (it reads version ${FORMAT_VERSION} suite ${SUITE_AES256GCM_HKDF})`);
  }
  const chunkSize = bytes.readUInt32BE(10);
  if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw new DecryptionError('bad-header', objectName, `the header's chunk size ${chunkSize} is out of range (header modified?)`);
  }
  const keyIdLength = bytes.readUInt16BE(FIXED_HEADER_LENGTH - 2);
  if (keyIdLength < 1 || keyIdLength > MAX_KEY_ID_BYTES) {
    throw new DecryptionError('bad-header', objectName, `the header's key id length ${keyIdLength} is out of range (header modified?)`);
  }
  const total = FIXED_HEADER_LENGTH + keyIdLength + TAG_LENGTH;
  if (bytes.length < total) return 'need-more';
  let keyId: string;
  try {
    keyId = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(FIXED_HEADER_LENGTH, FIXED_HEADER_LENGTH + keyIdLength));
  } catch {
    throw new DecryptionError('bad-header', objectName, 'the header key id is not UTF-8 (header modified?)');
  }
  return {
    chunkSize,
    salt: Buffer.from(bytes.subarray(14, 14 + SALT_LENGTH)),
    noncePrefix: Buffer.from(bytes.subarray(30, 30 + NONCE_PREFIX_LENGTH)),
    keyId,
    bytes: Buffer.from(bytes.subarray(0, total)),
  };
}

/** Opens the chunks of one object in order, after checking its header tag. */
export class ObjectOpener {
  private readonly chunkKey: Buffer;
  private next = 0;
  private finished = false;

  constructor(
    readonly header: ObjectHeader,
    key: DataKey,
    context: string,
    private readonly objectName: string,
  ) {
    if (key.bytes.length !== 32) throw new Error('Internal error: a data key must be 32 bytes');
    const keys = deriveKeys(key, header.salt);
    const body = header.bytes.subarray(0, header.bytes.length - TAG_LENGTH);
    const stored = header.bytes.subarray(header.bytes.length - TAG_LENGTH);
    if (!timingSafeEqual(stored, headerTag(keys.headerKey, body, context))) {
      throw new DecryptionError(
        'wrong-key-or-header-modified',
        objectName,
        `the header does not verify under data key "${header.keyId}": the data key or master key is wrong, the context differs, or the header was modified`,
      );
    }
    this.chunkKey = keys.chunkKey;
  }

  /** Plaintext of the next chunk (ciphertext followed by its 16-byte tag). */
  open(sealed: Uint8Array, last: boolean): Buffer {
    if (this.finished) throw new DecryptionError('trailing-data', this.objectName, 'data follows the last chunk (appended to)');
    if (sealed.length < TAG_LENGTH) {
      throw new DecryptionError('truncated', this.objectName, `chunk ${this.next} is cut short`);
    }
    const index = this.next++;
    this.finished = last;
    const plain = this.tryOpen(sealed, index, last);
    if (plain !== undefined) return plain;
    // Tell truncation and appending apart from modification: the chunk verifies with
    // the other flag only if it is genuine but sits at the wrong end of the object.
    if (this.tryOpen(sealed, index, !last) !== undefined) {
      throw last
        ? new DecryptionError('truncated', this.objectName, `the object ends after chunk ${index}, which is not its last chunk (truncated)`)
        : new DecryptionError('trailing-data', this.objectName, `data follows chunk ${index}, which is the object's last chunk (appended to)`);
    }
    throw new DecryptionError(
      'chunk-modified',
      this.objectName,
      `chunk ${index} failed authentication: the object was modified, or chunks were reordered or taken from another object`,
    );
  }

  private tryOpen(sealed: Uint8Array, index: number, last: boolean): Buffer | undefined {
    const split = sealed.length - TAG_LENGTH;
    const decipher = createDecipheriv('aes-256-gcm', this.chunkKey, chunkNonce(this.header.noncePrefix, index), {
      authTagLength: TAG_LENGTH,
    });
    decipher.setAAD(chunkAad(index, last));
    decipher.setAuthTag(sealed.subarray(split));
    const head = decipher.update(sealed.subarray(0, split));
    try {
      const tail = decipher.final();
      return tail.length === 0 ? head : Buffer.concat([head, tail]);
    } catch {
      return undefined;
    }
  }

  get done(): boolean {
    return this.finished;
  }
}
