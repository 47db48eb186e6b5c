import type { Kysely, Migration } from 'kysely';

/**
 * API keys of the HTTP server (src/api/api-keys.ts). Only a salted hash of each secret
 * is kept; `member` is null for administrator keys. No autoIncrement: the key id is a
 * random public identifier, so the same DDL runs on SQLite and PostgreSQL.
 */
export const apiKeys: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('member', 'text', (c) => c.references('members.name'))
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('salt', 'text', (c) => c.notNull())
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .execute();
    await db.schema.createIndex('api_keys_member').on('api_keys').column('member').execute();
  },
};
