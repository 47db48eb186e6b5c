import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { DuckDbEngine } from '../engine/duckdb-engine.ts';
import type { Engine } from '../engine/engine.ts';
import { DuckDbParser } from '../engine/duckdb-parser.ts';
import { attachAuditChain } from '../audit/attach.ts';
import { CleanroomError } from './errors.ts';
import { MetadataOpenError } from '../metadata/metadata-errors.ts';
import { openMetadata } from '../metadata/open-database.ts';
import type { Database } from '../metadata/schema.ts';
import type { DataStore } from '../storage/data-store.ts';
import type { KeyProvider } from '../storage/encryption/key-provider.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { PrivateScratch } from '../storage/private-scratch.ts';
import { encryptLegacyData } from './legacy-encryption.ts';
import { FieldSealer, registerFieldSealer } from './member-keys.ts';
import { sweepOrphans } from './orphans.ts';
import { openDataStore, openKeyring } from './workspace-storage.ts';

/** Debris younger than this may belong to a write in progress in another process. */
const ORPHAN_GRACE_MS = 15 * 60 * 1000;

export interface WorkspaceOptions {
  /** Per-query engine memory (DuckDB syntax). */
  readonly memoryLimit?: string;
  readonly threads?: number;
  /** Protected queries the engine runs at once (default 1; the server: its running limit). */
  readonly engineConcurrency?: number;
  /**
   * The object store backend (datasets and results), encrypted at rest by the workspace.
   * Default: `CLEANROOM_STORE` (docs/storage.md), else `<home>/store`.
   */
  readonly store?: ObjectStore;
  /**
   * The control-plane database: a SQLite file or a `postgres://` URL (docs/metadata.md).
   * Default: `$CLEANROOM_METADATA`, else `<home>/metadata.db`.
   */
  readonly metadata?: string;
  /** The master key (a KMS fits behind KeyProvider). Default: docs/encryption.md's order. */
  readonly keyProvider?: KeyProvider;
  /** Environment to read settings from; default process.env (tests pass their own). */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * `false` stores datasets, results and metadata values IN PLAINTEXT. Only for the
   * benchmark that measures what encryption costs and the test that proves the plaintext
   * scan works; the CLI and the server never set it. Default true.
   */
  readonly encryptionAtRest?: boolean;
}

/**
 * One Cleanroom home: the control-plane database, the object store (encrypted at rest
 * with per-member data keys) and the engines. `--home DIR`, else `$CLEANROOM_HOME`,
 * else `./.cleanroom`.
 */
export class Workspace {
  private parserInstance: DuckDbParser | undefined;

  private constructor(
    readonly home: string,
    readonly db: Kysely<Database>,
    readonly store: DataStore,
    readonly engine: Engine,
    /** Private, memory-backed where possible: decrypted inputs, engine spill, results before encryption. */
    readonly scratch: PrivateScratch,
    /** Encrypts metadata values that hold data with the owner's data key. */
    readonly fields: FieldSealer,
    /** The master key: wraps members' data keys and the audit chain key. */
    readonly keyProvider: KeyProvider,
    private readonly onClose: () => void,
  ) {}

  static async open(home: string, options: WorkspaceOptions = {}): Promise<Workspace> {
    const root = resolve(home);
    const env = options.env ?? process.env;
    mkdirSync(join(root, 'tmp'), { recursive: true });
    const db = await openMetadata(options.metadata ?? env['CLEANROOM_METADATA'] ?? join(root, 'metadata.db')).catch((e: unknown) => {
      // Unreachable server, wrong password, missing database: the user's to fix, said plainly.
      if (e instanceof MetadataOpenError) throw new CleanroomError('invalid', { code: e.code, message: e.reason, hint: e.hint });
      throw e;
    });
    try {
      const { keyring, firstKeys } = await openKeyring(db, root, env, options.keyProvider);
      // The audit chain's key is wrapped by the same master key (src/audit).
      await attachAuditChain(db, keyring.provider);
      const dataKeys = options.encryptionAtRest === false ? undefined : keyring;
      const scratch = await PrivateScratch.open({ home: root, fallbackParent: join(root, 'tmp') });
      await scratch.sweep();
      const { store, close } = await openDataStore({ root, env, scratch, keyring: dataKeys, ...(options.store ? { backend: options.store } : {}) });
      const fields = new FieldSealer(dataKeys);
      registerFieldSealer(db, fields);
      // A home from before encryption at rest: encrypted in place, once.
      if (firstKeys) await encryptLegacyData(db, store, fields);
      const engine = new DuckDbEngine({
        memoryLimit: options.memoryLimit ?? env['CLEANROOM_MEMORY_LIMIT'] ?? '4GB',
        threads: options.threads ?? Number(env['CLEANROOM_THREADS'] ?? 2),
        ...(options.engineConcurrency !== undefined ? { concurrency: options.engineConcurrency } : {}),
      });
      const workspace = new Workspace(root, db, store, engine, scratch, fields, keyring.provider, close);
      await sweepOrphans(workspace, ORPHAN_GRACE_MS);
      return workspace;
    } catch (e) {
      await db.destroy();
      throw e;
    }
  }

  /** Scratch space for one operation; callers remove it when done. Holds no plaintext member data. */
  get tmpDir(): string {
    return join(this.home, 'tmp');
  }

  async parser(): Promise<DuckDbParser> {
    this.parserInstance ??= await DuckDbParser.create();
    return this.parserInstance;
  }

  async close(): Promise<void> {
    this.parserInstance?.close();
    await this.store.releaseAll();
    await this.scratch.close();
    this.onClose();
    await this.db.destroy();
  }
}

export function defaultHome(flag: string | undefined): string {
  return flag ?? process.env['CLEANROOM_HOME'] ?? '.cleanroom';
}
