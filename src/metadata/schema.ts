import type { ColumnType, Generated } from 'kysely';
import type { DashboardSharesTable, DashboardsTable } from './migrations/0012-dashboards.ts';

/**
 * The control-plane database, as Kysely sees it. JSON columns hold validated documents
 * (rules, schemas, statistics) as text; times are ISO-8601 UTC strings.
 */
export interface MembersTable {
  name: string;
  created_at: string;
}

export interface DatasetsTable {
  id: Generated<number>;
  member: string;
  name: string;
  created_at: string;
}

export interface DatasetVersionsTable {
  dataset_id: number;
  version: number;
  /** Store keys of the Parquet files of this version (JSON array). */
  files_json: string;
  /** `[{name, type, originalName}]` (JSON). */
  columns_json: string;
  /** Per-column statistics, owner-only (JSON). */
  stats_json: string;
  /** Source files as crawled (JSON). */
  sources_json: string;
  row_count: number;
  bytes: number;
  created_at: string;
}

export interface ConfiguredTablesTable {
  id: Generated<number>;
  member: string;
  name: string;
  dataset_id: number;
  created_at: string;
}

export interface TableVersionsTable {
  table_id: number;
  version: number;
  /** Allowed columns (JSON array of names). */
  columns_json: string;
  /** The analysis rule document in its parsed form (JSON). */
  rule_json: string;
  created_at: string;
}

export interface CollaborationsTable {
  id: Generated<number>;
  name: string;
  creator: string;
  query_logs: number;
  /** 1: aggregation rows get difference checks (src/collaboration/difference-store.ts); default 0. */
  difference_checks: Generated<number>;
  created_at: string;
}

export interface CollaborationMembersTable {
  collaboration_id: number;
  member: string;
  can_query: number;
  can_receive: number;
  accepted_at: string | null;
  left_at: string | null;
}

export interface AssociationsTable {
  id: Generated<number>;
  collaboration_id: number;
  sql_name: string;
  table_id: number;
  member: string;
  /** Allowed result receivers (JSON array) or null for every receiver. */
  receivers_json: string | null;
  created_at: string;
}

export interface QueriesTable {
  id: string;
  collaboration_id: number;
  runner: string;
  receiver: string;
  sql_text: string;
  status: string;
  /** The diagnostic of a refusal, or a member-safe failure message (JSON). */
  error_json: string | null;
  /** `[{sqlName, owner, tableId, ruleVersion}]` (JSON). */
  tables_json: string;
  row_count: number | null;
  duration_ms: number | null;
  /** Owner-only per-table figures (JSON keyed by association name). */
  table_stats_json: string | null;
  /** Internal error text for the operator only; never shown to members. */
  internal_error: string | null;
  /** Process that runs the query; a dead one means the query was interrupted. */
  worker_pid: number | null;
  /** `host/boot-id` of that process (src/collaboration/worker-identity.ts); null before migration 0010. */
  worker_host: Generated<string | null>;
  /** The analysis template run, if any, and its parameter values (JSON). */
  template_id: string | null;
  parameters_json: string | null;
  /**
   * Delivery options asked for (normalise, hash) per output column (JSON array of
   * `{column, normalize, hash?}`), or null for none.
   */
  delivery_json: string | null;
  /** JSON DpReport of a differentially private query (src/collaboration/dp-release.ts). */
  privacy_json: string | null;
  submitted_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface ResultsTable {
  id: string;
  query_id: string;
  member: string;
  store_key: string;
  format: string;
  columns_json: string;
  row_count: number;
  bytes: number;
  created_at: string;
}

/**
 * An analysis template: immutable. Its id is a hash of the collaboration, the SQL, the
 * parameter declarations and the associations it reads, so any change is a new template.
 */
export interface TemplatesTable {
  id: string;
  collaboration_id: number;
  name: string;
  description: string;
  sql_text: string;
  parameters_json: string;
  /** Association names the template reads (JSON array). */
  tables_json: string;
  creator: string;
  created_at: string;
}

export interface EventsTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  subject: string;
  detail_json: string | null;
}

/** A configured table's differential-privacy budget, set by its owner. */
export interface PrivacyBudgetsTable {
  table_id: number;
  /** Total epsilon and delta per period. */
  epsilon: number;
  delta: number;
  /** usersNoisePerQuery: the 95% error, in users, of one distinct-user count. */
  users_noise: number;
  refresh: 'none' | 'monthly';
  updated_at: string;
}

/**
 * Every reservation of budget, one row per (query, table): `reserved` before the query
 * runs, then `spent` once anything was released or `refunded` if nothing was.
 */
export interface PrivacyLedgerTable {
  id: Generated<number>;
  table_id: number;
  query_id: string;
  /** `all` (never refreshed) or `YYYY-MM` (UTC), as the table's refresh was at reservation. */
  period: string;
  epsilon: number;
  delta: number;
  status: 'reserved' | 'spent' | 'refunded';
  /** The query's aggregate kinds (JSON array of `COUNT`, `SUM`, ...). */
  kinds_json: string;
  /** 1 when group keys were released by private partition selection. */
  partition_selection: number;
  runner: string;
  created_at: string;
  settled_at: string | null;
}

/** Stored noisy answers: an identical query in the same period gets the same answer. */
export interface DpAnswersTable {
  cache_key: string;
  period: string;
  query_id: string;
  result_id: string;
  created_at: string;
}

/**
 * Difference checks, operator-only (src/collaboration/difference-store.ts): the secret
 * that keys the hashes of one collaboration's users. Never shown to a member.
 */
export interface DifferenceCheckKeysTable {
  collaboration_id: number;
  /** 64 hex characters from node:crypto. */
  secret: string;
  created_at: string;
}

/** One released aggregation row of a collaboration with difference checks. */
export interface DifferenceRowsTable {
  id: Generated<number>;
  collaboration_id: number;
  query_id: string;
  /** The row's group (canonical key expressions and values), JSON. */
  group_key: string;
  /** The values released for the row, by measure (`{key: {type, value}}`), JSON. */
  measures_json: string;
  created_at: string;
}

/** The users of one constrained column behind one released row. */
export interface DifferenceSetsTable {
  row_id: number;
  collaboration_id: number;
  /** `<configured table id>.<column>` of an output constraint. */
  constraint_key: string;
  user_count: number;
  /** XOR of the hashes: equal sets have equal fingerprints. */
  fingerprint: string;
  /** The sorted keyed hashes, little-endian float64 each (exact integers below 2^52). */
  users: Buffer;
}

/** An HTTP API key: a salted hash of its secret; `member` null for an administrator key. */
export interface ApiKeysTable {
  id: string;
  member: string | null;
  role: string;
  label: string;
  salt: string;
  secret_hash: string;
  created_by: string;
  created_at: string;
  revoked_at: string | null;
}

/**
 * One entry of the tamper-evident audit chain (src/audit): `hash` is the HMAC-SHA-256 of
 * every other field under the workspace's chain key. `seq` is a bigint (PostgreSQL
 * returns it as text), so readers convert it.
 */
export interface AuditLogTable {
  seq: ColumnType<number | string, number, never>;
  at: string;
  actor: string;
  action: string;
  subject: string;
  outcome: string;
  /** Canonical JSON (keys sorted): who, what, outcome details; never data values. */
  detail_json: string;
  prev_hash: string;
  hash: string;
}

/** The one row `head`: the last entry's seq and hash, and an HMAC of both. */
export interface AuditHeadTable {
  id: string;
  seq: ColumnType<number | string, number, number>;
  hash: string;
  mac: string;
  updated_at: string | null;
}

/** The audit chain key, wrapped by the workspace's KeyProvider (base64). */
export interface AuditKeysTable {
  id: string;
  master_key_id: string;
  wrapped: string;
  created_at: string;
}

/** A member's data key, wrapped by the master key (src/storage/encryption); nothing here is secret. */
export interface MemberKeysTable {
  member: string;
  version: number;
  /** `<member>/v<version>`: named in every object header and metadata field it encrypts. */
  key_id: string;
  /** The master key that wrapped it (`KeyProvider.masterKeyId`). */
  master_key_id: string;
  /** The provider's wrapped bytes, base64. */
  wrapped: string;
  created_at: string;
}

/** A name a member gave a result it received (results SQL); see migration 0011. */
export interface ResultNamesTable {
  result_id: string;
  member: string;
  name: string;
  created_at: string;
}

/** A member's saved results-SQL query or view (`kind`), its text sealed with the member's key. */
export interface ResultsSqlSavedTable {
  id: string;
  member: string;
  name: string;
  kind: string;
  sql_text: string;
  description: string;
  created_at: string;
  updated_at: string;
}

export interface Database {
  member_keys: MemberKeysTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  audit_keys: AuditKeysTable;
  api_keys: ApiKeysTable;
  members: MembersTable;
  datasets: DatasetsTable;
  dataset_versions: DatasetVersionsTable;
  configured_tables: ConfiguredTablesTable;
  table_versions: TableVersionsTable;
  collaborations: CollaborationsTable;
  collaboration_members: CollaborationMembersTable;
  associations: AssociationsTable;
  queries: QueriesTable;
  results: ResultsTable;
  result_names: ResultNamesTable;
  results_sql_saved: ResultsSqlSavedTable;
  dashboards: DashboardsTable;
  dashboard_shares: DashboardSharesTable;
  events: EventsTable;
  templates: TemplatesTable;
  privacy_budgets: PrivacyBudgetsTable;
  privacy_ledger: PrivacyLedgerTable;
  dp_answers: DpAnswersTable;
  difference_check_keys: DifferenceCheckKeysTable;
  difference_rows: DifferenceRowsTable;
  difference_sets: DifferenceSetsTable;
}
