/**
 * A failure of a remote object store that an operator can fix (a missing bucket, wrong
 * credentials, an unreachable endpoint). It carries a stable kebab-case code, the
 * operation, the bucket and key, and a hint, like a diagnostic, so the CLI and the HTTP
 * API can show it as one. The SDK error is deliberately not attached as `cause`: its
 * stack and internals must not reach users; its name and HTTP status are kept instead.
 */
export type StorageErrorCode =
  | 'storage-bucket-missing'
  | 'storage-access-denied'
  | 'storage-unreachable'
  | 'storage-no-credentials'
  | 'storage-bad-config'
  | 'storage-failed';

export interface StorageErrorDetails {
  readonly code: StorageErrorCode;
  readonly operation: string;
  readonly bucket: string;
  /** The full object key in the bucket (store prefix included), when one is involved. */
  readonly key?: string;
  readonly hint?: string;
  /** The S3 error code or SDK error name, e.g. `NoSuchBucket`. */
  readonly remoteName?: string;
  readonly httpStatus?: number;
}

export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly code: StorageErrorCode;
  readonly operation: string;
  readonly bucket: string;
  readonly key: string | undefined;
  readonly hint: string | undefined;
  readonly remoteName: string | undefined;
  readonly httpStatus: number | undefined;

  constructor(message: string, details: StorageErrorDetails) {
    super(message);
    this.code = details.code;
    this.operation = details.operation;
    this.bucket = details.bucket;
    this.key = details.key;
    this.hint = details.hint;
    this.remoteName = details.remoteName;
    this.httpStatus = details.httpStatus;
  }
}

export function isStorageError(e: unknown): e is StorageError {
  return e instanceof StorageError;
}
