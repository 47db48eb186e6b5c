import type { Expr } from '../sql/ast.ts';
import type { QueryTable } from './rule-types.ts';
import type { CustomRefuser, OutColumn, RelInfo, Taint, Trace } from './custom-scope.ts';

/**
 * Taint of `disallowedOutputColumns` (RULES.md "Custom rule"): which disallowed
 * columns a value, or the set and order of rows, depends on, each with the path it
 * took. The walkers (custom-expr.ts, custom-select.ts) decide where taint flows; this
 * file holds the trace algebra, the aggregate semantics and the final refusal.
 *
 * Where taint flows:
 * - value taint: through column references (and the CTE/subquery columns they name),
 *   every operator, function, CASE (conditions included: a CASE in a projection
 *   computes a value from them), casts, scalar and IN subqueries, and window
 *   functions (their PARTITION BY and ORDER BY too);
 * - row taint: GROUP BY keys, DISTINCT, ORDER BY and deduplicating set operations
 *   decide which rows exist and in which order; a non-aggregating SELECT inherits
 *   the row taint of its FROM relations;
 * - nothing flows from JOIN ON, WHERE, HAVING, EXISTS, LIMIT (filters) nor from COUNT.
 */

/** The only aggregate that does not carry values of its argument (RULES.md: counts). */
export const COUNTING_AGGREGATES: ReadonlySet<string> = new Set(['count']);

/**
 * SUM, AVG and STDDEV of a disallowed column are tainted like MIN/MAX (stricter than
 * the list in RULES.md): a group of one row gives the value itself, and two sums whose
 * filters differ by one row give it by differencing.
 */
export function aggregateCarriesValues(name: string): boolean {
  return !COUNTING_AGGREGATES.has(name);
}

/** The taint a column of a table starts with. */
export function columnTaint(table: QueryTable, column: string): Taint {
  const rule = table.rule;
  if (rule?.kind !== 'custom') return [];
  const listed = rule.disallowedOutputColumns.some((c) => c.toLowerCase() === column.toLowerCase());
  return listed ? [{ table: table.sqlName, column, steps: [] }] : [];
}

export function step(taint: Taint, label: string): Taint {
  return taint.map((t) => ({ ...t, steps: [...t.steps, label] }));
}

/** Union keeping one trace per origin (the first path found is the one reported). */
export function merge(...taints: Taint[]): Taint {
  const out: Trace[] = [];
  for (const t of taints.flat()) {
    if (!out.some((o) => o.table === t.table && o.column.toLowerCase() === t.column.toLowerCase())) out.push(t);
  }
  return out;
}

export function pathOf(t: Trace): string {
  return [`${t.table}.${t.column}`, ...t.steps].join(' -> ');
}

/** Where each output column appears in the statement, for the diagnostic's fragment. */
export interface OutputSite {
  readonly label: string;
  readonly at: Expr | undefined;
}

/**
 * Refuses an output that a disallowed column reaches (a column's value, or which rows
 * there are and their order), naming the column and its path.
 *
 * @example
 * // SELECT b.email AS id FROM (SELECT c.email_address AS email FROM customers c) b
 * // => disallowed-output-column: "customers.email_address -> subquery b.email -> SELECT item "id""
 */
export function refuseTaintedOutput(info: RelInfo, sites: readonly OutputSite[], refuser: CustomRefuser): void {
  info.columns.forEach((c: OutColumn, i) => {
    const t = c.taint[0];
    if (t === undefined) return;
    const site = sites[i];
    const path = pathOf({ ...t, steps: [...t.steps, site?.label ?? `output column ${i + 1}`] });
    refuser.fail('disallowed-output-column',
      `${t.table}.${t.column} is a disallowed output column of ${t.table} and reaches the output: ${path}`, site?.at, {
        table: t.table,
        hint: 'use it only in JOIN ON, WHERE, HAVING or COUNT; or ask the owner to remove it from disallowedOutputColumns',
      });
  });
  const r = info.rowTaint[0];
  if (r !== undefined) {
    const path = pathOf({ ...r, steps: [...r.steps, 'output rows'] });
    refuser.fail('disallowed-output-column',
      `${r.table}.${r.column} is a disallowed output column of ${r.table} and shapes the output rows: ${path}`, undefined, {
        table: r.table,
        hint: 'do not GROUP BY, DISTINCT, ORDER BY or PARTITION BY it in the output; count it with COUNT(DISTINCT ...) instead',
      });
  }
}
