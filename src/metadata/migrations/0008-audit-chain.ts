import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The tamper-evident audit chain (src/audit). `audit_log` holds one HMAC-chained entry per
 * change and per query status; `audit_head` one row with the last seq and hash, created
 * here and never again, so a deleted head is noticed rather than quietly re-created;
 * `audit_keys` the chain key, wrapped by the workspace's KeyProvider. No autoIncrement:
 * appends take the next seq under the head's row lock, so the same DDL runs on
 * PostgreSQL.
 */
export const auditChain: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('audit_log')
      .addColumn('seq', 'bigint', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('detail_json', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('audit_head')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('mac', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text')
      .execute();
    await db.schema
      .createTable('audit_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('master_key_id', 'text', (c) => c.notNull())
      .addColumn('wrapped', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    // The empty chain: seq 0 and the genesis hash (src/audit/entry-mac.ts); no MAC yet,
    // as no key exists until the workspace first attaches the chain.
    await sql`INSERT INTO audit_head (id, seq, hash, mac, updated_at) VALUES ('head', 0, ${'0'.repeat(64)}, '', NULL)`.execute(db);
  },
};
