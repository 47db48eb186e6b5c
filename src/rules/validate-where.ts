import type { ColumnRef, Expr, ScalarSubquery } from '../sql/ast.ts';
import { firstTableIn, requireComparable, type CheckContext } from './check-context.ts';
import { sideKey, staticType, unificationProblem } from './implicit-casts.ts';
import { columnRefs, COMPARISONS, containsAggregate } from './expr-utils.ts';
import { exprText } from './expr-text.ts';

/**
 * WHERE for aggregation and list rules: comparisons (= <> < <= > >= IN, NOT IN, LIKE,
 * IS [NOT] NULL, BETWEEN) combined with AND/OR/NOT. `operand` checks what each
 * comparison compares (dimension or list columns, allowed functions, literals).
 *
 * Each comparison reads the columns of one table occurrence only: a cross-table
 * comparison is a join condition in disguise and would bypass the join rules.
 */
export function checkPredicate(e: Expr, cx: CheckContext, operand: (x: Expr) => void): void {
  if (containsAggregate(e)) {
    cx.refuser.fail('aggregate-in-where', 'aggregates are not allowed in WHERE', e, {
      hint: 'compare aggregates with literals in HAVING',
    });
  }
  predicate(e, cx, operand);
}

function predicate(e: Expr, cx: CheckContext, operand: (x: Expr) => void): void {
  if (e.kind === 'binary' && (e.op === 'AND' || e.op === 'OR')) {
    predicate(e.left, cx, operand);
    predicate(e.right, cx, operand);
    return;
  }
  if (e.kind === 'unary' && e.op === 'NOT') {
    predicate(e.operand, cx, operand);
    return;
  }
  if (e.kind === 'binary' && (COMPARISONS.has(e.op) || e.op === 'LIKE' || e.op === 'NOT LIKE')) {
    comparison(e, [e.left, e.right], cx, operand);
    requireComparable(cx, e.left, e.right, e);
    requireUnifiable(cx, e.left, e.right, e);
    if (e.op === 'LIKE' || e.op === 'NOT LIKE') requireComparable(cx, e.left, { kind: 'literal', value: { type: 'string', value: '' } }, e);
    return;
  }
  if (e.kind === 'in-list') {
    comparison(e, [e.operand, ...e.list], cx, operand);
    e.list.forEach((x) => requireComparable(cx, e.operand, x, e));
    // DuckDB makes the operand and every item one type: each pair must unify safely
    // (pairs of distinct kinds only: an IN list may have thousands of literals).
    const known = knownTypes(cx);
    const kinds = new Map<string, Expr>();
    for (const x of [e.operand, ...e.list]) {
      const key = `${staticType(x, known) ?? '?'}|${sideKey(x)}`;
      if (!kinds.has(key)) kinds.set(key, x);
    }
    const all = [...kinds.values()];
    all.forEach((x, i) => all.slice(i + 1).forEach((y) => requireUnifiable(cx, x, y, e, 'IN list')));
    return;
  }
  if (e.kind === 'between') {
    comparison(e, [e.operand, e.low, e.high], cx, operand);
    requireComparable(cx, e.operand, e.low, e);
    requireComparable(cx, e.operand, e.high, e);
    requireUnifiable(cx, e.operand, e.low, e, 'BETWEEN');
    requireUnifiable(cx, e.operand, e.high, e, 'BETWEEN');
    requireUnifiable(cx, e.low, e.high, e, 'BETWEEN');
    return;
  }
  if (e.kind === 'is-null') {
    comparison(e, [e.operand], cx, operand);
    return;
  }
  const table = columnRefs(e).find((r) => r.table !== undefined);
  cx.refuser.fail('filter-not-allowed', `WHERE allows only comparisons combined with AND, OR and NOT, not ${exprText(e)}`, e, {
    ...(table !== undefined ? { table: cx.scope.aliasOf(table).table.sqlName } : {}),
    hint: 'use = <> < <= > >= IN, NOT IN, LIKE, IS [NOT] NULL or BETWEEN',
  });
}

function comparison(e: Expr, operands: readonly Expr[], cx: CheckContext, operand: (x: Expr) => void): void {
  operands.forEach(operand);
  const aliases = new Set(operands.flatMap(columnRefs).flatMap((r) => (r.table !== undefined ? [r.table] : [])));
  if (aliases.size > 1) {
    const first = columnRefs(e).find((r) => r.table !== undefined);
    cx.refuser.fail('cross-table-comparison', `a comparison may use the columns of one table only (${[...aliases].join(', ')})`, e, {
      ...(first !== undefined ? { table: cx.scope.aliasOf(first).table.sqlName } : {}),
      hint: 'compare each table with literals; tables are related only through ON on join columns',
    });
  }
}

/**
 * After requireComparable (same category): no implicit cast between the two values that
 * fails on some rows. DuckDB casts a DATE to TIMESTAMP (fails beyond the TIMESTAMP
 * range), a TIMESTAMP to TIMESTAMP_NS, both numbers to one DECIMAL that may not hold
 * both (`dec38_30 = ABS(bigint)`), text to an uncategorised type (UUID, INTERVAL, ...);
 * custom-numeric.ts `unificationProblem` says which. Used for WHERE (aggregation and
 * list rules) and for COALESCE in dimension expressions.
 */
export function requireUnifiable(cx: CheckContext, a: Expr, b: Expr, at: Expr, what = 'comparison'): void {
  const known = knownTypes(cx);
  const problem = unificationProblem(what, { type: staticType(a, known), expr: a }, { type: staticType(b, known), expr: b });
  if (problem === undefined) return;
  const table = firstTableIn(cx, at);
  cx.refuser.fail('type-mismatch', problem.message, at, { ...(table !== undefined ? { table } : {}), hint: problem.hint });
}

function knownTypes(cx: CheckContext): (x: ColumnRef | ScalarSubquery) => string | undefined {
  return (x) => (x.kind === 'column' && x.table !== undefined ? cx.scope.column(x).type : undefined);
}
