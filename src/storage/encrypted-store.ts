import { createReadStream } from 'node:fs';
import { pipeline as pipelineCallback, type Readable } from 'node:stream';
import type { DataKey } from './encryption/data-key.ts';
import { decryptBuffer, DecryptStream } from './encryption/decrypt-stream.ts';
import { encryptBuffer, EncryptStream } from './encryption/encrypt-stream.ts';
import type { ObjectInfo, ObjectStore, StagedObject } from './object-store.ts';
import type { PrivateScratch } from './private-scratch.ts';
import { StagingDataStore } from './staging-data-store.ts';

/** The data keys of members (`Keyring`): the current one to write, any version to read. */
export interface MemberKeys {
  current(member: string): Promise<DataKey>;
  find(member: string, keyId: string): Promise<DataKey | undefined>;
}

const MEMBER_KEY = /^members\/([^/]+)\//;

/**
 * Encryption at rest over any ObjectStore (local folder, S3): every object under
 * `members/<member>/` is stored in the chunked AES-256-GCM format of
 * docs/encryption.md with that member's data key, bound to its store key (so objects
 * cannot be swapped). Reads decrypt and verify; a changed, truncated, swapped or
 * unencrypted object fails with a DecryptionError naming the object. Staged copies are
 * decrypted and appear only once every chunk verified. Listing, sizes (encrypted sizes),
 * deletes and sweeps pass through to the backend (`StagingDataStore`).
 *
 * @example
 *   const store = new EncryptedStore(await LocalStore.open(dir), keyring, scratch);
 *   await store.putFile('members/acme/results/r1.parquet', '/dev/shm/…/delivery.parquet');
 *   const staged = await store.stageInto('members/acme/results/r1.parquet', queryDir);
 */
export class EncryptedStore extends StagingDataStore {
  readonly encrypted = true;

  constructor(
    backend: ObjectStore,
    private readonly keys: MemberKeys,
    scratch: PrivateScratch,
  ) {
    super(backend, scratch);
  }

  async putFile(key: string, localPath: string): Promise<ObjectInfo> {
    return this.putStream(key, createReadStream(localPath));
  }

  async putBytes(key: string, bytes: Uint8Array): Promise<ObjectInfo> {
    const dataKey = await this.keys.current(memberOf(key));
    return this.backend.putBytes(key, encryptBuffer(bytes, { key: dataKey, context: key }));
  }

  async putStream(key: string, body: Readable): Promise<ObjectInfo> {
    const dataKey = await this.keys.current(memberOf(key));
    return this.backend.putStream(key, piped(body, new EncryptStream({ key: dataKey, context: key })));
  }

  async read(key: string): Promise<Uint8Array | undefined> {
    const member = memberOf(key);
    const sealed = await this.backend.read(key);
    if (sealed === undefined) return undefined;
    return decryptBuffer(sealed, { key: (id) => this.keys.find(member, id), context: key, objectName: key });
  }

  /**
   * A plaintext stream. Chunks are released only after they verify, but a damaged object
   * fails part-way: treat an error event as "nothing was read".
   */
  async openRead(key: string): Promise<Readable | undefined> {
    const member = memberOf(key);
    const sealed = await this.backend.openRead(key);
    if (sealed === undefined) return undefined;
    return piped(sealed, new DecryptStream({ key: (id) => this.keys.find(member, id), context: key, objectName: key }));
  }

  /** Refuses a key outside `members/<member>/` before making a scratch folder. */
  override async stage(key: string): Promise<StagedObject | undefined> {
    memberOf(key);
    return super.stage(key);
  }
}

/** The member whose data key protects `key`; only member objects are stored encrypted. */
export function memberOf(key: string): string {
  const member = MEMBER_KEY.exec(key)?.[1];
  if (member === undefined) throw new Error(`Internal error: object key "${key}" is not under members/<member>/, so no data key protects it`);
  return member;
}

/** `source` piped through `transform`; a failure of either ends `transform` with that error. */
function piped<T extends NodeJS.ReadWriteStream & Readable>(source: Readable, transform: T): T {
  pipelineCallback(source, transform, () => undefined);
  return transform;
}
