/**
 * The staged form of an aggregation plan (PlannedQuery.staged): owner-only
 * suppression statistics without a second full query.
 *
 * - `stage` produces EVERY group, suppressed or not: the output values under internal
 *   names (`__cr_o<i>`), one distinct count per counted constraint column
 *   (`__cr_n<m>`), the user's HAVING as a flag (`__cr_h`) and the ORDER BY keys
 *   (`__cr_k<j>`). It is small (one row per group) and stays inside the engine.
 * - `deliver` reads the staged table and returns exactly what `query` returns: the
 *   groups that meet every constraint and the HAVING, in order, under the output names.
 * - `stats` reads it too and returns one row: per constrained alias, the groups that
 *   fail that alias's constraints (HAVING not applied; a group failing several
 *   aliases counts for each). Data-derived: for the alias's table owner only, never
 *   the runner (RULES.md).
 */
import type { Expr, OrderItem, Query, Relation } from '../../sql/ast.ts';
import { andAll, bin, col, fn, int, query, select, table } from './ast-build.ts';
import type { CommonTableExpression } from '../../sql/ast.ts';
import { exprKey } from './expr-walk.ts';
import { columnKey } from './join-rewrite.ts';
import type { AliasConstraint } from './output-constraints.ts';
import type { StagedQuery } from './planned-query.ts';

/** The name of the staged table the engine creates; reserved prefix. */
export const STAGE_TABLE = '__cr_stage';

export interface StageParts {
  readonly ctes: readonly CommonTableExpression[];
  readonly from: Relation;
  readonly where: Expr | undefined;
  readonly groupBy: readonly Expr[];
  readonly items: readonly Expr[];
  readonly names: readonly string[];
  /** Column key (join-rewrite.ts columnKey) -> the distinct count, in the stage's scope. */
  readonly counts: ReadonlyMap<string, Expr>;
  readonly having: Expr | undefined;
  readonly orderBy: readonly OrderItem[];
  readonly constraints: readonly AliasConstraint[];
}

export function stagedQuery(p: StageParts): StagedQuery {
  // Each distinct expression is computed once: a count, order key or HAVING equal to an
  // output value reads that value's column (DuckDB would otherwise compute it again).
  const columnOf = new Map<string, string>();
  const stageItems: { expr: Expr; alias: string }[] = [];
  const stageColumn = (expr: Expr, alias: string): string => {
    const key = exprKey(expr);
    const seen = columnOf.get(key);
    if (seen !== undefined) return seen;
    columnOf.set(key, alias);
    stageItems.push({ expr, alias });
    return alias;
  };
  const outputs = p.items.map((expr, i) => {
    const alias = `__cr_o${i}`;
    // outputs keep their own column even when equal: deliver names each one
    if (!columnOf.has(exprKey(expr))) columnOf.set(exprKey(expr), alias);
    stageItems.push({ expr, alias });
    return alias;
  });
  const countNames = new Map([...p.counts.entries()].map(([k, expr], m) => [k, stageColumn(expr, `__cr_n${m}`)]));
  const havingName = p.having === undefined ? undefined : stageColumn(p.having, '__cr_h');
  const orderNames = p.orderBy.map((o, j) => stageColumn(o.expr, `__cr_k${j}`));
  const countOf = (c: AliasConstraint): Expr => {
    const name = countNames.get(columnKey(c.column));
    if (name === undefined) throw new Error('Internal error: a constraint without a staged count');
    return col(STAGE_TABLE, name);
  };
  const stage = query(select({
    items: stageItems,
    from: p.from,
    ...(p.where === undefined ? {} : { where: p.where }),
    groupBy: p.groupBy,
  }), p.ctes);

  const checks = new Map<string, Expr>();
  for (const c of p.constraints) {
    const check = bin('>=', countOf(c), int(c.minimum));
    checks.set(exprKey(check), check);
  }
  const meets = andAll([...checks.values(), ...(havingName === undefined ? [] : [col(STAGE_TABLE, havingName)])]);
  const deliver = query(select({
    items: p.names.map((name, i) => ({ expr: col(STAGE_TABLE, outputs[i] ?? ''), alias: name })),
    from: table(STAGE_TABLE),
    ...(meets === undefined ? {} : { where: meets }),
    orderBy: p.orderBy.map((o, j) => ({ ...o, expr: col(STAGE_TABLE, orderNames[j] ?? '') })),
  }));

  const aliases = [...new Set(p.constraints.map((c) => c.alias))];
  const columns = aliases.map((alias) => ({
    alias,
    table: p.constraints.find((c) => c.alias === alias)?.table ?? '',
    column: `removed_groups_${alias}`,
  }));
  const stats = columns.length === 0 ? undefined : query(select({
    items: columns.map(({ alias, column }) => {
      const fails = p.constraints.filter((c) => c.alias === alias).map((c) => bin('<', countOf(c), int(c.minimum)));
      const failsAny = fails.reduce((a, b) => bin('OR', a, b));
      return { expr: fn('count', [{ kind: 'case', whens: [{ when: failsAny, then: int(1) }] }]), alias: column };
    }),
    from: table(STAGE_TABLE),
  }));
  return { table: STAGE_TABLE, stage, deliver, ...(stats === undefined ? {} : { stats: { query: stats, columns } }) };
}
