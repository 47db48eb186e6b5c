import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DataStore } from './data-store.ts';
import { StagingTracker } from './data-store.ts';
import type { ObjectInfo, ObjectStore, StagedObject } from './object-store.ts';
import type { PrivateScratch } from './private-scratch.ts';

/**
 * NOT for use with member data: stores objects as they are. It exists so that the
 * benchmark can measure what encryption at rest costs (same staging into the query's
 * private folder, no cipher) and so that a test can prove the plaintext scan finds
 * data in an unencrypted workspace. Reachable only through the programmatic
 * `WorkspaceOptions.encryptionAtRest: false`; the CLI and the server never set it.
 */
export class PlaintextDataStore implements DataStore {
  readonly encrypted = false;
  private readonly staging = new StagingTracker();

  constructor(
    readonly backend: ObjectStore,
    private readonly scratch: PrivateScratch,
  ) {}

  putFile(key: string, localPath: string): Promise<ObjectInfo> {
    return this.backend.putFile(key, localPath);
  }

  putBytes(key: string, bytes: Uint8Array): Promise<ObjectInfo> {
    return this.backend.putBytes(key, bytes);
  }

  putStream(key: string, body: Readable): Promise<ObjectInfo> {
    return this.backend.putStream(key, body);
  }

  read(key: string): Promise<Uint8Array | undefined> {
    return this.backend.read(key);
  }

  openRead(key: string): Promise<Readable | undefined> {
    return this.backend.openRead(key);
  }

  async stage(key: string): Promise<StagedObject | undefined> {
    const dir = await this.scratch.create('stage');
    const release = (): Promise<void> => rm(dir, { recursive: true, force: true });
    const file = await this.copy(key, dir, path.basename(key)).catch(async (e: unknown) => {
      await release();
      throw e;
    });
    if (file === undefined) {
      await release();
      return undefined;
    }
    return this.staging.track({ path: file, release });
  }

  async stageInto(key: string, dir: string, name = path.basename(key)): Promise<StagedObject | undefined> {
    const file = await this.copy(key, dir, name);
    return file === undefined ? undefined : this.staging.track({ path: file, release: () => rm(file, { force: true }) });
  }

  private async copy(key: string, dir: string, name: string): Promise<string | undefined> {
    const source = await this.backend.openRead(key);
    if (source === undefined) return undefined;
    const file = path.join(dir, name);
    const partial = path.join(dir, `.${name}.partial`);
    await pipeline(source, createWriteStream(partial, { flags: 'wx', mode: 0o600 }));
    await rename(partial, file);
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
