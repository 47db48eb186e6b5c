import type { Readable } from 'node:stream';

/**
 * What every object store (local folder now, S3-compatible later) offers the rest of
 * Cleanroom. Keys are `/`-separated relative names built by `layout.ts`; every backend
 * re-validates them with `assertSafeKey` so that a key built by mistake from a hostile
 * name still cannot reach outside the store.
 *
 * Writes are all-or-nothing: a reader sees either the previous object or the new one,
 * never a partial file. Backends that cannot rename (S3) get that from single PUTs.
 *
 * @example
 *   const store = await LocalStore.open('/var/lib/cleanroom/store');
 *   await store.putFile(datasetFileKey('acme', 'visits', 1, 'part-0'), '/tmp/crawl/out.parquet');
 *   const staged = await store.stage(key);
 *   try { await duck.run(`SELECT * FROM read_parquet('${staged.path}')`); } finally { await staged.release(); }
 */
export interface ObjectStore {
  /** Copies a local file under `key`, replacing any existing object atomically. */
  putFile(key: string, localPath: string): Promise<ObjectInfo>;
  /** Stores `bytes` under `key`, replacing any existing object atomically. */
  putBytes(key: string, bytes: Uint8Array): Promise<ObjectInfo>;
  /**
   * Stores what `body` yields under `key`, replacing any existing object atomically; if
   * the stream fails, nothing is stored (the encrypting store pipes its cipher in here).
   */
  putStream(key: string, body: Readable): Promise<ObjectInfo>;
  /** The whole object, or undefined when the key does not exist. */
  read(key: string): Promise<Uint8Array | undefined>;
  /** A byte stream of the object, or undefined when the key does not exist. */
  openRead(key: string): Promise<Readable | undefined>;
  /**
   * A local file path holding the object, for engines that read files (DuckDB).
   * The local store returns its own file; a remote store downloads to a temporary
   * folder. Call `release()` when done so a remote store can remove its copy.
   * Undefined when the key does not exist.
   */
  stage(key: string): Promise<StagedObject | undefined>;
  /** Size and modification time, or undefined when the key does not exist. */
  stat(key: string): Promise<ObjectInfo | undefined>;
  /**
   * Objects whose key starts with `prefix` (a plain string prefix, as S3 does), sorted
   * by key. In-progress temporary files are never listed.
   */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Removes one object; true when it existed. */
  delete(key: string): Promise<boolean>;
  /** Removes every object whose key starts with `prefix`; returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  /**
   * Removes leftovers of writes interrupted by a crash (temporary files and the
   * `tmp/` area) that are older than `olderThanMs` (default one hour, so that writes
   * in progress in another process survive). Returns how many files were removed.
   */
  sweepTemporary(olderThanMs?: number): Promise<number>;
}

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  readonly modified: Date;
}

export interface StagedObject {
  readonly path: string;
  release(): Promise<void>;
}
