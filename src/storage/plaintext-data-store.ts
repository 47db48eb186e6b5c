import type { Readable } from 'node:stream';
import type { ObjectInfo } from './object-store.ts';
import { StagingDataStore } from './staging-data-store.ts';

/**
 * NOT for use with member data: stores objects as they are. It exists so that the
 * benchmark can measure what encryption at rest costs (same staging into the query's
 * private folder, no cipher) and so that a test can prove the plaintext scan finds
 * data in an unencrypted workspace. Reachable only through the programmatic
 * `WorkspaceOptions.encryptionAtRest: false`; the CLI and the server never set it.
 */
export class PlaintextDataStore extends StagingDataStore {
  readonly encrypted = false;

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
}
