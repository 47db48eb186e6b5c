import { sql, type Kysely, type Migration } from 'kysely';
import { memberKeys } from './migrations/0007-member-keys.ts';
import { auditChain } from './migrations/0008-audit-chain.ts';
import { apiKeys } from './migrations/0009-api-keys.ts';
import { queryWorkerHost } from './migrations/0010-query-worker-host.ts';
import { resultsSql } from './migrations/0011-results-sql.ts';
import { dashboards } from './migrations/0012-dashboards.ts';

/**
 * Versioned migrations, applied in name order. Never edit a released migration: add a
 * new one. Written with Kysely's schema builder so the same steps run on PostgreSQL,
 * where postgres-schema.ts turns SQLite's column types (integer, real, text, blob,
 * autoIncrement ids) into their PostgreSQL equivalents; SQLite gets the DDL as written.
 */
export const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('members')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('datasets')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('member', 'text', (c) => c.notNull().references('members.name'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('datasets_member_name', ['member', 'name'])
        .execute();
      await db.schema
        .createTable('dataset_versions')
        .addColumn('dataset_id', 'integer', (c) => c.notNull().references('datasets.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('files_json', 'text', (c) => c.notNull())
        .addColumn('columns_json', 'text', (c) => c.notNull())
        .addColumn('stats_json', 'text', (c) => c.notNull())
        .addColumn('sources_json', 'text', (c) => c.notNull())
        .addColumn('row_count', 'integer', (c) => c.notNull())
        .addColumn('bytes', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('dataset_versions_pk', ['dataset_id', 'version'])
        .execute();
      await db.schema
        .createTable('configured_tables')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('member', 'text', (c) => c.notNull().references('members.name'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('dataset_id', 'integer', (c) => c.notNull().references('datasets.id'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('configured_tables_member_name', ['member', 'name'])
        .execute();
      await db.schema
        .createTable('table_versions')
        .addColumn('table_id', 'integer', (c) => c.notNull().references('configured_tables.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('columns_json', 'text', (c) => c.notNull())
        .addColumn('rule_json', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('table_versions_pk', ['table_id', 'version'])
        .execute();
      await db.schema
        .createTable('collaborations')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('creator', 'text', (c) => c.notNull().references('members.name'))
        .addColumn('query_logs', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('collaboration_members')
        .addColumn('collaboration_id', 'integer', (c) => c.notNull().references('collaborations.id'))
        .addColumn('member', 'text', (c) => c.notNull().references('members.name'))
        .addColumn('can_query', 'integer', (c) => c.notNull())
        .addColumn('can_receive', 'integer', (c) => c.notNull())
        .addColumn('accepted_at', 'text')
        .addColumn('left_at', 'text')
        .addPrimaryKeyConstraint('collaboration_members_pk', ['collaboration_id', 'member'])
        .execute();
      await db.schema
        .createTable('associations')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('collaboration_id', 'integer', (c) => c.notNull().references('collaborations.id'))
        .addColumn('sql_name', 'text', (c) => c.notNull())
        .addColumn('table_id', 'integer', (c) => c.notNull().references('configured_tables.id'))
        .addColumn('member', 'text', (c) => c.notNull())
        .addColumn('receivers_json', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('associations_name', ['collaboration_id', 'sql_name'])
        .execute();
      await db.schema
        .createTable('queries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('collaboration_id', 'integer', (c) => c.notNull())
        .addColumn('runner', 'text', (c) => c.notNull())
        .addColumn('receiver', 'text', (c) => c.notNull())
        .addColumn('sql_text', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error_json', 'text')
        .addColumn('tables_json', 'text', (c) => c.notNull())
        .addColumn('row_count', 'integer')
        .addColumn('duration_ms', 'integer')
        .addColumn('table_stats_json', 'text')
        .addColumn('internal_error', 'text')
        .addColumn('worker_pid', 'integer')
        .addColumn('submitted_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('finished_at', 'text')
        .execute();
      await db.schema
        .createIndex('queries_collaboration')
        .on('queries')
        .columns(['collaboration_id', 'submitted_at'])
        .execute();
      await db.schema
        .createTable('results')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('query_id', 'text', (c) => c.notNull())
        .addColumn('member', 'text', (c) => c.notNull())
        .addColumn('store_key', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('columns_json', 'text', (c) => c.notNull())
        .addColumn('row_count', 'integer', (c) => c.notNull())
        .addColumn('bytes', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('events')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('detail_json', 'text')
        .execute();
      await sql`SELECT 1`.execute(db);
    },
  },
  '0002_templates': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('templates')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('collaboration_id', 'integer', (c) => c.notNull().references('collaborations.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('sql_text', 'text', (c) => c.notNull())
        .addColumn('parameters_json', 'text', (c) => c.notNull())
        .addColumn('tables_json', 'text', (c) => c.notNull())
        .addColumn('creator', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('templates_name', ['collaboration_id', 'name'])
        .execute();
      await db.schema.alterTable('queries').addColumn('template_id', 'text').execute();
      await db.schema.alterTable('queries').addColumn('parameters_json', 'text').execute();
    },
  },
  '0003_delivery_options': {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('queries').addColumn('delivery_json', 'text').execute();
    },
  },
  '0004_privacy_budgets': {
    async up(db: Kysely<unknown>): Promise<void> {
      // One budget per configured table (not per collaboration): a table associated into
      // several collaborations spends one allowance. Deleting the table deletes it.
      await db.schema
        .createTable('privacy_budgets')
        .addColumn('table_id', 'integer', (c) => c.primaryKey().references('configured_tables.id').onDelete('cascade'))
        .addColumn('epsilon', 'real', (c) => c.notNull())
        .addColumn('delta', 'real', (c) => c.notNull())
        .addColumn('users_noise', 'integer', (c) => c.notNull())
        .addColumn('refresh', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addCheckConstraint('privacy_budgets_refresh', sql`refresh IN ('none', 'monthly')`)
        .execute();
      // No foreign key on table_id: the ledger is the record of what was released and
      // outlives a deleted table; ids are AUTOINCREMENT, never reused, so old rows can
      // never be charged to a new table.
      await db.schema
        .createTable('privacy_ledger')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('table_id', 'integer', (c) => c.notNull())
        .addColumn('query_id', 'text', (c) => c.notNull())
        .addColumn('period', 'text', (c) => c.notNull())
        .addColumn('epsilon', 'real', (c) => c.notNull())
        .addColumn('delta', 'real', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('kinds_json', 'text', (c) => c.notNull())
        .addColumn('partition_selection', 'integer', (c) => c.notNull())
        .addColumn('runner', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('settled_at', 'text')
        .addCheckConstraint('privacy_ledger_status', sql`status IN ('reserved', 'spent', 'refunded')`)
        .execute();
      await db.schema.createIndex('privacy_ledger_table_period').on('privacy_ledger').columns(['table_id', 'period']).execute();
      // A query reserves once per table; settling finds its rows by query id.
      await db.schema.createIndex('privacy_ledger_query').on('privacy_ledger').columns(['query_id', 'table_id']).unique().execute();
      await db.schema
        .createTable('dp_answers')
        .addColumn('cache_key', 'text', (c) => c.notNull())
        .addColumn('period', 'text', (c) => c.notNull())
        .addColumn('query_id', 'text', (c) => c.notNull())
        .addColumn('result_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('dp_answers_pk', ['cache_key', 'period'])
        .execute();
    },
  },
  '0005_query_privacy': {
    async up(db: Kysely<unknown>): Promise<void> {
      // How a differentially private result was made (mechanism, epsilon, noise, bounds):
      // shown with the result and kept with the query.
      await db.schema.alterTable('queries').addColumn('privacy_json', 'text').execute();
    },
  },
  '0006_difference_checks': {
    async up(db: Kysely<unknown>): Promise<void> {
      // Difference checks (src/collaboration/difference-store.ts): off by default. The
      // store is operator-only: no member command reads these tables. Deleting the
      // collaboration deletes its secret and its released rows' user sets.
      await db.schema
        .alterTable('collaborations')
        .addColumn('difference_checks', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('difference_check_keys')
        .addColumn('collaboration_id', 'integer', (c) => c.primaryKey().references('collaborations.id').onDelete('cascade'))
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('difference_rows')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('collaboration_id', 'integer', (c) => c.notNull().references('collaborations.id').onDelete('cascade'))
        .addColumn('query_id', 'text', (c) => c.notNull())
        .addColumn('group_key', 'text', (c) => c.notNull())
        .addColumn('measures_json', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('difference_sets')
        .addColumn('row_id', 'integer', (c) => c.notNull().references('difference_rows.id').onDelete('cascade'))
        .addColumn('collaboration_id', 'integer', (c) => c.notNull())
        .addColumn('constraint_key', 'text', (c) => c.notNull())
        .addColumn('user_count', 'integer', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('users', 'blob', (c) => c.notNull())
        .addPrimaryKeyConstraint('difference_sets_pk', ['row_id', 'constraint_key'])
        .execute();
      // Candidates are found by set size: a set within k-1 users has a size within k-1.
      await db.schema
        .createIndex('difference_sets_size')
        .on('difference_sets')
        .columns(['collaboration_id', 'constraint_key', 'user_count'])
        .execute();
    },
  },
  '0007_member_keys': memberKeys,
  '0008_audit_chain': auditChain,
  '0009_api_keys': apiKeys,
  '0010_query_worker_host': queryWorkerHost,
  '0011_results_sql': resultsSql,
  '0012_dashboards': dashboards,
};
