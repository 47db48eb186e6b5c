import type { Expr, Query, Select } from '../sql/ast.ts';
import { dpShape, type DpQuery } from './dp-shape.ts';
import { isDpTable, type DpRefuser } from './dp-lineage.ts';
import { mapExpr } from './plan/expr-walk.ts';
import type { QueryContext, QueryTable } from './rule-types.ts';
import type { ResolvedAlias } from './validated-query.ts';

/**
 * Noise mode of the aggregation rule (Cleanroom's, after Ads Data Hub's noise mode): a
 * query that reads a table whose aggregation rule declares `differentialPrivacy` runs
 * through the DP planner like a custom-rule DP query. The owner's `bounds` clamp SUM
 * and AVG of its columns (the aggregation grammar has no LEAST/GREATEST); the owners'
 * output constraint minimums become a threshold on the noisy users count.
 */
function literal(n: number): Expr {
  const magnitude: Expr = { kind: 'literal', value: { type: 'decimal', value: String(Math.abs(n)) } };
  return n < 0 ? { kind: 'unary', op: '-', operand: magnitude } : magnitude;
}

function boundsFor(tables: ReadonlyMap<string, QueryTable>, e: Expr): { lower: number; upper: number } | undefined {
  if (e.kind !== 'column' || e.table === undefined) return undefined;
  const rule = tables.get(e.table)?.rule;
  if (rule?.kind !== 'aggregation') return undefined;
  return rule.differentialPrivacy?.bounds.find((b) => b.columnName.toLowerCase() === e.name.toLowerCase());
}

/** SUM(x) and AVG(x) of a bounded column as SUM(LEAST(GREATEST(x, lower), upper)). */
function clampBounded(select: Select, tables: ReadonlyMap<string, QueryTable>): Select {
  const clamp = (e: Expr): Expr | undefined => {
    if (e.kind !== 'function' || (e.name !== 'sum' && e.name !== 'avg') || e.distinct || e.args.length !== 1) return undefined;
    const [arg] = e.args;
    const b = arg === undefined ? undefined : boundsFor(tables, arg);
    if (arg === undefined || b === undefined) return undefined;
    const clamped: Expr = { kind: 'function', name: 'least', distinct: false, args: [{ kind: 'function', name: 'greatest', distinct: false, args: [arg, literal(b.lower)] }, literal(b.upper)] };
    return { ...e, args: [clamped] };
  };
  return { ...select, items: select.items.map((it) => ({ ...it, expr: mapExpr(it.expr, clamp) })) };
}

export function aggregationNoise(select: Select, aliases: readonly ResolvedAlias[], ctx: QueryContext, refuser: DpRefuser): DpQuery | undefined {
  const dp = [...new Set(aliases.map((a) => a.table))].filter(isDpTable);
  if (dp.length === 0) return undefined;
  // Another member's table without noise mode would lose its exact output constraints
  // here (they become a minimum on the DP table's noisy users): only the runner's own
  // tables may join a noise-mode table.
  const thirdParty = aliases.find((a) => !isDpTable(a.table) && a.table.owner !== ctx.runner);
  if (thirdParty !== undefined) {
    refuser.fail('dp-third-party-table', `${thirdParty.table.sqlName} belongs to ${thirdParty.table.owner} and has no noise mode, so its exact output constraints cannot be applied in a noisy query`, undefined, {
      table: thirdParty.table.sqlName,
      hint: 'query noise-mode tables together with your own tables only, or ask that owner to enable noise mode too',
    });
  }
  const byAlias = new Map(aliases.map((a) => [a.alias, a.table]));
  const query: Query = { kind: 'query', with: [], body: clampBounded(select, byAlias) };
  const shaped = dpShape(query, ctx, refuser, dp);
  const minimums = aliases.flatMap((a) => (a.table.rule?.kind === 'aggregation' ? a.table.rule.outputConstraints.map((c) => c.minimum) : []));
  return minimums.length === 0 ? shaped : { ...shaped, minimumUsers: Math.max(...minimums) };
}
