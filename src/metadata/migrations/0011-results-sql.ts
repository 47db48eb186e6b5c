import type { Kysely, Migration } from 'kysely';

/**
 * Results SQL (src/results-sql): the names members give the results they received, and
 * their saved queries and views. Text ids, no autoIncrement, so the same DDL runs on
 * SQLite and PostgreSQL. `result_names` has no foreign key to `results`: deleting a
 * result leaves a stale name row that the catalog ignores and the next rename clears.
 */
export const resultsSql: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('result_names')
      .addColumn('result_id', 'text', (c) => c.primaryKey())
      .addColumn('member', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('result_names_member_name', ['member', 'name'])
      .execute();
    await db.schema
      .createTable('results_sql_saved')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('member', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      /** Sealed with the member's data key, like protected query texts. */
      .addColumn('sql_text', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('results_sql_saved_member_name', ['member', 'name'])
      .execute();
  },
};
