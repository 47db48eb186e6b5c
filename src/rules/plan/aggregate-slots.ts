import type { Expr, FunctionCall } from '../../sql/ast.ts';
import { isAggregateCall, RULE_AGGREGATES } from '../expr-utils.ts';
import { exprKey, visitExpr } from './expr-walk.ts';

/** Every aggregate the validators recognise; the planner accepts only the granted ones. */
export function isAggregate(e: Expr): e is FunctionCall {
  return isAggregateCall(e);
}

/**
 * One distinct aggregate call of the query.
 * - `rowOnce`: the result does not change when a row is repeated (the DISTINCT
 *   forms), so it can be computed over the joined rows directly;
 * - otherwise `alias` is the one table occurrence whose rows it aggregates, and it
 *   must be computed over that alias's distinct rows.
 */
export interface AggregateSlot {
  readonly key: string;
  readonly call: FunctionCall;
  readonly arg: Expr | undefined;
  readonly rowOnce: boolean;
  readonly alias: string | undefined;
}

/** Collects the distinct aggregate calls (by structure) of `exprs`, in first-seen order. */
export function aggregateSlots(exprs: readonly Expr[]): AggregateSlot[] {
  const slots = new Map<string, AggregateSlot>();
  for (const root of exprs) {
    visitExpr(root, (e) => {
      if (!isAggregate(e)) return true;
      const key = exprKey(e);
      if (!slots.has(key)) slots.set(key, slotOf(key, e));
      return false; // nested aggregates are not valid SQL; the engine would refuse them
    });
  }
  return [...slots.values()];
}

function slotOf(key: string, call: FunctionCall): AggregateSlot {
  // Fail closed: an aggregate no rule can grant must never reach the planner.
  if (!RULE_AGGREGATES.has(call.name)) throw new Error(`Internal error: aggregate ${call.name} in a validated query`);
  if (call.star === true) return { key, call, arg: undefined, rowOnce: false, alias: undefined };
  const arg = call.args[0];
  if (call.args.length !== 1 || arg === undefined) {
    throw new Error(`Internal error: aggregate ${call.name} must have exactly one argument`);
  }
  const rowOnce = call.distinct;
  const tables = new Set<string>();
  visitExpr(arg, (e) => {
    if (e.kind === 'column' && e.table !== undefined) tables.add(e.table);
    if (e.kind === 'column' && e.table === undefined) {
      throw new Error(`Internal error: unqualified column ${e.name} inside an aggregate`);
    }
    return true;
  });
  if (!rowOnce && tables.size !== 1) {
    throw new Error(`Internal error: ${call.name} must aggregate the columns of exactly one table`);
  }
  return { key, call, arg, rowOnce, alias: [...tables][0] };
}
