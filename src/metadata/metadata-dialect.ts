import { PostgresAdapter, type Kysely } from 'kysely';

/**
 * Whether a metadata database (or a connection or transaction of one) is PostgreSQL.
 * For the few statements that differ between the two (write-transaction.ts): queries
 * built with Kysely need no such test.
 */
export function isPostgres<DB>(db: Kysely<DB>): boolean {
  // Kysely has no public accessor for the dialect; the executor's adapter is what its
  // own migrator consults (transactional DDL, migration lock).
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
