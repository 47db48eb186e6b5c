import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { type DataStore, StagingTracker } from './data-store.ts';
import type { ObjectInfo, ObjectStore, StagedObject } from './object-store.ts';
import type { PrivateScratch } from './private-scratch.ts';
import { writeAtomically } from './write-atomically.ts';

/**
 * What `EncryptedStore` and `PlaintextDataStore` share: staging the plaintext that
 * `openRead` gives, and listing, sizes, deletes and sweeps passed through to the backend.
 * Writes and reads stay abstract, so a store cannot fall back to plaintext by omission.
 */
export abstract class StagingDataStore implements DataStore {
  abstract readonly encrypted: boolean;
  private readonly staging = new StagingTracker();

  constructor(
    readonly backend: ObjectStore,
    private readonly scratch: PrivateScratch,
  ) {}

  abstract putFile(key: string, localPath: string): Promise<ObjectInfo>;
  abstract putBytes(key: string, bytes: Uint8Array): Promise<ObjectInfo>;
  abstract putStream(key: string, body: Readable): Promise<ObjectInfo>;
  abstract read(key: string): Promise<Uint8Array | undefined>;
  abstract openRead(key: string): Promise<Readable | undefined>;

  async stage(key: string): Promise<StagedObject | undefined> {
    const dir = await this.scratch.create('stage');
    const release = (): Promise<void> => rm(dir, { recursive: true, force: true });
    try {
      const staged = await this.writePlaintext(key, dir, path.basename(key));
      if (staged === undefined) {
        await release();
        return undefined;
      }
      return this.staging.track({ path: staged, release });
    } catch (e) {
      await release();
      throw e;
    }
  }

  async stageInto(key: string, dir: string, name = path.basename(key)): Promise<StagedObject | undefined> {
    const file = await this.writePlaintext(key, dir, name);
    return file === undefined ? undefined : this.staging.track({ path: file, release: () => rm(file, { force: true }) });
  }

  /** Writes into `dir/.name.partial`, renamed to `dir/name` only once the whole object was read (and verified). */
  private async writePlaintext(key: string, dir: string, name: string): Promise<string | undefined> {
    if (name.includes('/') || name.startsWith('.')) throw new Error('Internal error: a staged file name must be a plain file name');
    const source = await this.openRead(key);
    if (source === undefined) return undefined;
    const file = path.join(dir, name);
    await writeAtomically(file, source);
    return file;
  }

  withStagingScope<T>(work: () => Promise<T>): Promise<T> {
    return this.staging.scoped(work);
  }

  releaseAll(): Promise<void> {
    return this.staging.releaseAll();
  }

  stat(key: string): Promise<ObjectInfo | undefined> {
    return this.backend.stat(key);
  }

  list(prefix: string): Promise<ObjectInfo[]> {
    return this.backend.list(prefix);
  }

  delete(key: string): Promise<boolean> {
    return this.backend.delete(key);
  }

  deletePrefix(prefix: string): Promise<number> {
    return this.backend.deletePrefix(prefix);
  }

  sweepTemporary(olderThanMs?: number): Promise<number> {
    return this.backend.sweepTemporary(olderThanMs);
  }
}
