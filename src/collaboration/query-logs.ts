import type { DpReport } from './dp-release.ts';
import type { Kysely } from 'kysely';
import type { ColumnDelivery } from '../engine/engine.ts';
import type { Database } from '../metadata/schema.ts';
import type { Diagnostic } from '../sql/diagnostic.ts';
import { findCollaboration, requireMembership } from './collaborations.ts';
import type { QueryTableRecord, TableStats } from './query-records.ts';
import { openQueryTexts } from './member-keys.ts';

/** One query as a member may see it; fields it is not entitled to are absent. */
export interface QueryLogEntry {
  readonly id: string;
  readonly submittedAt: string;
  readonly runner: string;
  readonly receiver: string;
  readonly sql: string;
  readonly tables: readonly string[];
  readonly status: string;
  /** The analysis template run, and its parameter values as given. */
  readonly templateId?: string;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly error?: Diagnostic;
  readonly rowCount?: number;
  readonly durationMs?: number;
  /** Delivery options asked for (`--normalize`, `--hash`), per output column. */
  readonly delivery?: readonly ColumnDelivery[];
  /** Per-table figures, only for the tables the viewer owns. */
  readonly tableStats?: Readonly<Record<string, TableStats>>;
  /**
   * The rule version each table ran under (table name -> version): every table for the
   * receiver, the viewer's own tables for an owner, none for a runner who is not the
   * receiver.
   */
  readonly ruleVersions?: Readonly<Record<string, number>>;
  /**
   * Differentially private queries: the budget spent, for everyone who sees the entry
   * (RULES.md: privacy budget spent is shown to the runner, the receiver and the
   * owners); the receiver also gets the noise of each column (the whole DpReport).
   */
  readonly privacy?: Partial<DpReport> & { readonly epsilon: number; readonly delta: number };
}

type QueryRow = Awaited<ReturnType<typeof loadQueries>>[number];

async function loadQueries(db: Kysely<Database>, collaborationId: number, onlyId?: string) {
  const query = db
    .selectFrom('queries')
    .select([
      'id', 'submitted_at', 'runner', 'receiver', 'sql_text', 'tables_json', 'status', 'error_json',
      'row_count', 'duration_ms', 'table_stats_json', 'template_id', 'parameters_json', 'delivery_json', 'privacy_json',
    ])
    .where('collaboration_id', '=', collaborationId)
    .orderBy('submitted_at');
  // Texts and parameters are sealed with the runner's key (member-keys.ts).
  return openQueryTexts(db, await (onlyId === undefined ? query : query.where('id', '=', onlyId)).execute());
}

/**
 * What `viewer` may see of one query. Rows returned and duration go to the runner and
 * the receiver, except that a runner who is not the receiver sees only the status
 * (shared/RULES.md); per-table figures go only to that table's owner, since to anyone
 * else they tell the size of another member's data. Rule versions follow the same line
 * as the figures: the receiver sees the whole entry, so every table's; an owner learns
 * under which version of its own rule its data was read; a runner who is not the
 * receiver gets none, even for a table it owns, because RULES.md leaves it the status
 * only.
 */
function view(row: QueryRow, viewer: string): QueryLogEntry {
  const tables = JSON.parse(row.tables_json) as QueryTableRecord[];
  const allStats = row.table_stats_json ? (JSON.parse(row.table_stats_json) as Record<string, TableStats>) : {};
  const ownStats = Object.fromEntries(
    tables.filter((t) => t.owner === viewer && allStats[t.sqlName]).map((t) => [t.sqlName, allStats[t.sqlName]!]),
  );
  const isReceiver = row.receiver === viewer;
  const isOwner = tables.some((t) => t.owner === viewer);
  const runnerOnly = row.runner === viewer && !isReceiver;
  const seesFigures = isReceiver || (isOwner && !runnerOnly);
  const versioned = (isReceiver ? tables : runnerOnly ? [] : tables.filter((t) => t.owner === viewer))
    // tables_json is stored text: an entry written without a version must not print as `undefined`.
    .filter((t) => typeof t.ruleVersion === 'number');
  const ruleVersions = Object.fromEntries(versioned.map((t) => [t.sqlName, t.ruleVersion]));
  return {
    id: row.id,
    submittedAt: row.submitted_at,
    runner: row.runner,
    receiver: row.receiver,
    sql: row.sql_text,
    tables: tables.map((t) => t.sqlName),
    status: row.status,
    ...(row.template_id ? { templateId: row.template_id } : {}),
    ...(row.parameters_json ? { parameters: JSON.parse(row.parameters_json) as Record<string, string> } : {}),
    ...(row.error_json ? { error: JSON.parse(row.error_json) as Diagnostic } : {}),
    ...(row.delivery_json ? { delivery: JSON.parse(row.delivery_json) as ColumnDelivery[] } : {}),
    ...(seesFigures && row.row_count !== null ? { rowCount: row.row_count } : {}),
    ...(seesFigures && row.duration_ms !== null ? { durationMs: row.duration_ms } : {}),
    ...(Object.keys(ownStats).length > 0 ? { tableStats: ownStats } : {}),
    ...(versioned.length > 0 ? { ruleVersions } : {}),
    ...(row.privacy_json ? { privacy: privacyView(JSON.parse(row.privacy_json) as DpReport, isReceiver) } : {}),
  };
}

function privacyView(report: DpReport, full: boolean): NonNullable<QueryLogEntry['privacy']> {
  if (full) return report;
  return {
    mechanism: report.mechanism,
    epsilon: report.epsilon,
    delta: report.delta,
    ...(report.reusedFrom !== undefined ? { reusedFrom: report.reusedFrom } : {}),
  };
}

/** The caller's own queries (`query list`). */
export async function listOwnQueries(
  db: Kysely<Database>,
  collaborationName: string,
  actor: string,
  onlyId?: string,
): Promise<QueryLogEntry[]> {
  const collaboration = await findCollaboration(db, collaborationName);
  await requireMembership(db, collaboration, actor, false);
  const rows = await loadQueries(db, collaboration.id, onlyId);
  return rows.filter((r) => r.runner === actor).map((r) => view(r, actor));
}

/**
 * The collaboration's query log (`query logs`): entries where the caller is the runner,
 * the receiver or the owner of a referenced table. Parser errors stay out of member
 * logs (shared/RULES.md); the operator's audit log (the queries table) keeps them.
 * With query logs off, a member sees only its own queries.
 */
export async function queryLogs(
  db: Kysely<Database>,
  collaborationName: string,
  actor: string,
  onlyId?: string,
): Promise<QueryLogEntry[]> {
  const collaboration = await findCollaboration(db, collaborationName);
  await requireMembership(db, collaboration, actor, false);
  const rows = await loadQueries(db, collaboration.id, onlyId);
  return rows
    .filter((r) => !(r.status === 'refused' && r.error_json !== null && (JSON.parse(r.error_json) as Diagnostic).code === 'syntax-error'))
    .filter((r) => {
      if (r.runner === actor || r.receiver === actor) return true;
      if (!collaboration.queryLogs) return false;
      return (JSON.parse(r.tables_json) as QueryTableRecord[]).some((t) => t.owner === actor);
    })
    .map((r) => view(r, actor));
}
