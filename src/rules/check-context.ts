import type { ColumnRef, Expr } from '../sql/ast.ts';
import { checkComparable, inferType } from '../sql/types.ts';
import { columnRefs } from './expr-utils.ts';
import type { Refuser } from './refuser.ts';
import type { Scope } from './scope.ts';

/** What every clause validator needs: how to refuse, where columns live, who runs. */
export interface CheckContext {
  readonly refuser: Refuser;
  readonly scope: Scope;
  readonly runner: string;
}

/** The association name of the table behind a qualified column, for diagnostics. */
export function tableOf(cx: CheckContext, ref: ColumnRef): string {
  return cx.scope.aliasOf(ref).table.sqlName;
}

/** The first table a node's columns come from, if any: the table a refusal is about. */
export function firstTableIn(cx: CheckContext, e: Expr): string | undefined {
  const ref = columnRefs(e).find((r) => r.table !== undefined);
  return ref !== undefined ? tableOf(cx, ref) : undefined;
}

function columnType(cx: CheckContext): (ref: ColumnRef) => string | undefined {
  return (ref) => (ref.table !== undefined ? cx.scope.column(ref).type : undefined);
}

/**
 * Refuses a comparison whose sides are not of one type category (RULES.md: no
 * implicit casts between text and numbers, which could fail on a data value). The
 * category logic is src/sql/types.ts; this adds the rule, table and fragment.
 */
export function requireComparable(cx: CheckContext, a: Expr, b: Expr, at: Expr): void {
  const d = checkComparable(a, b, columnType(cx));
  if (d === undefined) return;
  const table = firstTableIn(cx, at) ?? firstTableIn(cx, a) ?? firstTableIn(cx, b);
  cx.refuser.fail('type-mismatch', d.message, at, {
    ...(table !== undefined ? { table } : {}),
    ...(d.hint !== undefined ? { hint: d.hint } : {}),
  });
}

/**
 * Arithmetic operands must be numbers: DuckDB would otherwise cast text to a number
 * implicitly and fail on a value that does not parse (a data-dependent failure).
 */
export function requireNumeric(cx: CheckContext, operand: Expr, at: Expr): void {
  const category = inferType(operand, columnType(cx));
  if (category === 'numeric' || category === 'null') return;
  const table = firstTableIn(cx, operand) ?? firstTableIn(cx, at);
  cx.refuser.fail('type-mismatch', `arithmetic needs numbers, not ${category}`, at, {
    ...(table !== undefined ? { table } : {}),
    hint: 'use + - * / on numeric columns and numeric literals only',
  });
}
