import type { Kysely } from 'kysely';
import type { QueryTableRecord, TableStats } from '../collaboration/query-records.ts';
import type { Database } from '../metadata/schema.ts';
import type { ServerMetrics } from './metrics.ts';
import type { FinishedQuery } from './query-scheduler.ts';

/**
 * Turns one finished query into operator metrics: its status and rule type, duration,
 * rows released and suppressed, epsilon spent. Reads the query's record, so the figures
 * are the ones the query log keeps.
 */
export async function recordFinishedQuery(db: Kysely<Database>, metrics: ServerMetrics, finished: FinishedQuery): Promise<void> {
  const row = await db
    .selectFrom('queries')
    .select(['status', 'tables_json', 'row_count', 'table_stats_json', 'privacy_json'])
    .where('id', '=', finished.id)
    .executeTakeFirst();
  const status = row?.status ?? finished.outcome.status;
  const tables = row ? (JSON.parse(row.tables_json) as QueryTableRecord[]) : [];
  metrics.queries.inc({ status, rule: await ruleType(db, tables) });
  metrics.queryDuration.observe({ status }, finished.durationMs / 1000);
  if (row?.status === 'succeeded' && row.row_count !== null) metrics.rowsReleased.inc(row.row_count);
  if (row?.table_stats_json) {
    const stats = JSON.parse(row.table_stats_json) as Record<string, TableStats>;
    const suppressed = Object.values(stats).reduce((sum, s) => sum + (s.rowsSuppressed ?? 0), 0);
    if (suppressed > 0) metrics.rowsSuppressed.inc(suppressed);
  }
  if (row?.privacy_json) {
    const epsilon = (JSON.parse(row.privacy_json) as { epsilon?: number; reusedFrom?: string }).epsilon;
    const reused = (JSON.parse(row.privacy_json) as { reusedFrom?: string }).reusedFrom !== undefined;
    if (typeof epsilon === 'number' && !reused) metrics.budgetSpent.inc(epsilon);
  }
}

/** `aggregation`, `list`, `custom`, `mixed` (tables under different rules) or `none` (refused early). */
async function ruleType(db: Kysely<Database>, tables: readonly QueryTableRecord[]): Promise<string> {
  const kinds = new Set<string>();
  for (const t of tables) {
    const version = await db
      .selectFrom('table_versions')
      .select('rule_json')
      .where('table_id', '=', t.tableId)
      .where('version', '=', t.ruleVersion)
      .executeTakeFirst();
    if (version) kinds.add((JSON.parse(version.rule_json) as { kind?: string }).kind ?? 'unknown');
  }
  if (kinds.size === 0) return 'none';
  return kinds.size === 1 ? [...kinds][0]! : 'mixed';
}
