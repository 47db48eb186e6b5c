import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type MigrationProvider, type Migration } from 'kysely';
import type { Database } from './schema.ts';
import { migrations } from './migrations.ts';
import { MetadataOpenError, migrationError, type PostgresTarget } from './metadata-errors.ts';
import { isPostgresUrl, openPostgres, redactUrl } from './open-postgres.ts';
import { PostgresSchemaPlugin } from './postgres-schema.ts';

class StaticMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

/**
 * Opens the control-plane database named by `--metadata` and brings it to the latest
 * migration: a `postgres://` or `postgresql://` URL (a server shared by several Cleanroom
 * processes or hosts), else a SQLite file path (embedded, the default).
 *
 * @example await openMetadata('postgres://cleanroom:secret@db.internal:5432/cleanroom')
 * @example await openMetadata('/srv/cleanroom/metadata.db')
 */
export async function openMetadata(spec: string): Promise<Kysely<Database>> {
  if (isPostgresUrl(spec)) {
    const { db, target } = await openPostgres<Database>(spec);
    await migrate(db, redactUrl(spec), target);
    return db;
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec)?.[1];
  if (scheme !== undefined) {
    throw new MetadataOpenError('metadata-url-unsupported', `the metadata database cannot be a ${scheme}:// URL`,
      'give a PostgreSQL URL (postgres://user:password@host:5432/database) or a SQLite file path');
  }
  return openDatabase(spec);
}

/**
 * Opens (creating if needed) the embedded control-plane database and brings it to the
 * latest migration. WAL keeps readers going while a writer commits; foreign keys are on
 * so a dangling reference is a bug that fails loudly.
 */
export async function openDatabase(file: string): Promise<Kysely<Database>> {
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 10000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrate(db, file, undefined);
  return db;
}

/**
 * Applies the pending migrations. On PostgreSQL they run in one transaction under
 * Kysely's migration lock, with SQLite's column types translated (postgres-schema.ts);
 * SQLite gets the migrations' DDL unchanged.
 */
async function migrate(db: Kysely<Database>, where: string, postgres: PostgresTarget | undefined): Promise<void> {
  const migrating = postgres === undefined ? db : db.withPlugin(new PostgresSchemaPlugin());
  const { error, results } = await new Migrator({ db: migrating, provider: new StaticMigrations() }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error !== undefined || failed !== undefined) {
    await db.destroy();
    throw migrationError(error ?? failed?.migrationName, postgres, where);
  }
}
