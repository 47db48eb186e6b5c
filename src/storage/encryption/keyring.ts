import type { DataKey, WrappedDataKey } from './data-key.ts';
import { dataKeyId, generateDataKey, unwrapDataKey, wrapDataKey } from './data-key.ts';
import type { KeyProvider } from './key-provider.ts';

/** Where wrapped data keys are kept (the metadata database); nothing in a record is secret. */
export interface WrappedKeyRecords {
  /** The member's newest record, or undefined when it has none yet. */
  latest(member: string): Promise<{ readonly version: number; readonly record: WrappedDataKey } | undefined>;
  /** The member's record with this key id, or undefined. */
  find(member: string, keyId: string): Promise<WrappedDataKey | undefined>;
  /** Adds a record; false when `version` already exists (another process won the race). */
  insert(version: number, record: WrappedDataKey): Promise<boolean>;
}

/**
 * Every member's data keys, unwrapped on first use and kept in memory for the life of
 * the process (a master key, or a KMS, is asked once per key, never per object). A
 * member without a key gets version 1 on first use, so members created before
 * encryption existed, or by code that only has the database, are covered too.
 *
 * @example
 *   const ring = new Keyring(provider, records);
 *   const key = await ring.current('acme');            // encrypts new objects and fields
 *   const old = await ring.find('acme', 'acme/v1');    // opens what an object header names
 */
export class Keyring {
  private readonly unwrapped = new Map<string, Promise<DataKey>>();

  constructor(
    readonly provider: KeyProvider,
    private readonly records: WrappedKeyRecords,
  ) {}

  /** The member's newest data key, created (version 1) when it has none. */
  async current(member: string): Promise<DataKey> {
    const latest = (await this.records.latest(member)) ?? (await this.create(member));
    return this.open(member, latest.record);
  }

  /** The member's key named `keyId`, or undefined when the member has no such key. */
  async find(member: string, keyId: string): Promise<DataKey | undefined> {
    // An object of one member naming another member's key is refused here: the lookup
    // is by member first, so the record of `keyId` must belong to `member`.
    const record = await this.records.find(member, keyId);
    return record === undefined ? undefined : this.open(member, record);
  }

  private async create(member: string): Promise<{ readonly version: number; readonly record: WrappedDataKey }> {
    const version = 1;
    const record = await wrapDataKey(this.provider, member, generateDataKey(dataKeyId(member, version)));
    if (await this.records.insert(version, record)) return { version, record };
    const winner = await this.records.latest(member);
    if (winner === undefined) throw new Error(`Internal error: the data key of member "${member}" vanished while it was created`);
    return winner;
  }

  private open(member: string, record: WrappedDataKey): Promise<DataKey> {
    const cacheKey = `${member}\u0000${record.id}`;
    let key = this.unwrapped.get(cacheKey);
    if (key === undefined) {
      key = unwrapDataKey(this.provider, member, record);
      // A failed unwrap is not cached: the next call reports it again rather than a stale promise.
      key.catch(() => this.unwrapped.delete(cacheKey));
      this.unwrapped.set(cacheKey, key);
    }
    return key;
  }
}
