import type { Expr, FunctionCall, SelectItem } from '../sql/ast.ts';
import type { AggregateFunction } from './rule-types.ts';
import { aggregationRule, grantedFunctions, isJoinColumn, type AggregationContext, type Clause } from './aggregation-columns.ts';
import { exprText } from './expr-text.ts';
import { ARITHMETIC, isAggregateCall, isAggregateName, isNumericLiteral, RULE_AGGREGATES } from './expr-utils.ts';

/**
 * Aggregate expressions (SELECT, HAVING, ORDER BY): allowed aggregates of plain
 * columns combined with + - * / and numeric literals. A scalar function around an
 * aggregate is refused (RULES.md allows arithmetic only).
 *
 * `outputs` are the SELECT items, so that an output alias (an unqualified reference in
 * HAVING or ORDER BY) can stand for an aggregate item.
 */
export function checkAggregateExpr(e: Expr, clause: Clause, cx: AggregationContext, outputs: readonly SelectItem[]): void {
  if (isAggregateCall(e)) {
    checkAggregateCall(e, cx);
    return;
  }
  if (isNumericLiteral(e)) return;
  if (e.kind === 'binary' && ARITHMETIC.has(e.op)) {
    checkAggregateExpr(e.left, clause, cx, outputs);
    checkAggregateExpr(e.right, clause, cx, outputs);
    return;
  }
  if (e.kind === 'unary' && (e.op === '-' || e.op === '+')) {
    checkAggregateExpr(e.operand, clause, cx, outputs);
    return;
  }
  if (e.kind === 'column' && e.table === undefined) {
    const item = outputs.find((i) => i.alias?.toLowerCase() === e.name);
    if (item !== undefined && isAggregateItem(item)) return;
  }
  const table = e.kind === 'column' && e.table !== undefined ? cx.scope.aliasOf(e).table.sqlName : undefined;
  cx.refuser.fail('aggregate-expression-not-allowed',
    `${exprText(e)} cannot be combined with aggregates; only + - * / and numeric literals can`, e, {
      ...(table !== undefined ? { table } : {}),
      hint: 'scalar functions and columns outside aggregates are for dimension columns, which are grouped',
    });
}

export function isAggregateItem(item: SelectItem): boolean {
  for (const stack = [item.expr]; stack.length > 0;) {
    const e = stack.pop();
    if (e === undefined) break;
    if (e.kind === 'function' && isAggregateName(e.name)) return true;
    if (e.kind === 'binary') stack.push(e.left, e.right);
    else if (e.kind === 'unary' || e.kind === 'cast') stack.push(e.operand);
    else if (e.kind === 'function') stack.push(...e.args);
  }
  return false;
}

function ruleFunction(fn: FunctionCall): AggregateFunction | undefined {
  if (fn.name === 'count') return fn.distinct ? 'COUNT_DISTINCT' : 'COUNT';
  if (fn.name === 'sum') return fn.distinct ? 'SUM_DISTINCT' : 'SUM';
  if (fn.name === 'avg' && !fn.distinct) return 'AVG';
  return undefined;
}

/** One aggregate call: a granted function of a plain column, or a permitted COUNT(*). */
export function checkAggregateCall(fn: FunctionCall, cx: AggregationContext): void {
  const granted = ruleFunction(fn);
  if (!RULE_AGGREGATES.has(fn.name) || granted === undefined) {
    const shown = `${fn.name.toUpperCase()}${fn.distinct ? '(DISTINCT ...)' : ''}`;
    cx.refuser.fail('aggregate-function-not-allowed', `${shown} is not an aggregation-rule function`, fn, {
      hint: 'aggregation rules allow COUNT, COUNT(DISTINCT ...), SUM, SUM(DISTINCT ...) and AVG',
    });
  }
  if (fn.star === true) {
    const only = cx.scope.aliases.length === 1 ? cx.scope.aliases[0] : undefined;
    if (only === undefined) {
      cx.refuser.fail('count-star-not-allowed', 'COUNT(*) is not allowed over a join: it counts combinations of rows', fn, {
        hint: 'count a column the rule allows, e.g. COUNT(t.col) or COUNT(DISTINCT t.col)',
      });
    }
    if (!aggregationRule(only).aggregateColumns.some((a) => a.function === 'COUNT')) {
      cx.refuser.fail('count-star-not-allowed', `COUNT(*) needs COUNT on some column of ${only.table.sqlName}`, fn, {
        table: only.table.sqlName,
        hint: 'count a column with the function the rule grants',
      });
    }
    return;
  }
  const arg = fn.args.length === 1 ? fn.args[0] : undefined;
  if (arg === undefined || arg.kind !== 'column' || arg.table === undefined) {
    cx.refuser.fail('aggregate-argument-not-allowed', `the argument of ${fn.name.toUpperCase()} must be a plain column`, fn, {
      hint: 'aggregate a column directly: no expressions, functions or nested aggregates inside',
    });
  }
  const alias = cx.scope.aliasOf(arg);
  const fns = grantedFunctions(alias, arg.name);
  if (!fns.includes(granted)) {
    const join = isJoinColumn(alias, arg.name);
    cx.refuser.fail('aggregate-not-allowed',
      `the aggregation rule of ${alias.table.sqlName} does not allow ${granted} on ${arg.name}`, fn, {
        table: alias.table.sqlName,
        hint: fns.length > 0
          ? `allowed on ${arg.name}: ${fns.join(', ')}`
          : join
            ? `${arg.name} is a join column: it may appear only in ON and inside a COUNT the rule grants`
            : `${arg.name} is not an aggregate column of ${alias.table.sqlName}`,
      });
  }
}
