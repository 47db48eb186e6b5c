import { AsyncLocalStorage } from 'node:async_hooks';
import type { ObjectStore, StagedObject } from './object-store.ts';

/**
 * The store the workspace uses for member data: an ObjectStore whose objects are
 * encrypted at rest (`EncryptedStore`), plus what the query path needs on top.
 *
 * - `stage(key)` gives a plaintext copy in a fresh private scratch folder (memory-backed
 *   where possible); `release()` removes it.
 * - `stageInto(key, dir, name)` writes the plaintext into a folder the caller owns (the
 *   query's private folder, which is then the engine's only allowed directory). The file
 *   appears only once the whole object has verified.
 * - `withStagingScope(work)` releases every copy staged inside `work` (by any code it
 *   calls) when `work` ends, whether or not the caller released it: no plaintext copy
 *   outlives the operation that made it.
 */
export interface DataStore extends ObjectStore {
  /** False only in the benchmark-only plaintext mode (`PlaintextDataStore`). */
  readonly encrypted: boolean;
  stageInto(key: string, dir: string, name?: string): Promise<StagedObject | undefined>;
  withStagingScope<T>(work: () => Promise<T>): Promise<T>;
  /** Releases every copy still staged (workspace close). */
  releaseAll(): Promise<void>;
}

/**
 * Remembers the release of every staged copy: in the innermost staging scope (async
 * context) that made it, and process-wide for `releaseAll`.
 */
export class StagingTracker {
  private readonly scopes = new AsyncLocalStorage<Set<StagedObject>>();
  private readonly open = new Set<StagedObject>();

  /** Wraps `staged` so that releasing it twice is harmless and it is forgotten once released. */
  track(staged: StagedObject): StagedObject {
    const scope = this.scopes.getStore();
    let released: Promise<void> | undefined;
    const tracked: StagedObject = {
      path: staged.path,
      release: () => {
        released ??= staged.release().finally(() => {
          this.open.delete(tracked);
          scope?.delete(tracked);
        });
        return released;
      },
    };
    this.open.add(tracked);
    scope?.add(tracked);
    return tracked;
  }

  async scoped<T>(work: () => Promise<T>): Promise<T> {
    const mine = new Set<StagedObject>();
    try {
      return await this.scopes.run(mine, work);
    } finally {
      await releaseEach(mine);
    }
  }

  async releaseAll(): Promise<void> {
    await releaseEach(this.open);
  }
}

async function releaseEach(objects: Set<StagedObject>): Promise<void> {
  for (const object of [...objects]) await object.release();
}
