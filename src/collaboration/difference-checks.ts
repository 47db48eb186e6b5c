/**
 * Difference checks for aggregation queries (docs/privacy.md, "Difference checks"):
 * optional per collaboration. The sealed run returns, per group, its measures (every
 * aggregate broken into `count`, `count_distinct`, `sum`, `sum_distinct` of one table's
 * column; AVG is sum / count) and the keyed hashes of the users of every constrained
 * column; difference-store.ts replaces measures by sticky answers; then the outputs,
 * the HAVING and the ORDER BY are computed here from the released measures, for fresh
 * and sticky rows alike, so neither a row's presence nor its place can depend on a
 * value that was not released.
 *
 * The run's SQL: the planner's own staged aggregation (planAggregation: row-once
 * aggregates, output constraints) of the query rewritten to return group keys, hidden
 * dimension values and measures instead of outputs, without HAVING and ORDER BY, joined
 * on the group keys to one pass over the query's FROM/WHERE that lists each group's
 * users (`list(DISTINCT keyed hash)` per constrained column).
 */
import type { ExactRows, ReleasedRows } from '../engine/engine.ts';
import { isAggregate } from '../rules/plan/aggregate-slots.ts';
import { bin, col, fn, int, query, sameKeys, select } from '../rules/plan/ast-build.ts';
import { exprKey, mapExpr } from '../rules/plan/expr-walk.ts';
import { ColumnClasses } from '../rules/plan/join-rewrite.ts';
import { columnTypes } from '../rules/plan/numeric-safety.ts';
import { aliasConstraints } from '../rules/plan/output-constraints.ts';
import { outputNames } from '../rules/plan/output-names.ts';
import { planAggregation } from '../rules/plan/plan-aggregation.ts';
import { selectOf } from '../rules/plan/planned-query.ts';
import { resolveOutputAliases } from '../rules/plan/resolve-output-aliases.ts';
import { containsAggregate, walk } from '../rules/expr-utils.ts';
import type { ValidatedQuery } from '../rules/validated-query.ts';
import type { ColumnRef, Expr, FunctionCall, OrderItem, Query, Relation, Select } from '../sql/ast.ts';
import { duckdbDialect } from '../sql/dialect.ts';
import type { Diagnostic } from '../sql/diagnostic.ts';
import { KEYED_HASH } from '../sql/planner-functions.ts';
import { printQuery } from '../sql/print.ts';
import { applyStickyAnswers, differenceSecret, userSet, type ExactCell, type MeasureValue, type StickyRow, type UserSet } from './difference-store.ts';
import { toDouble, double, truth, orderValue, orderCompare, type Measures, MEASURE } from './difference-evaluate.ts';
import type { Verdict } from './query-verdict.ts';
import type { Workspace } from './workspace.ts';

/** The ColumnRef table that marks a measure (by key) in the expressions evaluated here. */
const G = '__cr_dc_g';
const U = '__cr_dc_u';

type Output = { readonly name: string; readonly dimension: string } | { readonly name: string; readonly expr: Expr; readonly lone?: string };
export type Order = { readonly rank: string } | { readonly expr: Expr; readonly lone?: string; readonly direction: 'asc' | 'desc'; readonly nulls?: 'first' | 'last' };

/** What a checked run computes and how its rows become the delivered ones. */
export interface CheckPlan {
  /** The run's SQL; reads `stage.table` when a stage is given. */
  readonly query: Query;
  readonly stage?: { readonly table: string; readonly query: Query };
  /** The planner's owner-only suppression counts (same columns as the unchecked plan's). */
  readonly stats?: Query;
  readonly outputs: readonly Output[];
  /** Canonical group key expressions (aliases replaced by table ids), for the row's group. */
  readonly keys: readonly string[];
  /** Measure keys; measure j is column `__cr_p<j>`. */
  readonly measures: readonly string[];
  /** Per user column `__cr_du<m>`, the constrained columns (`<table id>.<column>`) whose users it lists. */
  readonly users: readonly (readonly string[])[];
  /** k per constrained column: the largest output constraint minimum on it. */
  readonly minimums: ReadonlyMap<string, number>;
  readonly having?: Expr;
  readonly order: readonly Order[];
}

function measureRef(key: string): ColumnRef {
  return { kind: 'column', table: MEASURE, name: key };
}

/**
 * The checked form of a validated aggregation query. `tableId` maps an association
 * name to its configured table id, so that measures and users of different queries
 * (whatever their aliases) are compared by table; `secret` keys the user hashes.
 */
export function planDifferenceCheck(v: ValidatedQuery, tableId: (sqlName: string) => number, secret: string): CheckPlan {
  const written = selectOf(v.query);
  if (written.from === undefined) throw new Error('Internal error: an aggregation query without FROM');
  const resolve = (e: Expr): Expr => resolveOutputAliases(e, written.items);
  // A self-join's second alias of a table is its occurrence #1, whatever it is called.
  const ref = new Map<string, string>();
  for (const a of v.aliases) {
    const n = v.aliases.filter((b) => b.table.sqlName === a.table.sqlName).indexOf(a);
    ref.set(a.alias, `${tableId(a.table.sqlName)}#${n}`);
  }
  const canon = (e: Expr): string => exprKey(mapExpr(e, (x) => (x.kind === 'column' && x.table !== undefined ? { ...x, table: ref.get(x.table) ?? x.table } : undefined)));
  const keys = [...new Map(written.groupBy.map((g) => resolve(g)).map((g) => [exprKey(g), g])).values()];

  // Constrained columns equated by the joins hold the same users on every row: listed once.
  const classes = new ColumnClasses(written.from, columnTypes(v.aliases));
  const measures = new Map<string, FunctionCall>();
  const measure = (call: FunctionCall, name: string, distinct: boolean): ColumnRef => {
    // COUNT(DISTINCT c.email) and COUNT(DISTINCT i.email) joined on email are one measure:
    // named by the join class of the column, not by the table it was written on.
    const written0 = call.args[0];
    const arg = distinct && written0?.kind === 'column' && written0.table !== undefined ? classes.canonical(written0) : written0;
    // COUNT(*) is allowed over a single table only.
    const column = call.star === true ? `${ref.get(v.aliases[0]?.alias ?? '') ?? '?'}.*`
      : arg?.kind === 'column' && arg.table !== undefined ? `${ref.get(arg.table) ?? '?'}.${arg.name}` : undefined;
    if (column === undefined || column.includes('?')) throw new Error('Internal error: an aggregate that is not over a plain column');
    const key = `${name}${distinct ? '_distinct' : ''}:${column}`;
    if (!measures.has(key)) measures.set(key, { ...call, name, distinct });
    return measureRef(key);
  };
  const toMeasures = (e: Expr): Expr => mapExpr(e, (x) => {
    if (!isAggregate(x)) return undefined;
    if (x.name === 'avg') return bin('/', measure(x, 'sum', x.distinct), measure(x, 'count', x.distinct));
    if (x.name !== 'count' && x.name !== 'sum') throw new Error(`Internal error: aggregate ${x.name} in an aggregation query`);
    return measure(x, x.name, x.distinct);
  });
  const lone = (e: Expr): string | undefined => {
    const m = isAggregate(e) && e.name !== 'avg' ? toMeasures(e) : undefined;
    return m?.kind === 'column' ? m.name : undefined;
  };
  const names = outputNames(written.items);
  const outputs: Output[] = written.items.map((it, i) => {
    const name = names[i] ?? '';
    if (!containsAggregate(it.expr)) return { name, dimension: `__cr_dx${i}` };
    const single = lone(it.expr);
    return { name, expr: toMeasures(it.expr), ...(single === undefined ? {} : { lone: single }) };
  });
  const having = written.having === undefined ? undefined : toMeasures(resolve(written.having));
  const dimensionOrder: OrderItem[] = [];
  const order: Order[] = written.orderBy.map((o: OrderItem) => {
    const e = resolve(o.expr);
    if (!containsAggregate(e)) {
      // Ranked by the engine (its collation and NULL order): a dimension is the same in both answers.
      dimensionOrder.push({ ...o, expr: e });
      return { rank: `__cr_dr${dimensionOrder.length - 1}` };
    }
    const single = lone(e);
    return { expr: toMeasures(e), direction: o.direction, ...(o.nulls ? { nulls: o.nulls } : {}), ...(single === undefined ? {} : { lone: single }) };
  });

  // The planner's plan of: group keys, dimension values and measures per group.
  const { having: _having, ...rest } = written;
  const checked: Select = {
    ...rest,
    items: [
      ...written.items.flatMap((it, i) => (containsAggregate(it.expr) ? [] : [{ expr: it.expr, alias: `__cr_dx${i}` }])),
      ...keys.map((k, i) => ({ expr: k, alias: `__cr_dk${i}` })),
      ...dimensionOrder.map((o, j) => ({ expr: o.expr, alias: `__cr_do${j}` })),
      ...[...measures.values()].map((call, j) => ({ expr: call, alias: `__cr_p${j}` })),
    ],
    groupBy: keys,
    orderBy: [],
  };
  const planned = planAggregation({ ...v, query: { ...v.query, body: checked } });

  const minimums = new Map<string, number>();
  const lists = new Map<string, { readonly column: ColumnRef; readonly keys: Set<string> }>();
  for (const c of aliasConstraints(v.aliases)) {
    const key = `${tableId(c.table)}.${c.columnName}`;
    minimums.set(key, Math.max(minimums.get(key) ?? 0, c.minimum));
    const column = classes.canonical(col(c.alias, c.columnName));
    const list = lists.get(exprKey(column)) ?? { column, keys: new Set<string>() };
    list.keys.add(key);
    lists.set(exprKey(column), list);
  }
  const constraints = [...lists.values()];
  // Distinct (group, users) first, so that each user is hashed once per group, not once per row.
  const distinctUsers = query(select({
    distinct: true,
    items: [...keys.map((k, i) => ({ expr: k, alias: `__cr_dk${i}` })), ...constraints.map((c, m) => ({ expr: c.column, alias: `__cr_uv${m}` }))],
    from: written.from,
    ...(written.where === undefined ? {} : { where: written.where }),
  }));
  const D = '__cr_dc_d';
  const userList = (m: number): Expr => {
    const user = col(D, `__cr_uv${m}`);
    // 13 hex digits of the keyed MD5: an integer below 2^52, exact as a DOUBLE in JSON.
    const hex = bin('||', { kind: 'literal', value: { type: 'string', value: '0x' } }, fn('substring', [fn(KEYED_HASH, [
      { kind: 'literal', value: { type: 'string', value: secret } }, user]), int(1), int(13)]));
    const hash: Expr = { kind: 'cast', operand: { kind: 'cast', operand: hex, type: { name: 'BIGINT' } }, type: { name: 'DOUBLE' } };
    return fn('list', [{ kind: 'case', whens: [{ when: { kind: 'is-null', operand: user, negated: true }, then: hash }] }], true);
  };
  const dKeys = keys.map((_, i) => col(D, `__cr_dk${i}`));
  const usersQuery = query(select({
    items: [...dKeys.map((k, i) => ({ expr: k, alias: `__cr_dk${i}` })), ...constraints.map((_, m) => ({ expr: userList(m), alias: `__cr_du${m}` }))],
    from: { kind: 'subquery-relation', query: distinctUsers, alias: D },
    groupBy: dKeys,
  }));
  const staged = planned.staged;
  const groups: Relation = { kind: 'subquery-relation', query: staged?.deliver ?? planned.query, alias: G };
  const run = query(select({
    items: [
      ...planned.outputColumns.map((name) => ({ expr: col(G, name), alias: name })),
      ...dimensionOrder.map((o, j) => ({
        expr: { kind: 'window' as const, fn: fn('dense_rank', []), partitionBy: [], orderBy: [{ ...o, expr: col(G, `__cr_do${j}`) }] },
        alias: `__cr_dr${j}`,
      })),
      ...constraints.map((_, m) => ({ expr: col(U, `__cr_du${m}`), alias: `__cr_du${m}` })),
    ],
    from: { kind: 'join', type: 'left', left: groups, right: { kind: 'subquery-relation', query: usersQuery, alias: U }, on: sameKeys(G, U, keys.map((_, i) => `__cr_dk${i}`)) },
  }));
  return {
    query: run,
    ...(staged === undefined ? {} : { stage: { table: staged.table, query: staged.stage } }),
    ...(staged?.stats === undefined ? {} : { stats: staged.stats.query }),
    outputs,
    keys: keys.map(canon),
    measures: [...measures.keys()],
    users: constraints.map((c) => [...c.keys]),
    minimums,
    ...(having === undefined ? {} : { having }),
    order,
  };
}

/** The engine request fields of a checked run (in place of the plain aggregation's). */
export interface DifferenceRun {
  readonly sql: string;
  readonly stage?: { readonly table: string; readonly sql: string };
  readonly statsSql?: string;
  /** Async: it reads and writes the store (see the hook in the report / engine.ts). */
  readonly release: (exact: ExactRows) => Promise<ReleasedRows>;
}

/**
 * The checked run of an accepted query, or undefined when none applies: the
 * collaboration has difference checks off, the query is not an exact aggregation-rule
 * query (list and custom rules, and noise mode, are not checked), or no referenced
 * table has output constraints (no k).
 */
/**
 * Query forms whose measures the checks could not compare with earlier answers (a
 * mismatch is answered fresh, so a differencing pair written in two forms would escape):
 * refused when the checks are on, from the query text alone.
 */
function uncheckable(v: ValidatedQuery): Diagnostic | undefined {
  const tables = v.aliases.map((a) => a.table.sqlName);
  const twice = tables.find((t, i) => tables.indexOf(t) !== i);
  if (twice !== undefined) {
    return {
      code: 'difference-check-self-join',
      message: `${twice} appears twice in the query; with difference checks on, a table may be read once (its two readings could not be compared with earlier answers)`,
      table: twice,
      hint: 'read each table once',
    };
  }
  const body = selectOf(v.query);
  for (const e of [...body.items.map((it) => it.expr), ...(body.having ? [body.having] : [])]) {
    for (const x of walk(e)) {
      if (x.kind === 'function' && x.distinct && x.name !== 'count') {
        return {
          code: 'difference-check-distinct',
          message: `${x.name.toUpperCase()}(DISTINCT ...) cannot be compared with earlier answers of the plain aggregate; with difference checks on it is not available`,
          hint: `use ${x.name.toUpperCase()}(...) without DISTINCT`,
        };
      }
    }
  }
  return undefined;
}

export async function prepareDifferenceChecks(workspace: Workspace, queryId: string, verdict: Verdict): Promise<DifferenceRun | { readonly error: Diagnostic } | undefined> {
  const v = verdict.validated;
  if (v === undefined || v.kind !== 'aggregation' || verdict.planned?.dp !== undefined || aliasConstraints(v.aliases).length === 0) return undefined;
  const { db } = workspace;
  const row = await db
    .selectFrom('queries')
    .innerJoin('collaborations', 'collaborations.id', 'queries.collaboration_id')
    .select(['collaborations.id as id', 'collaborations.difference_checks as on'])
    .where('queries.id', '=', queryId)
    .executeTakeFirst();
  if (row === undefined || row.on !== 1) return undefined;
  const refusal = uncheckable(v);
  if (refusal !== undefined) return { error: { ...refusal, rule: 'aggregation' } };
  const ids = new Map(verdict.associations.map((a) => [a.sqlName, a.table.id]));
  const plan = planDifferenceCheck(v, (sqlName) => {
    const id = ids.get(sqlName);
    if (id === undefined) throw new Error(`Internal error: ${sqlName} is not associated`);
    return id;
  }, await differenceSecret(db, row.id));
  return {
    sql: printQuery(plan.query, duckdbDialect),
    ...(plan.stage === undefined ? {} : { stage: { table: plan.stage.table, sql: printQuery(plan.stage.query, duckdbDialect) } }),
    ...(plan.stats === undefined ? {} : { statsSql: printQuery(plan.stats, duckdbDialect) }),
    release: (exact) => releaseChecked(workspace, row.id, queryId, plan, exact),
  };
}

/** Sticky answers for the exact rows of a checked run, then HAVING, ORDER BY and outputs over the released measures. */
export async function releaseChecked(workspace: Pick<Workspace, 'db'>, collaborationId: number, queryId: string, plan: CheckPlan, exact: ExactRows): Promise<ReleasedRows> {
  const columns = new Map(exact.columns.map((c, i) => [c.name, i]));
  const at = (name: string): number => {
    const i = columns.get(name);
    if (i === undefined) throw new Error(`Internal error: the checked run did not return ${name}`);
    return i;
  };
  const rows = exact.rows.map((cells, index): StickyRow & { readonly index: number; readonly cells: readonly ExactCell[] } => {
    // A constrained column listed once (the usual case) shares one set with the columns equated to it.
    const lists = new Map<string, number[][]>();
    const byList = new Map<number, UserSet>();
    plan.users.forEach((constraints, m) => {
      const cell = cells[at(`__cr_du${m}`)];
      // Every released group has at least k users: no list means the two passes disagree (a bug).
      if (typeof cell !== 'string') throw new Error('Internal error: a released group without its users');
      const list = (JSON.parse(cell) as unknown[]).filter((h): h is number => typeof h === 'number');
      byList.set(m, userSet(list));
      for (const constraint of constraints) lists.set(constraint, [...(lists.get(constraint) ?? []), list]);
    });
    const users = new Map<string, UserSet>([...lists].map(([c, parts]) => {
      const only = parts.length === 1 ? byList.get(plan.users.findIndex((keys) => keys.includes(c))) : undefined;
      return [c, only ?? userSet(parts.flat())];
    }));
    const measures = new Map(plan.measures.map((key, j) => {
      const i = at(`__cr_p${j}`);
      return [key, { type: exact.columns[i]?.type ?? '?', value: cells[i] ?? null }];
    }));
    const group = JSON.stringify([plan.keys, plan.keys.map((_, i) => cells[at(`__cr_dk${i}`)] ?? null)]);
    return { index, cells, group, users, measures };
  });
  // A fixed order that does not depend on values: which of two rows of one query sticks to the other.
  rows.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  const released = await applyStickyAnswers(workspace.db, collaborationId, queryId, rows, plan.minimums);
  const kept = rows
    .map((row, i) => ({ row, m: released[i] ?? new Map<string, MeasureValue>() }))
    .filter(({ m }) => plan.having === undefined || truth(plan.having, m) === true);
  kept.sort((a, b) => {
    for (const o of plan.order) {
      const c = 'rank' in o
        ? Number(a.row.cells[at(o.rank)]) - Number(b.row.cells[at(o.rank)])
        : orderCompare(orderValue(o, a.m), orderValue(o, b.m), o.direction, o.nulls);
      if (c !== 0) return c;
    }
    return 0;
  });
  // A stored value replaces only one of the same type, so the first row's types are every row's.
  const loneType = (o: Output): string | undefined => ('lone' in o && o.lone !== undefined ? rows[0]?.measures.get(o.lone)?.type : undefined);
  const measureOutputs = plan.outputs.flatMap((o, i) => ('expr' in o ? [{ o, i, bigint: loneType(o) === 'BIGINT' }] : []));
  return {
    columns: measureOutputs.map(({ i, bigint }) => ({ name: `__cr_r${i}`, type: bigint ? 'BIGINT' as const : 'DOUBLE' as const })),
    rows: kept.map(({ row, m }) => ({
      index: row.index,
      values: measureOutputs.map(({ o, bigint }) => {
        if (!('expr' in o)) return null;
        if (o.lone !== undefined) {
          const v = m.get(o.lone)?.value ?? null;
          return v === null ? null : bigint ? BigInt(String(v)) : toDouble(v);
        }
        return double(o.expr, m);
      }),
    })),
    output: plan.outputs.map((o, i) => ('dimension' in o ? { name: o.name, exact: o.dimension } : { name: o.name, released: `__cr_r${i}` })),
  };
}
