import path from 'node:path';
import type { S3StoreOptions } from './s3-store.ts';

/** Which backend holds the objects, read from the environment (docs/storage.md). */
export type StoreConfig =
  | { readonly kind: 'local'; readonly root: string }
  | { readonly kind: 's3'; readonly options: S3StoreOptions };

export type StoreConfigResult =
  | { readonly ok: true; readonly value: StoreConfig }
  | { readonly ok: false; readonly error: { readonly code: string; readonly message: string; readonly hint?: string } };

export const STORE_ENV = 'CLEANROOM_STORE';

const HINT = 'Set CLEANROOM_STORE to s3://bucket/prefix for S3, or leave it unset for <home>/store.';

/**
 * `CLEANROOM_STORE`:
 * - unset or empty: the local folder `<home>/store`;
 * - an absolute path or `file:///path`: a local folder elsewhere;
 * - `s3://bucket[/prefix]`: an S3-compatible bucket, with `CLEANROOM_S3_ENDPOINT`,
 *   `CLEANROOM_S3_REGION` (else `AWS_REGION`), `CLEANROOM_S3_FORCE_PATH_STYLE`
 *   (`true`/`false`), `CLEANROOM_S3_SSE` (`AES256` | `aws:kms`), `CLEANROOM_S3_KMS_KEY_ID`.
 *   Credentials come from the AWS SDK's standard sources (`AWS_ACCESS_KEY_ID` and
 *   `AWS_SECRET_ACCESS_KEY`, `~/.aws`, an instance or task role).
 *
 * Objects are laid out under the prefix per member: `<prefix>/members/<member>/…`.
 *
 * @example
 *   CLEANROOM_STORE=s3://acme-cleanroom/prod CLEANROOM_S3_ENDPOINT=https://minio.internal:9000 cleanroom demo
 */
export function storeConfigFromEnv(env: NodeJS.ProcessEnv, home: string): StoreConfigResult {
  const raw = (env[STORE_ENV] ?? '').trim();
  if (raw === '') return { ok: true, value: { kind: 'local', root: path.join(path.resolve(home), 'store') } };
  if (raw.startsWith('file://')) return local(decodeURIComponent(raw.slice('file://'.length)), raw);
  if (path.isAbsolute(raw)) return local(raw, raw);
  const s3 = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(raw);
  if (s3 === null) return bad(`${STORE_ENV} "${raw}" is neither s3://bucket/prefix, file:///path nor an absolute path.`);
  const bucket = s3[1] ?? '';
  const prefix = (s3[2] ?? '').replace(/\/+$/, '');
  const sse = env['CLEANROOM_S3_SSE'];
  if (sse !== undefined && sse !== '' && sse !== 'AES256' && sse !== 'aws:kms') {
    return bad(`CLEANROOM_S3_SSE "${sse}" is not AES256 or aws:kms.`);
  }
  const pathStyle = env['CLEANROOM_S3_FORCE_PATH_STYLE'];
  if (pathStyle !== undefined && pathStyle !== '' && pathStyle !== 'true' && pathStyle !== 'false') {
    return bad(`CLEANROOM_S3_FORCE_PATH_STYLE "${pathStyle}" is not true or false.`);
  }
  const endpoint = env['CLEANROOM_S3_ENDPOINT'];
  const region = env['CLEANROOM_S3_REGION'] ?? env['AWS_REGION'];
  const kmsKeyId = env['CLEANROOM_S3_KMS_KEY_ID'];
  const options: S3StoreOptions = {
    bucket,
    prefix,
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(pathStyle ? { forcePathStyle: pathStyle === 'true' } : {}),
    ...(sse ? { serverSideEncryption: sse } : {}),
    ...(kmsKeyId ? { kmsKeyId } : {}),
  };
  return { ok: true, value: { kind: 's3', options } };
}

function local(root: string, raw: string): StoreConfigResult {
  if (!path.isAbsolute(root)) return bad(`${STORE_ENV} "${raw}" must name an absolute path.`);
  return { ok: true, value: { kind: 'local', root } };
}

function bad(message: string): StoreConfigResult {
  return { ok: false, error: { code: 'store-config-invalid', message, hint: HINT } };
}
