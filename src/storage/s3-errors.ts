import { StorageError, type StorageErrorCode } from './storage-error.ts';

/** What an S3 call was doing when it failed, for the message. */
export interface S3Call {
  readonly operation: string;
  readonly bucket: string;
  readonly key?: string;
  readonly endpoint: string;
}

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'KMS.AccessDeniedException',
  'KMS.DisabledException',
  'KMS.NotFoundException',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** The S3 error code or SDK error name: `NoSuchKey`, `NotFound`, `TimeoutError`, … */
export function remoteName(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const named = 'Code' in e && typeof e.Code === 'string' ? e.Code : 'name' in e && typeof e.name === 'string' ? e.name : undefined;
  return named;
}

export function httpStatus(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null || !('$metadata' in e)) return undefined;
  const meta = e.$metadata;
  if (typeof meta !== 'object' || meta === null || !('httpStatusCode' in meta)) return undefined;
  return typeof meta.httpStatusCode === 'number' ? meta.httpStatusCode : undefined;
}

/** Missing object: GetObject says NoSuchKey, HeadObject only a bare 404. */
export function isMissingObject(e: unknown): boolean {
  const name = remoteName(e);
  return name === 'NoSuchKey' || name === 'NotFound' || (name !== 'NoSuchBucket' && httpStatus(e) === 404);
}

export function isNotImplemented(e: unknown): boolean {
  return remoteName(e) === 'NotImplemented' || httpStatus(e) === 501;
}

function networkCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = 'code' in e && typeof e.code === 'string' ? e.code : undefined;
  if (code !== undefined && NETWORK_CODES.has(code)) return code;
  // Node's fetch-free HTTP handler wraps some failures (AggregateError of ECONNREFUSED on ::1 and 127.0.0.1).
  if ('errors' in e && Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const c = networkCode(inner);
      if (c !== undefined) return c;
    }
  }
  return undefined;
}

/** Turns an SDK error into a StorageError with a message naming the bucket, key and operation. */
export function toStorageError(e: unknown, call: S3Call): StorageError {
  const name = remoteName(e);
  const status = httpStatus(e);
  const where = call.key === undefined ? `bucket "${call.bucket}"` : `s3://${call.bucket}/${call.key}`;
  const head = `S3 ${call.operation} of ${where} failed`;
  const base = { operation: call.operation, bucket: call.bucket, key: call.key, remoteName: name, httpStatus: status };
  const make = (code: StorageErrorCode, reason: string, hint: string) =>
    new StorageError(`${head}: ${reason}`, { ...base, code, hint });

  if (name === 'NoSuchBucket' || (call.operation === 'HeadBucket' && status === 404)) {
    return make(
      'storage-bucket-missing',
      `the bucket "${call.bucket}" does not exist at ${call.endpoint}.`,
      'Create the bucket, or fix the bucket name, endpoint or region in the storage settings.',
    );
  }
  if ((name !== undefined && ACCESS_DENIED.has(name)) || status === 403) {
    return make(
      'storage-access-denied',
      `access denied (${name ?? 'HTTP 403'}).`,
      `Check the access key and secret, and that they may read, write, list and delete in bucket "${call.bucket}" (and use the KMS key, if one is set).`,
    );
  }
  if (name === 'CredentialsProviderError') {
    return make(
      'storage-no-credentials',
      'no S3 credentials were found.',
      'Give an access key and secret in the storage settings, or set up the standard AWS credential sources.',
    );
  }
  const net = networkCode(e);
  if (net !== undefined || name === 'TimeoutError') {
    return make(
      'storage-unreachable',
      `cannot reach the S3 endpoint ${call.endpoint} (${net ?? name ?? 'timeout'}).`,
      'Check the endpoint address and that the S3 service is running and reachable.',
    );
  }
  const detail = shortMessage(e);
  return make(
    'storage-failed',
    `${name ?? 'error'}${status === undefined ? '' : ` (HTTP ${status})`}${detail === '' ? '' : `: ${detail}`}`,
    'See the S3 service for details; the operation can be retried.',
  );
}

/** The first line of the SDK's message, bounded: no stack, no request dump. */
function shortMessage(e: unknown): string {
  const message = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
  const line = message.split('\n', 1)[0] ?? '';
  const clean = line.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}
