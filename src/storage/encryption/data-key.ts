import { randomBytes } from 'node:crypto';
import type { KeyProvider } from './key-provider.ts';

/**
 * A member's data key: 32 random bytes that encrypt its objects and metadata fields.
 * Only ever stored wrapped (`WrappedDataKey`); the plaintext lives in memory while used.
 */
export interface DataKey {
  /** Written into each object header so a reader knows which key to fetch: `acme/v1`. */
  readonly id: string;
  readonly bytes: Uint8Array;
}

/** What the metadata database stores per data key: nothing here is secret. */
export interface WrappedDataKey {
  readonly id: string;
  readonly member: string;
  /** The master key that wrapped it (`KeyProvider.masterKeyId`). */
  readonly masterKeyId: string;
  /** The provider's wrapped bytes, base64. */
  readonly wrapped: string;
}

export type DataKeyErrorCode = 'unknown-master-key' | 'member-mismatch' | 'unwrap-failed';

/** A data key could not be opened: a missing or wrong master key, or an edited record. */
export class DataKeyError extends Error {
  constructor(
    readonly code: DataKeyErrorCode,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`Internal error: ${detail}`, options);
    this.name = 'DataKeyError';
  }
}

/** The conventional data key id: one version per rotation of a member's data key. */
export function dataKeyId(member: string, version: number): string {
  return `${member}/v${version}`;
}

/** A fresh random data key. */
export function generateDataKey(id: string): DataKey {
  return { id, bytes: randomBytes(32) };
}

/**
 * Wraps a data key for `member` under the provider's master key.
 *
 * @example
 *   const record = await wrapDataKey(provider, 'acme', generateDataKey(dataKeyId('acme', 1)));
 *   // store record (id, member, masterKeyId, wrapped) in the metadata database
 */
export async function wrapDataKey(provider: KeyProvider, member: string, key: DataKey): Promise<WrappedDataKey> {
  if (key.bytes.length !== 32) throw new Error('Internal error: a data key must be 32 bytes');
  const wrapped = await provider.wrap(key.bytes, { member, dataKeyId: key.id });
  return { id: key.id, member, masterKeyId: provider.masterKeyId, wrapped: Buffer.from(wrapped).toString('base64') };
}

/**
 * Unwraps `record` for `member` with whichever of `providers` holds its master key (give
 * the old and the new provider while a rotation is under way).
 */
export async function unwrapDataKey(
  providers: KeyProvider | readonly KeyProvider[],
  member: string,
  record: WrappedDataKey,
): Promise<DataKey> {
  const list: readonly KeyProvider[] = Array.isArray(providers) ? providers : [providers as KeyProvider];
  const provider = list.find((p) => p.masterKeyId === record.masterKeyId);
  if (provider === undefined) {
    throw new DataKeyError(
      'unknown-master-key',
      `data key "${record.id}" is wrapped by master key "${record.masterKeyId}", which is not configured (configured: ${list.map((p) => `"${p.masterKeyId}"`).join(', ') || 'none'})`,
    );
  }
  if (record.member !== member) {
    throw new DataKeyError('member-mismatch', `data key "${record.id}" belongs to member "${record.member}", not "${member}"`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await provider.unwrap(Buffer.from(record.wrapped, 'base64'), { member, dataKeyId: record.id });
  } catch (cause) {
    throw new DataKeyError(
      'unwrap-failed',
      `data key "${record.id}" of member "${member}" does not unwrap under master key "${record.masterKeyId}": the record was modified or belongs to another member or key id`,
      { cause },
    );
  }
  if (bytes.length !== 32) {
    throw new DataKeyError('unwrap-failed', `data key "${record.id}" of member "${member}" unwrapped to ${bytes.length} bytes, not 32`);
  }
  return { id: record.id, bytes };
}

/**
 * Master-key rotation for one record: unwrap under the old master key, wrap under the
 * new one. The data key itself (and so every object and field) is unchanged, so rotation
 * rewrites only the small records, never the data.
 *
 * @example
 *   for (const r of records) save(await rewrapDataKey(r, r.member, [oldProvider, newProvider], newProvider));
 */
export async function rewrapDataKey(
  record: WrappedDataKey,
  member: string,
  from: KeyProvider | readonly KeyProvider[],
  to: KeyProvider,
): Promise<WrappedDataKey> {
  if (record.masterKeyId === to.masterKeyId) return record;
  const key = await unwrapDataKey(from, member, record);
  return wrapDataKey(to, member, key);
}
