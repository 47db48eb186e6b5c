import type { Kysely, Migration } from 'kysely';

/** A member's dashboard (src/results-sql/dashboards); its document is sealed with the owner's key. */
export interface DashboardsTable {
  id: string;
  owner: string;
  name: string;
  /** The validated dashboard document (JSON), sealed: filters and SQL texts hold data values. */
  spec_json: string;
  created_at: string;
  updated_at: string;
}

/** A read-only share of a dashboard with one member, within one collaboration. */
export interface DashboardSharesTable {
  dashboard_id: string;
  member: string;
  collaboration_id: number;
  created_at: string;
}

/**
 * Dashboards over results SQL (issue 6): text ids, no autoIncrement, no foreign keys to
 * results (a dashboard outlives the results it draws on), so the same DDL runs on SQLite
 * and PostgreSQL.
 */
export const dashboards: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('dashboards')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('spec_json', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('dashboards_owner_name', ['owner', 'name'])
      .execute();
    await db.schema
      .createTable('dashboard_shares')
      .addColumn('dashboard_id', 'text', (c) => c.notNull())
      .addColumn('member', 'text', (c) => c.notNull())
      .addColumn('collaboration_id', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('dashboard_shares_pk', ['dashboard_id', 'member'])
      .execute();
    await db.schema.createIndex('dashboard_shares_member').on('dashboard_shares').column('member').execute();
  },
};
