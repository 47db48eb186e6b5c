/**
 * Expression walking for the planner: structural keys, top-down replacement and
 * collection. Every kind is handled explicitly so a new AST kind breaks compilation
 * here; subqueries are refused because no validated aggregation or list query has
 * them, and silently not descending into one would let a column escape a rewrite.
 */
import { assertNever, type Expr, type OrderItem } from '../../sql/ast.ts';

/** A key equal for structurally equal expressions (positions and key order ignored). */
export function exprKey(expr: Expr): string {
  return JSON.stringify(expr, (key, value: unknown) => {
    if (key === 'pos') return undefined;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(value).sort()) sorted[k] = (value as Record<string, unknown>)[k];
      return sorted;
    }
    return value;
  });
}

/**
 * Rebuilds `expr` top-down: `replace` sees each node first; a defined result replaces
 * the node (and is not descended into), undefined descends into its children.
 */
export function mapExpr(expr: Expr, replace: (e: Expr) => Expr | undefined): Expr {
  const hit = replace(expr);
  if (hit !== undefined) return hit;
  const m = (e: Expr): Expr => mapExpr(e, replace);
  const mo = (o: OrderItem): OrderItem => ({ ...o, expr: m(o.expr) });
  switch (expr.kind) {
    case 'column':
    case 'literal':
    case 'parameter':
    case 'star':
      return expr;
    case 'function':
      return { ...expr, args: expr.args.map(m) };
    case 'binary':
      return { ...expr, left: m(expr.left), right: m(expr.right) };
    case 'unary':
      return { ...expr, operand: m(expr.operand) };
    case 'is-null':
      return { ...expr, operand: m(expr.operand) };
    case 'in-list':
      return { ...expr, operand: m(expr.operand), list: expr.list.map(m) };
    case 'between':
      return { ...expr, operand: m(expr.operand), low: m(expr.low), high: m(expr.high) };
    case 'case': {
      const whens = expr.whens.map((w) => ({ when: m(w.when), then: m(w.then) }));
      return {
        ...expr,
        whens,
        ...(expr.operand === undefined ? {} : { operand: m(expr.operand) }),
        ...(expr.else === undefined ? {} : { else: m(expr.else) }),
      };
    }
    case 'cast':
      return { ...expr, operand: m(expr.operand) };
    case 'window': {
      const fnCall = m(expr.fn);
      if (fnCall.kind !== 'function') throw new Error('Internal error: window function replaced by a non-function');
      return { ...expr, fn: fnCall, partitionBy: expr.partitionBy.map(m), orderBy: expr.orderBy.map(mo) };
    }
    case 'subquery':
    case 'exists':
    case 'in-subquery':
      throw new Error(`Internal error: the planner got a ${expr.kind} in a validated query`);
    default:
      return assertNever(expr);
  }
}

/** Calls `visit` on every node top-down; `visit` returning false skips the children. */
export function visitExpr(expr: Expr, visit: (e: Expr) => boolean): void {
  mapExpr(expr, (e) => (visit(e) ? undefined : e));
}
