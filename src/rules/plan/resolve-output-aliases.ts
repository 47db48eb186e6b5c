import type { Expr, SelectItem } from '../../sql/ast.ts';
import { mapExpr } from './expr-walk.ts';

/**
 * Replaces references to SELECT output aliases (unqualified ColumnRefs, in the
 * validated normal form) by the aliased expression, so that GROUP BY, HAVING and
 * ORDER BY can be re-homed onto the planner's CTEs without relying on an engine's
 * alias-resolution rules. Matching is case-insensitive like SQL identifiers.
 */
export function resolveOutputAliases(expr: Expr, items: readonly SelectItem[]): Expr {
  const byAlias = new Map<string, Expr>();
  for (const item of items) {
    if (item.alias !== undefined && !byAlias.has(item.alias.toLowerCase())) {
      byAlias.set(item.alias.toLowerCase(), item.expr);
    }
  }
  return mapExpr(expr, (e) => {
    if (e.kind !== 'column' || e.table !== undefined) return undefined;
    const target = byAlias.get(e.name.toLowerCase());
    if (target === undefined) {
      throw new Error(`Internal error: unqualified column ${e.name} is not an output alias`);
    }
    return target;
  });
}
