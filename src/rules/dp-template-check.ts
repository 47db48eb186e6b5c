import type { Query } from '../sql/ast.ts';
import { Refusal, type Diagnostic } from '../sql/diagnostic.ts';
import { CustomRefuser } from './custom-scope.ts';
import { dpShape, dpTables } from './dp-shape.ts';
import type { QueryContext, QueryTable } from './rule-types.ts';

/**
 * The differential-privacy check of a template when it is created (parameters still
 * unbound), like the cloud service's validation: a template over DP tables that the DP
 * planner could never make private is refused at once, not at its first run.
 *
 * @example dpTemplateRefusal(query, ctx, sql, [impressions]) // undefined, or { code: 'dp-unbounded', ... }
 */
export function dpTemplateRefusal(query: Query, ctx: QueryContext, sqlText: string, read: readonly QueryTable[]): Diagnostic | undefined {
  const dp = dpTables(read);
  if (dp.length === 0) return undefined;
  try {
    dpShape(query, ctx, new CustomRefuser(sqlText), dp);
    return undefined;
  } catch (e) {
    if (e instanceof Refusal) return e.diagnostic;
    throw e;
  }
}
