import type { Kysely, Migration } from 'kysely';

/**
 * Members' data keys, stored only wrapped by the master key (src/storage/encryption).
 * One row per member and key version (`acme/v1`, `acme/v2` after a rotation); nothing
 * in a row is secret. No autoIncrement and only text/integer columns, so the same DDL
 * runs on SQLite and PostgreSQL.
 */
export const memberKeys: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('member_keys')
      .addColumn('member', 'text', (c) => c.notNull().references('members.name'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull().unique())
      .addColumn('master_key_id', 'text', (c) => c.notNull())
      .addColumn('wrapped', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('member_keys_pk', ['member', 'version'])
      .execute();
  },
};
