/**
 * Planner for aggregation-rule queries. It enforces, inside the emitted SQL:
 * - row-once: SUM/COUNT/AVG over a column of alias A aggregate the distinct rows of A
 *   (by ROW_ID_COLUMN) that reach the output row, however many rows of other tables
 *   they joined (RULES.md: a runner repeating a key must not multiply a SUM);
 * - every output constraint of every alias: COUNT(DISTINCT alias.column) over the rows
 *   producing the output row >= minimum, selected or not, NULLs not counting.
 *
 * Shape for joins (measured on DuckDB against a window-function variant, which was
 * ~40% slower; both ~5-7x a plain GROUP BY on 2M x 100k rows):
 *   __cr_j    FROM/JOIN/WHERE projecting group keys, row ids, aggregate args, constraint columns
 *   __cr_dN   SELECT DISTINCT keys, row id of alias N, its SUM/AVG args FROM __cr_j
 *   __cr_tN   SUM/AVG over __cr_dN GROUP BY keys
 *   __cr_m    distinct aggregates, COUNT(x) as count(DISTINCT CASE WHEN x IS NOT NULL
 *             THEN row id END), over __cr_j GROUP BY keys HAVING <constraints>
 *   final     __cr_m JOIN __cr_tN ON keys IS NOT DISTINCT FROM; user HAVING as WHERE; ORDER BY
 * A single-table query needs no dedupe: its plain GROUP BY gets the constraints in HAVING.
 * Before choosing, join-rewrite.ts turns aliases that only filter into semi-joins (often
 * leaving one table) and merges the distinct counts of equated columns; every distinct
 * value is projected into __cr_j once. Each plan also comes in a staged form
 * (staged-query.ts) for owner-only suppression counts.
 *
 * Before either shape, numeric-safety.ts makes every aggregate non-failing: SUM/AVG over
 * types whose sum can overflow run over DOUBLE, and aggregates used as operands
 * (arithmetic, HAVING comparisons) are cast to DOUBLE (RULES.md: no data-dependent failure).
 */
import type { Expr, OrderItem, Select, SelectItem } from '../../sql/ast.ts';
import type { ValidatedQuery } from '../validated-query.ts';
import { aggregateSlots, isAggregate, type AggregateSlot } from './aggregate-slots.ts';
import {
  andAll, bin, col, cte, fn, innerJoin, int, query, select, sameKeys, table,
} from './ast-build.ts';
import { exprKey, mapExpr } from './expr-walk.ts';
import { columnTypes, safeAggregates } from './numeric-safety.ts';
import { aliasConstraints, type AliasConstraint } from './output-constraints.ts';
import { outputNames } from './output-names.ts';
import { selectOf, type PlannedQuery } from './planned-query.ts';
import { DEFAULT_CONTRIBUTION, planDp } from './plan-dp.ts';
import { resolveOutputAliases } from './resolve-output-aliases.ts';
import { ROW_ID_COLUMN } from './row-id.ts';
import { stagedQuery } from './staged-query.ts';
import { ColumnClasses, columnKey, semiJoinRewrite } from './join-rewrite.ts';

const J = '__cr_j';
const M = '__cr_m';

/** The parts of a validated aggregation query, with output aliases resolved. */
interface Shape {
  readonly s: Select;
  readonly names: string[];
  readonly groupKeys: readonly Expr[];
  readonly having: Expr | undefined;
  readonly orderBy: readonly OrderItem[];
  readonly constraints: readonly AliasConstraint[];
}

export function planAggregation(v: ValidatedQuery): PlannedQuery {
  if (v.dp !== undefined) {
    // Noise mode: the DP planner replaces thresholds and row-once aggregation (plan-dp.ts).
    const preview = planDp(v.dp, 'secret-chosen-per-run', DEFAULT_CONTRIBUTION);
    return { query: preview.query, outputColumns: v.dp.outputs.map((o) => o.name), dp: v.dp };
  }
  const written = selectOf(v.query);
  const resolve = (e: Expr): Expr => resolveOutputAliases(e, written.items);
  const typeOf = columnTypes(v.aliases);
  // Aliases resolve against the items as written; every expression is then made safe.
  const safe = (e: Expr): Expr => safeAggregates(e, typeOf);
  const keys = new Map<string, Expr>();
  for (const g of written.groupBy) {
    const r = resolve(g);
    if (!keys.has(exprKey(r))) keys.set(exprKey(r), r);
  }
  let items = written.items.map((it) => safe(it.expr));
  let groupKeys = [...keys.values()];
  let having = written.having === undefined ? undefined : safe(resolve(written.having));
  let orderExprs = written.orderBy.map((o) => safe(resolve(o.expr)));
  let constraints = aliasConstraints(v.aliases);
  let from = written.from;
  let where = written.where;
  let tableCount = v.aliases.length;
  if (from !== undefined && v.aliases.length > 1) {
    // Semi-joins for aliases that only filter (join-rewrite.ts): same rows, less work.
    const exprs = [...items, ...groupKeys, ...opt(having), ...orderExprs];
    const r = semiJoinRewrite({
      from, where, exprs, constraints: constraints.map((c) => ({ alias: c.alias, column: c.column })),
      tables: new Map(v.aliases.map((a) => [a.alias, a.table.sqlName])),
    }, typeOf);
    let at = 0;
    const next = (n: number): Expr[] => {
      const part = r.exprs.slice(at, at + n);
      at += n;
      return part;
    };
    items = next(items.length);
    groupKeys = next(groupKeys.length);
    having = having === undefined ? undefined : next(1)[0];
    orderExprs = next(orderExprs.length);
    constraints = constraints.map((c, m) => ({ ...c, column: r.constraints[m]?.column ?? c.column }));
    from = r.from;
    where = r.where;
    tableCount -= r.removed.length;
  }
  // One distinct count per class of equated columns (join-rewrite.ts).
  const classes = new ColumnClasses(from, typeOf);
  const canon = (e: Expr): Expr => classes.canonicalizeDistinctCounts(e);
  items = items.map(canon);
  having = having === undefined ? undefined : canon(having);
  orderExprs = orderExprs.map(canon);
  constraints = constraints.map((c) => ({ ...c, column: classes.canonical(c.column) }));
  const { where: _written, from: _from, ...rest } = written;
  const s: Select = {
    ...rest,
    items: written.items.map((it, i) => ({ ...it, expr: items[i] ?? it.expr })),
    ...(from === undefined ? {} : { from }),
    ...(where === undefined ? {} : { where }),
  };
  const shape: Shape = {
    s,
    names: outputNames(written.items),
    groupKeys,
    having,
    orderBy: written.orderBy.map((o, i) => ({ ...o, expr: orderExprs[i] ?? o.expr })),
    constraints,
  };
  // Also for a single table: refuses (as an internal error) aggregates no rule grants.
  const slots = aggregateSlots([...s.items.map((it) => it.expr), ...opt(shape.having), ...shape.orderBy.map((o) => o.expr)]);
  return tableCount === 1 ? planSingleTable(shape) : planJoin(shape, slots);
}

function constraintCheck(count: Expr, c: AliasConstraint): Expr {
  return bin('>=', count, int(c.minimum));
}

/**
 * The constraints as checks, one per distinct counted column (the largest minimum of
 * the constraints on it): equal counts are computed once.
 */
function constraintChecks(constraints: readonly AliasConstraint[], count: (c: AliasConstraint) => Expr): Expr[] {
  const byColumn = new Map<string, AliasConstraint>();
  for (const c of constraints) {
    const k = columnKey(c.column);
    const seen = byColumn.get(k);
    if (seen === undefined || c.minimum > seen.minimum) byColumn.set(k, c);
  }
  return [...byColumn.values()].map((c) => constraintCheck(count(c), c));
}

function planSingleTable(shape: Shape): PlannedQuery {
  const { s, names, constraints } = shape;
  const checks = constraintChecks(constraints, (c) => fn('count', [c.column], true));
  const body = select({
    items: s.items.map((item, i) => ({ expr: item.expr, alias: names[i] ?? '' })),
    ...(s.from === undefined ? {} : { from: s.from }),
    ...(s.where === undefined ? {} : { where: s.where }),
    groupBy: shape.groupKeys,
    ...optional('having', andAll([shape.having, ...checks])),
    orderBy: shape.orderBy,
  });
  if (s.from === undefined) return { query: query(body), outputColumns: names };
  const staged = stagedQuery({
    ctes: [], from: s.from, where: s.where, groupBy: shape.groupKeys, items: s.items.map((it) => it.expr), names,
    counts: new Map(constraints.map((c) => [columnKey(c.column), fn('count', [c.column], true)])),
    having: shape.having, orderBy: shape.orderBy, constraints,
  });
  return { query: query(body), outputColumns: names, staged };
}

function planJoin(shape: Shape, slots: readonly AggregateSlot[]): PlannedQuery {
  const { s, names, groupKeys, constraints } = shape;
  if (s.from === undefined) throw new Error('Internal error: aggregation query without FROM');
  const g = groupKeys.map((_, i) => `__cr_g${i}`);
  const slotIndex = new Map(slots.map((slot, k) => [slot.key, k]));
  // COUNT(x) is row-once as count(DISTINCT CASE WHEN x IS NOT NULL THEN row id END), in
  // the main aggregate; SUM and AVG need the alias's distinct rows (a dedupe stage).
  // On the bench's joins the former was ~20% faster than a stage.
  const inMain = (slot: AggregateSlot): boolean => slot.rowOnce || isRowCount(slot);
  const rowIdAliases = [...new Set(slots.filter((x) => !x.rowOnce).map((x) => aliasOf(x)))];
  const rowIdName = (alias: string): string => `__cr_r${rowIdAliases.indexOf(alias)}`;
  const perAlias = [...new Set(slots.filter((x) => !inMain(x)).map((x) => aliasOf(x)))];
  const valName = (k: number): string => `__cr_v${k}`;

  // Each distinct value is projected once: aggregate arguments and constraint columns
  // that are the same expression (after join-rewrite.ts) share one column of __cr_j.
  const projected = new Map<string, { expr: Expr; alias: string }>();
  const project = (expr: Expr, prefix: string): string => {
    const k = exprKey(expr);
    const seen = projected.get(k);
    if (seen !== undefined) return seen.alias;
    const alias = `${prefix}${projected.size}`;
    projected.set(k, { expr, alias });
    return alias;
  };
  const argNames = slots.map((slot) => project(argOf(slot), '__cr_a'));
  const argName = (k: number): string => argNames[k] ?? '';
  const constraintCol = new Map(constraints.map((c) => [columnKey(c.column), project(c.column, '__cr_c')]));

  const jItems: SelectItem[] = [
    ...groupKeys.map((expr, i) => ({ expr, alias: g[i] ?? '' })),
    ...rowIdAliases.map((alias) => ({ expr: col(alias, ROW_ID_COLUMN), alias: rowIdName(alias) })),
    ...[...projected.values()],
  ];
  const ctes = [cte(J, select({ items: jItems, from: s.from, ...optional('where', s.where) }))];
  const gItems = (from: string): SelectItem[] => g.map((name) => ({ expr: col(from, name), alias: name }));
  const gRefs = (from: string): Expr[] => g.map((name) => col(from, name));

  // Per alias: its distinct rows per group, then the row-sensitive aggregates over them.
  const cteOfSlot = new Map<number, string>();
  perAlias.forEach((alias, n) => {
    const mine = slots.map((slot, k) => ({ slot, k })).filter(({ slot }) => !inMain(slot) && slot.alias === alias);
    const d = `__cr_d${n}`;
    const t = `__cr_t${n}`;
    ctes.push(cte(d, select({
      distinct: true,
      items: [...gItems(J), { expr: col(J, rowIdName(alias)), alias: rowIdName(alias) },
        ...[...new Set(mine.map(({ k }) => argName(k)))].map((name) => ({ expr: col(J, name), alias: name }))],
      from: table(J),
    })));
    ctes.push(cte(t, select({
      items: [...gItems(d), ...mine.map(({ slot, k }) => ({ expr: reaggregate(slot, col(d, argName(k))), alias: valName(k) }))],
      from: table(d),
      groupBy: gRefs(d),
    })));
    for (const { k } of mine) cteOfSlot.set(k, t);
  });

  // Main: the group set, row-once aggregates, and the output constraints.
  const main = slots.map((slot, k) => ({ slot, k })).filter(({ slot }) => inMain(slot));
  for (const { k } of main) cteOfSlot.set(k, M);
  const mainAggregate = (slot: AggregateSlot, k: number): Expr => {
    if (slot.rowOnce) return reaggregate(slot, col(J, argName(k)));
    const counted: Expr = { kind: 'case', whens: [{
      when: { kind: 'is-null', operand: col(J, argName(k)), negated: true }, then: col(J, rowIdName(aliasOf(slot))),
    }] };
    return fn('count', [counted], true);
  };
  const mainItems = [...gItems(J), ...main.map(({ slot, k }) => ({ expr: mainAggregate(slot, k), alias: valName(k) }))];
  const countOf = (c: AliasConstraint): Expr => fn('count', [col(J, constraintCol.get(columnKey(c.column)) ?? '')], true);
  const stageCtes = [...ctes];
  ctes.push(cte(M, select({
    items: nonEmpty(mainItems),
    from: table(J),
    groupBy: gRefs(J),
    ...optional('having', andAll(constraintChecks(constraints, countOf))),
  })));
  // The staged form's main: every group, with the constraint counts as columns.
  const counted = new Map<string, { expr: Expr; alias: string }>();
  for (const c of constraints) {
    const k = columnKey(c.column);
    if (!counted.has(k)) counted.set(k, { expr: countOf(c), alias: `__cr_n${counted.size}` });
  }
  stageCtes.push(cte(M, select({
    items: nonEmpty([...mainItems, ...counted.values()]),
    from: table(J),
    groupBy: gRefs(J),
  })));

  let from = table(M);
  perAlias.forEach((_, n) => {
    from = innerJoin(from, table(`__cr_t${n}`), sameKeys(M, `__cr_t${n}`, g));
  });
  const keyIndex = new Map(groupKeys.map((e, i) => [exprKey(e), i]));
  const final = (e: Expr): Expr => mapExpr(e, (x) => {
    const gi = keyIndex.get(exprKey(x));
    if (gi !== undefined) return col(M, g[gi] ?? '');
    if (isAggregate(x)) {
      const k = slotIndex.get(exprKey(x));
      const home = k === undefined ? undefined : cteOfSlot.get(k);
      if (k === undefined || home === undefined) throw new Error('Internal error: aggregate without a slot');
      return col(home, valName(k));
    }
    if (x.kind === 'column') throw new Error(`Internal error: column ${x.name} is neither grouped nor aggregated`);
    return undefined;
  });
  const body = select({
    items: s.items.map((item, i) => ({ expr: final(item.expr), alias: names[i] ?? '' })),
    from,
    ...optional('where', shape.having === undefined ? undefined : final(shape.having)),
    orderBy: shape.orderBy.map((o) => ({ ...o, expr: final(o.expr) })),
  });
  const staged = stagedQuery({
    ctes: stageCtes, from, where: undefined, groupBy: [], items: s.items.map((item) => final(item.expr)), names,
    counts: new Map([...counted.entries()].map(([k, v]) => [k, col(M, v.alias)])),
    having: shape.having === undefined ? undefined : final(shape.having),
    orderBy: shape.orderBy.map((o) => ({ ...o, expr: final(o.expr) })),
    constraints,
  });
  return { query: query(body, ctes), outputColumns: names, staged };
}

/** COUNT(x), not DISTINCT, not COUNT(*). */
function isRowCount(slot: AggregateSlot): boolean {
  return !slot.rowOnce && slot.call.name === 'count' && slot.call.star !== true && slot.call.args.length === 1;
}

function aliasOf(slot: AggregateSlot): string {
  if (slot.alias === undefined) throw new Error('Internal error: COUNT(*) over a join');
  return slot.alias;
}

function argOf(slot: AggregateSlot): Expr {
  if (slot.arg === undefined) throw new Error('Internal error: COUNT(*) over a join');
  return slot.arg;
}

/** The same aggregate call over the planner's projected argument column. */
function reaggregate(slot: AggregateSlot, arg: Expr): Expr {
  return { ...slot.call, args: [arg] };
}

/** A SELECT needs an item; without GROUP BY and row-once aggregates, main has none. */
function nonEmpty(items: SelectItem[]): SelectItem[] {
  return items.length > 0 ? items : [{ expr: { kind: 'function', name: 'count', args: [], distinct: false, star: true }, alias: '__cr_rows' }];
}

function opt<T>(x: T | undefined): T[] {
  return x === undefined ? [] : [x];
}

function optional<K extends string>(key: K, value: Expr | undefined): { [P in K]?: Expr } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: Expr };
}
