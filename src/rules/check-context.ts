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
  if (d === undefined) {
    requireSameColumnTypes(cx, a, b, at);
    return;
  }
  const table = firstTableIn(cx, at) ?? firstTableIn(cx, a) ?? firstTableIn(cx, b);
  cx.refuser.fail('type-mismatch', d.message, at, {
    ...(table !== undefined ? { table } : {}),
    ...(d.hint !== undefined ? { hint: d.hint } : {}),
  });
}

const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER']);
const FLOAT_TYPES = new Set(['FLOAT', 'REAL', 'DOUBLE']);

/**
 * Two columns compared (or joined) need the same type, not just the same category:
 * DuckDB compares DECIMAL(38,0) with DECIMAL(38,2) by casting both to a common DECIMAL,
 * which fails on large values, a data-dependent failure. Integers of different widths
 * and floats of different widths widen without loss, so those pairs stay allowed.
 */
function requireSameColumnTypes(cx: CheckContext, a: Expr, b: Expr, at: Expr): void {
  if (a.kind !== 'column' || b.kind !== 'column' || a.table === undefined || b.table === undefined) return;
  const left = cx.scope.column(a).type.toUpperCase().replaceAll(' ', '');
  const right = cx.scope.column(b).type.toUpperCase().replaceAll(' ', '');
  if (left === right) return;
  if (INTEGER_TYPES.has(left) && INTEGER_TYPES.has(right)) return;
  if (FLOAT_TYPES.has(left) && FLOAT_TYPES.has(right)) return;
  cx.refuser.fail('type-mismatch', `this comparison needs columns of one type, not ${left} and ${right}`, at, {
    table: tableOf(cx, a),
    hint: 'compare or join columns of identical types; ask the owners to align the column types',
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
