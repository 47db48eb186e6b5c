import { sql, type Kysely } from 'kysely';
import { isPostgres } from './metadata-dialect.ts';

/**
 * Begins a transaction that holds the metadata database's write lock from its first
 * statement, so that a read followed by a write (the budget spent so far, then a new
 * reservation) cannot interleave with another process doing the same. The caller
 * commits or rolls back on the same connection (`db.connection().execute`).
 *
 * SQLite: `BEGIN IMMEDIATE` takes the database's single write lock up front, waiting out
 * busy_timeout (10 s). PostgreSQL: one transaction-scoped advisory lock, the same key
 * for every such transaction, waited for at most as long (lock_timeout). Under READ
 * COMMITTED each statement sees every commit made before it started, so whoever holds
 * the lock reads everything the previous holder wrote: the same serial order as SQLite,
 * without retry loops (SERIALIZABLE) or lock ordering across rows (FOR UPDATE), and
 * without needing the rows to exist yet. The lock is per database and is released by
 * COMMIT or ROLLBACK, or when the connection dies.
 */
export async function beginWriteTransaction<DB>(conn: Kysely<DB>): Promise<void> {
  if (!isPostgres(conn)) {
    await sql`BEGIN IMMEDIATE`.execute(conn);
    return;
  }
  await sql`BEGIN`.execute(conn);
  try {
    await sql`SET LOCAL lock_timeout = '10s'`.execute(conn);
    await sql`SELECT pg_advisory_xact_lock(${sql.lit(WRITE_LOCK_KEY)})`.execute(conn);
  } catch (e) {
    // The connection goes back to the pool: it must not keep an aborted transaction.
    await sql`ROLLBACK`.execute(conn);
    throw e;
  }
}

/** Any fixed 64-bit key (ASCII "ClRmLedg"); other applications on the database should not use it. */
export const WRITE_LOCK_KEY = 0x436c526d4c656467n;
