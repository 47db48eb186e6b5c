import type { Query, QueryBody } from '../sql/ast.ts';
import { Refusal } from '../sql/diagnostic.ts';
import type { QueryContext, QueryTable } from './rule-types.ts';
import type { ValidatedCustomQuery } from './validated-query.ts';
import { checkCustomAuthorization } from './custom-authorization.ts';
import { outputConstraintCarriers } from './custom-constraints.ts';
import { CustomRefuser } from './custom-scope.ts';
import { emptyNumericFacts } from './custom-expr.ts';
import { analyzeQuery, TOP_ENV, type Analysis } from './custom-select.ts';
import { refuseTaintedOutput, type OutputSite } from './custom-taint.ts';
import { collectTableRefs, findTable } from './resolve-tables.ts';
import { dpShape, dpTables } from './dp-shape.ts';

/**
 * Validates a query whose tables all have custom rules (RULES.md "Custom rule"); the
 * caller (validateQuery) has checked that every table exists, has a rule, and that the
 * rules are of one kind. Throws a Refusal; run inside catchRefusal.
 *
 * Order: authorization (does every table allow this template, or this provider's
 * ad-hoc SQL), then the statement (tables, names, parameters, columns, types), then
 * `disallowedOutputColumns`, then output constraints.
 *
 * Custom SQL may use CTEs, subqueries (FROM, IN, EXISTS, scalar; correlated ones
 * too), INNER/LEFT/RIGHT/FULL/CROSS joins, window functions, CASE, date arithmetic
 * and UNION [ALL]/INTERSECT/EXCEPT. Refused: a table that is not an associated table
 * or a CTE in scope, a CTE named like an association, `__cr_` names, `*`, unbound
 * parameters, a FROM subquery reading another relation of its FROM (DuckDB's
 * implicit LATERAL), a name in SELECT or WHERE that only an output alias explains.
 *
 * @example
 * validateCustom(query, ctx, sql, 'tpl_3f2a')
 * // => { kind: 'custom', query, aliases, runner: 'brand', templateId: 'tpl_3f2a',
 * //      outputColumns: ['campaign_id', 'reach'],
 * //      outputConstraints: [{ table: 'impressions', column: 'email_address', minimum: 50,
 * //                            expr: { kind: 'column', table: 'i', name: 'email_address' } }] }
 */
export function validateCustom(query: Query, ctx: QueryContext, sqlText: string, templateId: string | undefined): ValidatedCustomQuery {
  const refuser = new CustomRefuser(sqlText);
  const tables = referencedTables(query, ctx);
  const denied = checkCustomAuthorization(tables, ctx.runner, templateId);
  if (denied !== undefined) throw new Refusal(denied);
  const an: Analysis = { refuser, ctx, occurrences: [], facts: emptyNumericFacts() };
  const top = analyzeQuery(query, TOP_ENV, an);
  refuseTaintedOutput(top, outputSites(query.body), refuser);
  const outputConstraints = outputConstraintCarriers(top, an.occurrences, refuser);
  // A table that asks for differential privacy never answers exactly: the query must
  // have the shape the DP planner rewrites (contribution bounds, noise, partition selection).
  const dp = dpTables(tables);
  const dpQuery = dp.length === 0 ? undefined : dpShape(query, ctx, refuser, dp);
  if (dpQuery !== undefined && outputConstraints.length > 0) {
    refuser.fail('dp-with-output-constraints', `a query on a differentially private table cannot also apply exact output constraints (of ${outputConstraints[0]?.table ?? ''}): an exact threshold would reveal what the noise hides`, undefined, {
      hint: 'in differentially private queries groups are released by private partition selection; ask the owner to drop outputConstraints on tables queried with DP tables',
    });
  }
  return {
    kind: 'custom',
    query,
    aliases: an.occurrences.map((o) => ({ alias: o.alias, table: o.table })),
    runner: ctx.runner,
    ...(templateId !== undefined ? { templateId } : {}),
    outputColumns: top.columns.map((c) => c.name),
    outputConstraints,
    numeric: an.facts,
    ...(dpQuery !== undefined ? { dp: dpQuery } : {}),
  };
}

/** The distinct associated tables the statement names (CTE names excluded). */
function referencedTables(query: Query, ctx: QueryContext): QueryTable[] {
  const out: QueryTable[] = [];
  for (const ref of collectTableRefs(query)) {
    const t = findTable(ctx, ref.name);
    if (t !== undefined && !out.includes(t)) out.push(t);
  }
  return out;
}

function outputSites(body: QueryBody): OutputSite[] {
  if (body.kind === 'select') {
    return body.items.map((it, i) => ({
      label: `SELECT item "${it.alias ?? (it.expr.kind === 'column' ? it.expr.name : String(i + 1))}"`,
      at: it.expr,
    }));
  }
  const first = leftmost(body);
  return first.items.map((it, i) => ({ label: `output column ${i + 1} "${it.alias ?? (it.expr.kind === 'column' ? it.expr.name : '')}"`, at: undefined }));
}

function leftmost(b: QueryBody): Extract<QueryBody, { kind: 'select' }> {
  return b.kind === 'select' ? b : leftmost(b.left);
}
