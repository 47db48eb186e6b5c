import type { CustomOutputConstraint } from './validated-query.ts';
import type { CustomRefuser } from './custom-scope.ts';
import { sameName } from './custom-scope.ts';
import type { BodyInfo, Occurrence } from './custom-select.ts';

/**
 * Output constraints of custom-rule tables (RULES.md: allowed only when the outermost
 * query is a GROUP BY aggregate; the constrained column is followed to each output row
 * by lineage). For every occurrence of a constrained table, each relation of the
 * outermost FROM that its rows flow into must expose the constrained column unchanged
 * (a plain column projected through every CTE and subquery; after a UNION, the same
 * column of the same table on every branch). The result names that column in the
 * outermost FROM scope, so the planner can add `HAVING count(DISTINCT <expr>) >= min`.
 *
 * Stricter: a constrained table read only in a filter (`IN (SELECT ...)`, `EXISTS`), in
 * a scalar subquery or in an unused CTE has no lineage to output rows; it is refused.
 * A query with aggregates and no GROUP BY counts as one group (like the aggregation rule).
 */
export function outputConstraintCarriers(
  top: BodyInfo, occurrences: readonly Occurrence[], refuser: CustomRefuser,
): CustomOutputConstraint[] {
  const out = new Map<string, CustomOutputConstraint>();
  for (const o of occurrences) {
    const rule = o.table.rule;
    if (rule?.kind !== 'custom' || rule.outputConstraints.length === 0) continue;
    const table = o.table.sqlName;
    if (top.select === undefined || !top.select.aggregating) {
      refuser.fail('output-constraint-unenforceable', `${table} has output constraints, which need the outermost query to be a GROUP BY aggregate`, o.node, {
        table,
        hint: 'end the query with SELECT ... GROUP BY ...; set operations and row-level outputs cannot carry the constraint',
      });
    }
    const relations = top.select.entries.filter((e) => e.info.sources.has(o.id));
    if (relations.length === 0) {
      refuser.fail('output-constraint-unenforceable', `${table} (as ${o.alias}) has output constraints but its rows do not reach the outermost FROM (it is read only in a subquery filter or an unused CTE)`, o.node, {
        table,
        hint: `join ${table} into the outermost query, through FROM, CTEs or FROM subqueries`,
      });
    }
    for (const r of relations) {
      for (const c of rule.outputConstraints) {
        const named = (n: string | undefined): boolean => n !== undefined && r.info.columns.filter((x) => x.name === n).length === 1;
        const carrier = r.info.columns.find((x) => x.carrier !== undefined && named(x.name)
          && x.carrier.table.sqlName === table && sameName(x.carrier.column, c.columnName) && x.carrier.occurrences.has(o.id));
        if (carrier?.name === undefined) {
          return refuser.fail('output-constraint-unenforceable',
            `the constrained column ${table}.${c.columnName} (as ${o.alias}) does not reach the outermost query unchanged through ${r.label ?? r.alias}`, r.node, {
              table,
              hint: `select ${c.columnName} as a plain column in every CTE and subquery between ${table} and the outermost FROM`,
            });
        }
        const key = `${r.alias}.${carrier.name}`;
        const seen = out.get(key);
        if (seen === undefined || seen.minimum < c.minimum) {
          out.set(key, { table, column: c.columnName, minimum: c.minimum, expr: { kind: 'column', table: r.alias, name: carrier.name } });
        }
      }
    }
  }
  return [...out.values()];
}
