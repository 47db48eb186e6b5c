import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { DuckDbEngine } from '../engine/duckdb-engine.ts';
import type { Engine } from '../engine/engine.ts';
import { DuckDbParser } from '../engine/duckdb-parser.ts';
import { openDatabase } from '../metadata/open-database.ts';
import type { Database } from '../metadata/schema.ts';
import { LocalStore } from '../storage/local-store.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { sweepOrphans } from './orphans.ts';

/** Debris younger than this may belong to a write in progress in another process. */
const ORPHAN_GRACE_MS = 15 * 60 * 1000;

export interface WorkspaceOptions {
  /** Per-query engine memory (DuckDB syntax). */
  readonly memoryLimit?: string;
  readonly threads?: number;
}

/**
 * One Cleanroom home: the control-plane database, the object store and the engines.
 * `--home DIR`, else `$CLEANROOM_HOME`, else `./.cleanroom`.
 */
export class Workspace {
  private parserInstance: DuckDbParser | undefined;

  private constructor(
    readonly home: string,
    readonly db: Kysely<Database>,
    readonly store: ObjectStore,
    readonly engine: Engine,
  ) {}

  static async open(home: string, options: WorkspaceOptions = {}): Promise<Workspace> {
    const root = resolve(home);
    mkdirSync(join(root, 'tmp'), { recursive: true });
    const db = await openDatabase(join(root, 'metadata.db'));
    const store = await LocalStore.open(join(root, 'store'));
    const engine = new DuckDbEngine({
      memoryLimit: options.memoryLimit ?? process.env['CLEANROOM_MEMORY_LIMIT'] ?? '4GB',
      threads: options.threads ?? Number(process.env['CLEANROOM_THREADS'] ?? 2),
    });
    const workspace = new Workspace(root, db, store, engine);
    await sweepOrphans(workspace, ORPHAN_GRACE_MS);
    return workspace;
  }

  /** Scratch space for one operation; callers remove it when done. */
  get tmpDir(): string {
    return join(this.home, 'tmp');
  }

  async parser(): Promise<DuckDbParser> {
    this.parserInstance ??= await DuckDbParser.create();
    return this.parserInstance;
  }

  async close(): Promise<void> {
    this.parserInstance?.close();
    await this.db.destroy();
  }
}

export function defaultHome(flag: string | undefined): string {
  return flag ?? process.env['CLEANROOM_HOME'] ?? '.cleanroom';
}
