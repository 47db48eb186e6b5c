import type { Select } from '../sql/ast.ts';
import type { ResolvedAlias } from './validated-query.ts';
import { aggregationRule, checkDimensionExpr, commonScalarFunctions, refuseJoinColumns, type AggregationContext } from './aggregation-columns.ts';
import { checkGroupBy, checkHaving, checkOrderBy, checkSelectItems } from './aggregation-clauses.ts';
import type { CheckContext } from './check-context.ts';
import { requireRunnerJoin, validateJoins } from './validate-joins.ts';
import { checkPredicate } from './validate-where.ts';

/**
 * Clauses the aggregation rule forbids outright; checked on the query as written,
 * before column resolution, so the refusal names the clause and not a column in it.
 */
export function refuseAggregationShape(select: Select, cx: Pick<CheckContext, 'refuser'>): void {
  if (select.distinct) {
    cx.refuser.fail('distinct-not-allowed', 'SELECT DISTINCT is not allowed in an aggregation query', undefined, {
      hint: 'use COUNT(DISTINCT ...) for distinct counts; the output is already one row per group',
    });
  }
  if (select.limit !== undefined) {
    cx.refuser.fail('limit-not-allowed', 'LIMIT is not allowed in an aggregation query', select.limit, {
      hint: 'filter with WHERE or HAVING instead',
    });
  }
  if (select.offset !== undefined) {
    cx.refuser.fail('offset-not-allowed', 'OFFSET is not allowed in an aggregation query', select.offset, {
      hint: 'remove OFFSET; the result has one row per group',
    });
  }
}

/**
 * Every clause of RULES.md "Aggregation rule" over a normalised SELECT whose tables all
 * have aggregation rules. Returns nothing: the query passes or a Refusal is thrown.
 */
export function validateAggregation(select: Select, aliases: readonly ResolvedAlias[], base: CheckContext): void {
  const cx: AggregationContext = { ...base, scalarFunctions: commonScalarFunctions(aliases) };
  if (select.from !== undefined) {
    const edges = validateJoins(select.from, cx, {
      joinColumns: (a) => aggregationRule(a).joinColumns,
      operators: (a) => aggregationRule(a).allowedJoinOperators,
    });
    const required = aliases.filter((a) => aggregationRule(a).joinRequired === 'QUERY_RUNNER');
    requireRunnerJoin(aliases, edges, required, cx, (a) => ({
      message: `${a.table.sqlName} must be inner-joined on its join columns to a table of the member running the query`,
      hint: `join ${a.table.sqlName} on ${aggregationRule(a).joinColumns.join(', ') || 'its join columns'} to one of your own tables`,
    }), select.from);
  }
  checkSelectItems(select, cx);
  if (select.where !== undefined) {
    const where = select.where;
    refuseJoinColumns(where, 'filter', cx);
    checkPredicate(where, cx, (x) => checkDimensionExpr(x, 'filter', cx));
  }
  checkGroupBy(select, cx);
  checkHaving(select, cx);
  checkOrderBy(select, cx);
}
