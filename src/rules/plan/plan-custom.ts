import type { Select } from '../../sql/ast.ts';
import type { ValidatedCustomQuery } from '../validated-query.ts';
import { andAll, bin, fn, int } from './ast-build.ts';
import type { PlannedQuery } from './planned-query.ts';
import { safeCustomQuery } from './custom-numeric-safety.ts';
import { DEFAULT_CONTRIBUTION, planDp } from './plan-dp.ts';

/**
 * Custom-rule queries run as written (an approved template or a provider's ad-hoc SQL);
 * the planner only adds each referenced table's output constraints to the outermost
 * GROUP BY aggregate: `HAVING count(DISTINCT <carrier>) >= minimum`, where the carrier is
 * the constrained column as the outermost FROM exposes it (found by lineage in
 * validate-custom). The validator refuses a query where a constraint cannot be placed.
 * Before that, aggregates are made unable to fail on data (custom-numeric-safety.ts).
 */
export function planCustom(v: ValidatedCustomQuery): PlannedQuery {
  const outputColumns = v.outputColumns.map((name, i) => name ?? `column_${i + 1}`);
  if (v.dp !== undefined) {
    // CTEs, FROM subqueries and WHERE made unable to fail on data like any custom query
    // (a failure would be a one-bit oracle); keys and values are row-level expressions,
    // printed in non-failing forms.
    const safe = safeCustomQuery(v.query, v.numeric);
    const body = safe.body.kind === 'select' ? safe.body : undefined;
    const dp = {
      ...v.dp,
      query: { ...v.dp.query, with: safe.with },
      select: { ...v.dp.select, ...(body?.from ? { from: body.from } : {}), ...(body?.where ? { where: body.where } : {}) },
    };
    const preview = planDp(dp, 'secret-chosen-per-run', DEFAULT_CONTRIBUTION);
    return { query: preview.query, outputColumns: dp.outputs.map((o) => o.name), dp };
  }
  const query = safeCustomQuery(v.query, v.numeric);
  if (v.outputConstraints.length === 0) return { query, outputColumns };
  const body = query.body;
  if (body.kind !== 'select') {
    throw new Error('Internal error: output constraints on a custom query whose outermost part is not a SELECT');
  }
  const checks = v.outputConstraints.map((c) => bin('>=', fn('count', [c.expr], true), int(c.minimum)));
  const having = andAll([body.having, ...checks]);
  const constrained: Select = { ...body, ...(having === undefined ? {} : { having }) };
  return { query: { ...query, body: constrained }, outputColumns };
}
