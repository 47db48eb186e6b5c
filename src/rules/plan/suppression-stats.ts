/**
 * Owner-only statistics: how many output groups the output constraints of each alias
 * removed. The result is one row with one column per constrained alias
 * (`removed_groups_<alias>`); a group that fails several aliases' constraints counts
 * for each of them. HAVING is not applied: this measures the constraints alone.
 *
 * These counts are data-derived: the caller must show the column of an alias only to
 * the owner of that alias's table, never to the runner (RULES.md: no count of
 * dropped rows reaches the runner).
 */
import type { Expr, Select } from '../../sql/ast.ts';
import { bin, col, cte, fn, int, query, select, table } from './ast-build.ts';
import type { AliasConstraint } from './output-constraints.ts';
import type { SuppressionStats } from './planned-query.ts';

const S = '__cr_s';

export function suppressionStats(
  s: Select,
  groupKeys: readonly Expr[],
  constraints: readonly AliasConstraint[],
): SuppressionStats | undefined {
  if (constraints.length === 0 || s.from === undefined) return undefined;
  const groups = select({
    items: constraints.map((c, m) => ({ expr: fn('count', [c.column], true), alias: `__cr_n${m}` })),
    from: s.from,
    ...(s.where === undefined ? {} : { where: s.where }),
    groupBy: groupKeys,
  });
  const aliases = [...new Set(constraints.map((c) => c.alias))];
  const columns = aliases.map((alias) => ({
    alias,
    table: constraints.find((c) => c.alias === alias)?.table ?? '',
    column: `removed_groups_${alias}`,
  }));
  const items = columns.map(({ alias, column }) => {
    let fails: Expr | undefined;
    constraints.forEach((c, m) => {
      if (c.alias !== alias) return;
      const f = bin('<', col(S, `__cr_n${m}`), int(c.minimum));
      fails = fails === undefined ? f : bin('OR', fails, f);
    });
    const flag: Expr = { kind: 'case', whens: [{ when: fails ?? int(0), then: int(1) }] };
    return { expr: fn('count', [flag]), alias: column };
  });
  return { query: query(select({ items, from: table(S) }), [cte(S, groups)]), columns };
}
