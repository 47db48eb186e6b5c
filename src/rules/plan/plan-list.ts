/**
 * Planner for list-rule queries: `SELECT DISTINCT cols FROM joins WHERE [LIMIT n]`.
 *
 * minimumListSize: M = the largest minimumListSize of all referenced tables (the most
 * restrictive wins). The list is delivered only if, for every alias whose table is not
 * owned by the runner, and for each of that alias's join-key columns, the rows that
 * produce the delivered list carry at least M distinct non-NULL key values. "Produce"
 * matters when the list does not select the key: a delivered row counts the keys of
 * every joined combination whose projected values equal it. Counting each key column
 * separately (not tuples) is never looser: distinct tuples >= distinct per column.
 *
 * With a minimum:
 *   __cr_j     FROM/JOIN/WHERE projecting the list items and the other owners' keys
 *   __cr_l     SELECT DISTINCT items FROM __cr_j [ORDER BY all items LIMIT n]
 *   __cr_size  one row, __cr_ok = every key count >= M, over the rows of __cr_j that
 *              produce a row of __cr_l (all of __cr_j when there is no LIMIT)
 *   final      __cr_l JOIN __cr_size ON __cr_ok: zero rows when the list is too small
 * LIMIT picks the first n rows in ascending order of all items so that the delivered
 * rows, the size check, and the separate `listSizeCheck` query all see the same list
 * (DISTINCT + LIMIT alone may pick different rows on each evaluation).
 */
import type { Expr, OrderItem, Query, SelectItem } from '../../sql/ast.ts';
import type { ValidatedQuery } from '../validated-query.ts';
import { andAll, bin, col, cte, fn, innerJoin, int, query, sameKeys, select, table } from './ast-build.ts';
import { joinKeyColumns } from './list-join-keys.ts';
import { outputNames } from './output-names.ts';
import { selectOf, type PlannedQuery } from './planned-query.ts';

const J = '__cr_j';
const L = '__cr_l';
const SIZE = '__cr_size';
export const LIST_SIZE_OK_COLUMN = 'list_size_ok';

export function planList(v: ValidatedQuery): PlannedQuery {
  const s = selectOf(v.query);
  const names = outputNames(s.items);
  const minimum = Math.max(0, ...v.aliases.map((a) => (a.table.rule?.kind === 'list' ? a.table.rule.minimumListSize : 0)));
  const keys: Expr[] = [];
  for (const a of v.aliases) {
    if (a.table.owner === v.runner) continue;
    for (const c of joinKeyColumns(s.from, a)) keys.push(col(a.alias, c));
  }
  if (minimum <= 0 || keys.length === 0) {
    const body = { ...s, distinct: true, items: s.items.map((it, i) => ({ expr: it.expr, alias: names[i] ?? '' })) };
    return { query: query(body), outputColumns: names };
  }
  if (s.from === undefined) throw new Error('Internal error: list query without FROM');

  const o = s.items.map((_, i) => `__cr_o${i}`);
  const jItems: SelectItem[] = [
    ...s.items.map((it, i) => ({ expr: it.expr, alias: o[i] ?? '' })),
    ...keys.map((expr, m) => ({ expr, alias: `__cr_k${m}` })),
  ];
  const order: OrderItem[] = o.map((name) => ({ expr: col(J, name), direction: 'asc', nulls: 'last' }));
  const list = select({
    distinct: true,
    items: o.map((name) => ({ expr: col(J, name), alias: name })),
    from: table(J),
    ...(s.limit === undefined ? {} : { orderBy: order, limit: s.limit }),
  });
  const producing = s.limit === undefined ? table(J) : innerJoin(table(J), table(L), sameKeys(J, L, o));
  const ok = andAll(keys.map((_, m) => bin('>=', fn('count', [col(J, `__cr_k${m}`)], true), int(minimum))));
  const size = select({ items: [{ expr: ok ?? int(0), alias: '__cr_ok' }], from: producing });
  const ctes = [cte(J, select({ items: jItems, from: s.from, ...(s.where === undefined ? {} : { where: s.where }) })), cte(L, list), cte(SIZE, size)];

  const body = select({
    items: o.map((name, i) => ({ expr: col(L, name), alias: names[i] ?? '' })),
    from: innerJoin(table(L), table(SIZE), col(SIZE, '__cr_ok')),
  });
  const check: Query = query(select({ items: [{ expr: col(SIZE, '__cr_ok'), alias: LIST_SIZE_OK_COLUMN }], from: table(SIZE) }), ctes);
  return { query: query(body, ctes), outputColumns: names, listSizeCheck: check };
}
