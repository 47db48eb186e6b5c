/**
 * A table owner's test of its own rule: would a sample query over the table be allowed?
 * Nothing runs and nothing is recorded; the query goes through the verdict a real query
 * (and a dry run) gets, against this one table alone.
 */
import { deliveredSql } from '../engine/duckdb-engine.ts';
import { duckdbDialect } from '../sql/dialect.ts';
import type { Diagnostic } from '../sql/diagnostic.ts';
import { printQuery } from '../sql/print.ts';
import type { AssociationInfo } from './associations.ts';
import { checkSqlName } from './names.ts';
import { judgeAgainst, requirePlan } from './query-verdict.ts';
import { showTable } from './tables.ts';
import type { Workspace } from './workspace.ts';

/** The answer: the SQL that would run, or the refusal a query runner would get. */
export type RuleCheck = { readonly allowed: true; readonly sql: string } | { readonly allowed: false; readonly error: Diagnostic };

export interface RuleCheckOptions {
  /** The table's name in the SQL (its association name); default: the table's own name. */
  readonly sqlName?: string;
}

/**
 * Checks `sqlText` against the rule of `owner`'s configured table `table`, as if the
 * table were associated under `sqlName` into a collaboration whose only member is its
 * owner, with the query and receive abilities. Other members' tables (their rules apply
 * too), receivers they allow and collaboration settings can add refusals this check
 * cannot see; join requirements are met by the owner's own table.
 *
 * @example
 *   await checkRule(ws, 'platform', 'impressions', 'SELECT COUNT(DISTINCT email_address) AS users, campaign_id FROM impressions GROUP BY campaign_id')
 *   // => { allowed: true, sql: 'SELECT ... HAVING (count(DISTINCT "impressions"."email_address") >= 2)' }
 *   await checkRule(ws, 'platform', 'impressions', 'SELECT email_address FROM impressions')
 *   // => { allowed: false, error: { code: 'join-column-in-output', rule: 'aggregation', position: 7, ... } }
 */
export async function checkRule(
  workspace: Workspace,
  owner: string,
  table: string,
  sqlText: string,
  options: RuleCheckOptions = {},
): Promise<RuleCheck> {
  const info = await showTable(workspace.db, owner, table);
  // The same name check as an association (a table name may hold `-`, an SQL name not).
  const alone: AssociationInfo = { id: 0, sqlName: checkSqlName(options.sqlName ?? table), member: owner, table: info, receivers: undefined };
  const verdict = await judgeAgainst(workspace, [alone], owner, owner, { kind: 'sql', text: sqlText });
  if (verdict.error) return { allowed: false, error: verdict.error };
  // As a dry run shows it (no delivery options here).
  return { allowed: true, sql: deliveredSql(printQuery(requirePlan(verdict).query, duckdbDialect), []) };
}
