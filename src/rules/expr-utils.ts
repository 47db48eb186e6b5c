import { assertNever } from '../sql/ast.ts';
import type { ColumnRef, Expr, FunctionCall } from '../sql/ast.ts';
import { isAggregateFunction } from '../sql/functions.ts';

/** Direct sub-expressions (subquery bodies are not expressions and are not entered). */
export function children(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case 'column':
    case 'literal':
    case 'parameter':
    case 'star':
    case 'subquery':
    case 'exists':
      return [];
    case 'function':
      return e.args;
    case 'binary':
      return [e.left, e.right];
    case 'unary':
    case 'is-null':
    case 'cast':
      return [e.operand];
    case 'in-list':
      return [e.operand, ...e.list];
    case 'between':
      return [e.operand, e.low, e.high];
    case 'case':
      return [
        ...(e.operand !== undefined ? [e.operand] : []),
        ...e.whens.flatMap((w) => [w.when, w.then]),
        ...(e.else !== undefined ? [e.else] : []),
      ];
    case 'window':
      return [e.fn, ...e.partitionBy, ...e.orderBy.map((o) => o.expr)];
    case 'in-subquery':
      return [e.operand];
    default:
      return assertNever(e);
  }
}

/** Every node of the expression, parents before children. */
export function* walk(e: Expr): Generator<Expr> {
  yield e;
  for (const c of children(e)) yield* walk(c);
}

/** The aggregate functions an aggregation rule can grant (canonical names). */
export const RULE_AGGREGATES: ReadonlySet<string> = new Set(['count', 'sum', 'avg']);

/**
 * Aggregates beyond the allowlist's, kept so that a name added to the allowlist later
 * is still treated as an aggregate here (never as a scalar a rule might allow).
 */
export const OTHER_AGGREGATES: ReadonlySet<string> = new Set([
  'min', 'max', 'any_value', 'first', 'last', 'list', 'array_agg', 'string_agg', 'median',
  'mode', 'stddev', 'stddev_pop', 'stddev_samp', 'variance', 'var_pop', 'var_samp',
  'approx_count_distinct', 'quantile', 'bit_and', 'bit_or', 'bool_and', 'bool_or', 'product',
]);

export function isAggregateName(name: string): boolean {
  return isAggregateFunction(name) || RULE_AGGREGATES.has(name) || OTHER_AGGREGATES.has(name);
}

export function isAggregateCall(e: Expr): e is FunctionCall {
  return e.kind === 'function' && isAggregateName(e.name);
}

export function containsAggregate(e: Expr): boolean {
  for (const n of walk(e)) if (isAggregateCall(n)) return true;
  return false;
}

/** Qualified column references of an expression (after normalisation: table = alias). */
export function columnRefs(e: Expr): ColumnRef[] {
  const out: ColumnRef[] = [];
  for (const n of walk(e)) if (n.kind === 'column') out.push(n);
  return out;
}

/** Structural equality ignoring positions (`GROUP BY LOWER(c.state)` vs the SELECT item). */
export function sameExpr(a: Expr, b: Expr): boolean {
  return stripped(a) === stripped(b);
}

function stripped(e: Expr): string {
  return JSON.stringify(e, (key, value: unknown) => (key === 'pos' ? undefined : value));
}

export function isNumericLiteral(e: Expr): boolean {
  if (e.kind === 'unary' && (e.op === '-' || e.op === '+')) return isNumericLiteral(e.operand);
  return e.kind === 'literal' && (e.value.type === 'integer' || e.value.type === 'decimal' || e.value.type === 'double');
}

export const ARITHMETIC: ReadonlySet<string> = new Set(['+', '-', '*', '/']);
export const COMPARISONS: ReadonlySet<string> = new Set(['=', '<>', '<', '<=', '>', '>=']);
