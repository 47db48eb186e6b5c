import type { Expr, Select, SelectItem } from '../sql/ast.ts';
import { checkDimensionExpr, refuseJoinColumns, type AggregationContext } from './aggregation-columns.ts';
import { checkAggregateExpr, isAggregateItem } from './aggregation-aggregates.ts';
import { requireComparable, firstTableIn } from './check-context.ts';
import { columnRefs, COMPARISONS, containsAggregate, isAggregateCall, isNumericLiteral, sameExpr, walk } from './expr-utils.ts';
import { exprText } from './expr-text.ts';

/**
 * SELECT, GROUP BY, ORDER BY and HAVING of an aggregation query (normal form: table
 * columns qualified, bare names are output aliases).
 */

export function checkSelectItems(select: Select, cx: AggregationContext): void {
  let aggregates = 0;
  for (const item of select.items) {
    refuseJoinColumns(item.expr, 'output', cx);
    if (containsAggregate(item.expr)) {
      checkAggregateExpr(item.expr, 'output', cx, select.items);
      aggregates++;
      continue;
    }
    checkDimensionExpr(item.expr, 'output', cx);
    if (columnRefs(item.expr).length === 0) {
      cx.refuser.fail('output-not-allowed', `${exprText(item.expr)} is neither an aggregate nor a dimension expression`, item.expr, {
        hint: 'outputs are allowed aggregates or dimension columns (optionally inside allowed scalar functions)',
      });
    }
    if (!isGrouped(item.expr, select)) {
      const table = firstTableIn(cx, item.expr);
      cx.refuser.fail('not-in-group-by', `${exprText(item.expr)} is not an aggregate and must appear in GROUP BY`, item.expr, {
        ...(table !== undefined ? { table } : {}),
        hint: 'add the expression (or its output name) to GROUP BY',
      });
    }
  }
  if (aggregates === 0) {
    cx.refuser.fail('aggregate-required', 'an aggregation query needs at least one aggregate in SELECT', select.items[0]?.expr, {
      hint: 'add COUNT, COUNT(DISTINCT ...), SUM or AVG of a column the rule allows',
    });
  }
}

function outputItem(e: Expr, select: Select): SelectItem | undefined {
  if (e.kind !== 'column' || e.table !== undefined) return undefined;
  return select.items.find((i) => i.alias?.toLowerCase() === e.name);
}

/** An aggregate call, or an output name of an aggregate item, anywhere in `e`. */
function mentionsAggregate(e: Expr, select: Select): boolean {
  for (const n of walk(e)) {
    if (isAggregateCall(n)) return true;
    const item = outputItem(n, select);
    if (item !== undefined && isAggregateItem(item)) return true;
  }
  return false;
}

/** Equal to a GROUP BY expression, or to the item a GROUP BY output name stands for. */
function isGrouped(e: Expr, select: Select): boolean {
  return select.groupBy.some((g) => {
    if (sameExpr(g, e)) return true;
    const item = outputItem(g, select);
    return item !== undefined && sameExpr(item.expr, e);
  });
}

export function checkGroupBy(select: Select, cx: AggregationContext): void {
  for (const g of select.groupBy) {
    const item = outputItem(g, select);
    if (item !== undefined) {
      if (isAggregateItem(item)) {
        cx.refuser.fail('aggregate-in-group-by', `${g.kind === 'column' ? g.name : exprText(g)} is an aggregate and cannot be grouped by`, g, {
          hint: 'group by dimension expressions; aggregates are computed per group',
        });
      }
      continue;
    }
    refuseJoinColumns(g, 'group-by', cx);
    if (containsAggregate(g)) {
      cx.refuser.fail('aggregate-in-group-by', `${exprText(g)} contains an aggregate and cannot be grouped by`, g, {
        hint: 'group by dimension expressions; aggregates are computed per group',
      });
    }
    checkDimensionExpr(g, 'group-by', cx);
  }
}

export function checkOrderBy(select: Select, cx: AggregationContext): void {
  for (const o of select.orderBy) {
    if (outputItem(o.expr, select) !== undefined) continue;
    refuseJoinColumns(o.expr, 'order-by', cx);
    if (mentionsAggregate(o.expr, select)) {
      checkAggregateExpr(o.expr, 'order-by', cx, select.items);
      continue;
    }
    checkDimensionExpr(o.expr, 'order-by', cx);
    if (!isGrouped(o.expr, select)) {
      const table = firstTableIn(cx, o.expr);
      cx.refuser.fail('not-in-group-by', `ORDER BY ${exprText(o.expr)} is not grouped`, o.expr, {
        ...(table !== undefined ? { table } : {}),
        hint: 'order by an output name, an aggregate or a GROUP BY expression',
      });
    }
  }
}

/** HAVING compares allowed aggregates (or their output names) with numeric literals. */
export function checkHaving(select: Select, cx: AggregationContext): void {
  if (select.having === undefined) return;
  refuseJoinColumns(select.having, 'having', cx);
  const isAgg = (e: Expr): boolean => mentionsAggregate(e, select);
  const literalSide = (agg: Expr, lit: Expr, at: Expr): void => {
    // An output name stands for its item, whose type the comparison needs.
    const typed = outputItem(agg, select)?.expr ?? agg;
    if (lit.kind === 'literal' && !isNumericLiteral(lit)) requireComparable(cx, typed, lit, at);
    if (!isNumericLiteral(lit)) notAllowed(at);
  };
  const notAllowed = (at: Expr): never => {
    const table = firstTableIn(cx, at);
    return cx.refuser.fail('having-not-allowed', `HAVING may only compare aggregates with numeric literals, not ${exprText(at)}`, at, {
      ...(table !== undefined ? { table } : {}),
      hint: 'filter dimension columns in WHERE',
    });
  };
  const visit = (e: Expr): void => {
    if (e.kind === 'binary' && (e.op === 'AND' || e.op === 'OR')) {
      visit(e.left);
      visit(e.right);
    } else if (e.kind === 'unary' && e.op === 'NOT') {
      visit(e.operand);
    } else if (e.kind === 'binary' && COMPARISONS.has(e.op)) {
      const [agg, lit] = isAgg(e.left) ? [e.left, e.right] : [e.right, e.left];
      if (!isAgg(agg)) notAllowed(e);
      checkAggregateExpr(agg, 'having', cx, select.items);
      literalSide(agg, lit, e);
    } else if (e.kind === 'between' && isAgg(e.operand)) {
      checkAggregateExpr(e.operand, 'having', cx, select.items);
      literalSide(e.operand, e.low, e);
      literalSide(e.operand, e.high, e);
    } else if (e.kind === 'in-list' && isAgg(e.operand)) {
      checkAggregateExpr(e.operand, 'having', cx, select.items);
      e.list.forEach((x) => literalSide(e.operand, x, e));
    } else if (e.kind === 'is-null' && isAgg(e.operand)) {
      checkAggregateExpr(e.operand, 'having', cx, select.items);
    } else {
      notAllowed(e);
    }
  };
  visit(select.having);
}
