import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { attachAuditChain } from '../../src/audit/attach.ts';
import { openMetadata } from '../../src/metadata/open-database.ts';
import type { Database } from '../../src/metadata/schema.ts';
import { LocalKeyProvider } from '../../src/storage/encryption/local-key-provider.ts';

/**
 * The control-plane databases the metadata suite runs against: SQLite always;
 * PostgreSQL when CLEANROOM_TEST_POSTGRES_URL names a server on which its user may
 * create databases (scripts/with-postgres.sh starts a throw-away one; .ci/run always
 * does). Every `fresh()` is a new empty database, so tests stay independent.
 */
export interface MetadataBackend {
  readonly name: 'sqlite' | 'postgres';
  /** False when the backend is not configured: its tests are skipped, with a message. */
  readonly available: boolean;
  /** A new empty metadata database: a SQLite file path or a postgres:// URL. */
  fresh(): Promise<string>;
  /** Removes every database this backend handed out. */
  cleanup(): Promise<void>;
}

export const POSTGRES_URL = process.env['CLEANROOM_TEST_POSTGRES_URL'];

export const POSTGRES_SKIPPED =
  'PostgreSQL half of the metadata suite skipped: CLEANROOM_TEST_POSTGRES_URL is not set ' +
  '(run it with scripts/with-postgres.sh <command>, as .ci/run does)';

export function metadataBackends(): MetadataBackend[] {
  return [sqliteBackend(), postgresBackend(POSTGRES_URL)];
}

function sqliteBackend(): MetadataBackend {
  const dirs: string[] = [];
  return {
    name: 'sqlite',
    available: true,
    async fresh() {
      const dir = mkdtempSync(join(tmpdir(), 'cr-meta-'));
      dirs.push(dir);
      return join(dir, 'metadata.db');
    },
    async cleanup() {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** One master key for every test database, so that any process can open any of them. */
const TEST_MASTER_KEY = LocalKeyProvider.fromBytes(Buffer.alloc(32, 7));

/**
 * Opens a metadata database as Workspace.open does, without the engine and store:
 * migrated, with its audit chain attached (every change is recorded in it).
 */
export async function openTestMetadata(spec: string): Promise<Kysely<Database>> {
  const db = await openMetadata(spec);
  await attachAuditChain(db, TEST_MASTER_KEY);
  return db;
}

let sequence = 0;

async function withAdmin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function postgresBackend(url: string | undefined): MetadataBackend {
  const databases: string[] = [];
  return {
    name: 'postgres',
    available: url !== undefined && url !== '',
    async fresh() {
      if (url === undefined) throw new Error(POSTGRES_SKIPPED);
      const name = `cr_test_${process.pid}_${++sequence}_${Math.random().toString(36).slice(2, 8)}`;
      await withAdmin(url, async (client) => {
        // A linguistic default collation (ICU en-US, whatever the server's OS locales):
        // any comparison or sort that depends on the database's collation then orders
        // differently from SQLite, and the suite notices.
        try {
          await client.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`);
        } catch {
          await client.query(`CREATE DATABASE ${name}`);
        }
      });
      databases.push(name);
      const target = new URL(url);
      target.pathname = `/${name}`;
      return target.toString();
    },
    async cleanup() {
      if (url === undefined || databases.length === 0) return;
      await withAdmin(url, async (client) => {
        for (const name of databases.splice(0)) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
    },
  };
}
