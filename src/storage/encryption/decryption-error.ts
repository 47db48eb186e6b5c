/**
 * Why an encrypted object or field could not be opened. Stable kebab-case codes so the
 * store and the HTTP layer can map them without parsing messages.
 */
export type DecryptionErrorCode =
  /** The bytes do not start with the Cleanroom magic: plaintext, or another format. */
  | 'not-encrypted'
  /** A format version or cipher suite this build does not know. */
  | 'unsupported-format'
  /** The header is malformed (length fields out of range, key id not UTF-8, ...). */
  | 'bad-header'
  /** The header names a data key that the caller could not supply. */
  | 'unknown-key'
  /** The header tag does not match: wrong data key, wrong context, or header modified. */
  | 'wrong-key-or-header-modified'
  /** A chunk failed authentication: modified, reordered, or swapped in from another object. */
  | 'chunk-modified'
  /** The object ends early: the last chunk is missing or cut. */
  | 'truncated'
  /** Bytes follow the chunk sealed as the last one: the object was appended to. */
  | 'trailing-data';

/**
 * Opening an encrypted object failed. Tampering, a lost key and a wrong master key are
 * broken environments, not user mistakes, so the message follows the project's
 * `Internal error:` convention; it names the object and never contains key material or
 * plaintext.
 */
export class DecryptionError extends Error {
  constructor(
    readonly code: DecryptionErrorCode,
    /** The object (store key or a caller's label) that failed, for the operator. */
    readonly objectName: string,
    detail: string,
  ) {
    super(`Internal error: cannot decrypt object "${objectName}": ${detail}`);
    this.name = 'DecryptionError';
  }
}
