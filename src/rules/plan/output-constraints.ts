import type { ColumnRef } from '../../sql/ast.ts';
import type { ResolvedAlias } from '../validated-query.ts';

/** One output constraint bound to one table occurrence (a self-join yields one per alias). */
export interface AliasConstraint {
  readonly alias: string;
  readonly table: string;
  readonly columnName: string;
  readonly minimum: number;
  /**
   * The column whose distinct count is checked: `alias.columnName`, or a column equal
   * to it on every row that reaches the output (join-rewrite.ts).
   */
  readonly column: ColumnRef;
}

/**
 * Every output constraint of every referenced table, once per alias under which the
 * table appears: a self-join must satisfy the constraint on both sides, and
 * constraints of different tables are never merged even when column names agree.
 */
export function aliasConstraints(aliases: readonly ResolvedAlias[]): AliasConstraint[] {
  const out: AliasConstraint[] = [];
  for (const a of aliases) {
    const rule = a.table.rule;
    if (rule === undefined || rule.kind === 'list') continue;
    for (const c of rule.outputConstraints) {
      out.push({
        alias: a.alias, table: a.table.sqlName, columnName: c.columnName, minimum: c.minimum,
        column: { kind: 'column', table: a.alias, name: c.columnName },
      });
    }
  }
  return out;
}
