import type { ColumnRef, Expr } from '../sql/ast.ts';
import { categoryOf, comparable } from './expr-category.ts';
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
 * implicit casts between text and numbers, which would make the engine fail or compare
 * in surprising ways).
 */
export function requireComparable(cx: CheckContext, a: Expr, b: Expr, at: Expr): void {
  const ca = categoryOf(a, columnType(cx));
  const cb = categoryOf(b, columnType(cx));
  if (comparable(ca, cb)) return;
  const table = firstTableIn(cx, at);
  cx.refuser.fail('type-mismatch', `cannot compare ${ca} with ${cb}`, at, {
    ...(table !== undefined ? { table } : {}),
    hint: 'compare values of the same type (text with text, numbers with numbers, dates with dates)',
  });
}
