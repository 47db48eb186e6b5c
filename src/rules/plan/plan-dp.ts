import type { CommonTableExpression, Expr, Literal, Query, QueryBody, Relation, SelectItem } from '../../sql/ast.ts';
import { KEYED_HASH, UNNEST_VALUES } from '../../sql/planner-functions.ts';
import { exprKey } from './expr-walk.ts';
import type { DpAggregate, DpQuery } from '../dp-shape.ts';
import { andAll, bin, col, fn, select, table } from './ast-build.ts';

/**
 * User-level differential privacy by rewriting (Wilson et al. 2020, "Differentially
 * Private SQL with Bounded User Contribution"): the outermost aggregate of a DP query is
 * replaced by three stages that bound what any one user can add, keyed on the DP
 * tables' own user column (never a column of the runner's table):
 *
 *   __cr_dp_rows         the outermost FROM/WHERE as written: group keys, user, values;
 *                        rows without a user are dropped
 *   __cr_dp_user_groups  one row per (group, user): its row count capped at L
 *                        (maxRowsPerGroup), its sum of values clamped to [lo, hi] and
 *                        then capped at L·[lo, hi], in fixed point
 *   __cr_dp_bounded      each user's groups ordered by a keyed hash (MD5 of a per-query
 *                        secret, the user and the keys); only the first C
 *                        (maxGroupsPerUser) are kept
 *
 * and the final SELECT sums per group. Its exact per-group values leave the engine only
 * into the Cleanroom process, which adds noise before anything is written
 * (src/collaboration/dp-release.ts). So one user changes at most C groups, each by at
 * most 1 user, L rows and L·max(|lo|, |hi|) of sum: the sensitivities `dpSensitivities`
 * reports.
 */

export interface ContributionBounds {
  /** C: groups one user may count in. */
  readonly maxGroupsPerUser: number;
  /** L: rows one user may add to one group (COUNT, SUM, AVG). */
  readonly maxRowsPerGroup: number;
}

/** Defaults when the runner does not choose: one group per user, one row per group and user. */
export const DEFAULT_CONTRIBUTION: ContributionBounds = { maxGroupsPerUser: 1, maxRowsPerGroup: 1 };

/** Digits after the decimal point that SUM and AVG keep: values are summed as integers of 10^-4. */
export const FIXED_POINT_DIGITS = 4;
const FIXED_POINT_FACTOR = 10 ** FIXED_POINT_DIGITS;

/** One column the exact query returns for one aggregate, and how to read it. */
export type DpExactColumn =
  | { readonly kind: 'key'; readonly name: string; readonly key: number }
  | { readonly kind: 'users'; readonly name: string }
  | { readonly kind: 'rows'; readonly name: string; readonly output: number }
  | { readonly kind: 'sum'; readonly name: string; readonly output: number };

export interface DpPlan {
  readonly query: Query;
  /** Columns of `query`, in order: keys, the distinct-user count, then one or two per aggregate. */
  readonly columns: readonly DpExactColumn[];
  /** Fixed-point clamp bounds per SUM/AVG output (integers of 10^-FIXED_POINT_DIGITS). */
  readonly bounds: ReadonlyMap<number, { readonly lower: bigint; readonly upper: bigint }>;
  readonly contribution: ContributionBounds;
}

const ROWS = '__cr_dp_rows';
const USER_GROUPS = '__cr_dp_user_groups';
const BOUNDED = '__cr_dp_bounded';
const USER = '__cr_user';
const RANK = '__cr_rank';
const GROUPS_OF_USER = '__cr_groups_of_user';
const key = (i: number): string => `__cr_k${i}`;
const value = (j: number): string => `__cr_v${j}`;
const rowsOf = (j: number): string => `__cr_c${j}`;
const sumOf = (j: number): string => `__cr_s${j}`;
export const DP_USERS_COLUMN = '__cr_users';

function lit(text: string): Literal {
  return /^-?\d+$/.test(text) ? { kind: 'literal', value: { type: 'integer', value: text } } : { kind: 'literal', value: { type: 'string', value: text } };
}

/**
 * A bound as the planned SQL uses it: a fixed-point integer literal once parameters are
 * bound; for a template's unbound parameter (review before a run), the parameter scaled.
 */
function boundExpr(e: Expr): { readonly value?: bigint; readonly expr: Expr } {
  if (e.kind === 'parameter') {
    const scaled = bin('*', { kind: 'cast', operand: e, type: { name: 'DOUBLE' } }, lit(String(FIXED_POINT_FACTOR)));
    return { expr: { kind: 'cast', operand: fn('round', [scaled]), type: { name: 'HUGEINT' } } };
  }
  const value = fixedPointBound(e);
  return { value, expr: lit(String(value)) };
}

/** A bound as written (a numeric literal, possibly negated) in fixed point, digits beyond 10^-4 cut. */
export function fixedPointBound(e: Expr): bigint {
  const negate = e.kind === 'unary' && e.op === '-';
  const inner = e.kind === 'unary' ? e.operand : e;
  if (inner.kind !== 'literal') throw new Error('Internal error: a DP bound must be a numeric literal once parameters are bound');
  const v = inner.value;
  const text = v.type === 'integer' || v.type === 'decimal' ? v.value : v.type === 'double' ? String(v.value) : undefined;
  if (text === undefined) throw new Error('Internal error: a DP bound must be numeric');
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(text);
  if (m === null) throw new Error(`Internal error: unreadable DP bound ${text}`);
  const digits = `${m[2] ?? '0'}${m[3] ?? ''}`;
  const exponent = Number(m[4] ?? '0') - (m[3]?.length ?? 0) + FIXED_POINT_DIGITS;
  const magnitude = exponent >= 0 ? BigInt(digits) * 10n ** BigInt(exponent) : BigInt(digits) / 10n ** BigInt(-exponent);
  const signed = (m[1] === '-') !== negate ? -magnitude : magnitude;
  return signed;
}

/** The value of a SUM/AVG argument in fixed point, clamped to its bounds, as a HUGEINT. */
function fixedValue(arg: Expr, lower: Expr, upper: Expr): Expr {
  const scaled = bin('*', { kind: 'cast', operand: arg, type: { name: 'DOUBLE' } }, lit(String(FIXED_POINT_FACTOR)));
  const integer: Expr = { kind: 'cast', operand: fn('round', [scaled]), type: { name: 'HUGEINT' } };
  // DuckDB's LEAST/GREATEST skip NULLs: a value that is not a number must stay NULL, not become a bound.
  return { kind: 'case', whens: [{ when: { kind: 'is-null', operand: integer, negated: false }, then: { kind: 'literal', value: { type: 'null' } } }], else: fn('least', [fn('greatest', [integer, lower]), upper]) };
}

/** L × bound for the per-user cap, on the side of zero the bound lies (0 when it does not reach past zero). */
function scaledCap(b: { readonly value?: bigint; readonly expr: Expr }, l: number, side: 'lower' | 'upper'): Expr {
  if (b.value !== undefined) {
    const v = side === 'lower' ? (b.value < 0n ? b.value : 0n) : (b.value > 0n ? b.value : 0n);
    return lit(String(v * BigInt(l)));
  }
  return fn(side === 'lower' ? 'least' : 'greatest', [bin('*', b.expr, lit(String(l))), lit('0')]);
}

/**
 * The cross product of each key's listed values, as FROM relations `__cr_d<i>` (one
 * `unnest` per key: a flat list, however long; duplicates are dropped later, in the
 * keys' own type).
 */
function publicDomain(lists: readonly (readonly Expr[])[]): Relation {
  const relations = lists.map((list, i): Relation => {
    if (list.length === 0) throw new Error('Internal error: an empty public key list');
    const body = select({ items: [{ expr: fn(UNNEST_VALUES, [...list]), alias: key(i) }] });
    return { kind: 'subquery-relation', alias: `__cr_d${i}`, query: { kind: 'query', with: [], body } };
  });
  const [head, ...rest] = relations;
  if (head === undefined) throw new Error('Internal error: public keys without keys');
  return rest.reduce<Relation>((left, right) => ({ kind: 'join', type: 'cross', left, right }), head);
}

export function planDp(dp: DpQuery, secret: string, contribution: ContributionBounds): DpPlan {
  const { maxGroupsPerUser: c, maxRowsPerGroup: l } = contribution;
  if (!Number.isInteger(c) || c < 1 || !Number.isInteger(l) || l < 1) throw new Error('Internal error: contribution bounds must be positive integers');
  const bounds = new Map<number, { lower: bigint; upper: bigint }>();
  const boundExprs = new Map<number, { lower: ReturnType<typeof boundExpr>; upper: ReturnType<typeof boundExpr> }>();
  const aggregates: { readonly output: number; readonly aggregate: DpAggregate }[] = [];
  dp.outputs.forEach((o, i) => {
    if (o.kind !== 'aggregate') return;
    aggregates.push({ output: i, aggregate: o.aggregate });
    const a = o.aggregate;
    if (a.lower !== undefined && a.upper !== undefined) {
      const [lower, upper] = [boundExpr(a.lower), boundExpr(a.upper)];
      boundExprs.set(i, { lower, upper });
      if (lower.value !== undefined && upper.value !== undefined) {
        if (lower.value > upper.value) throw new Error('Internal error: DP bounds out of order reached the planner');
        bounds.set(i, { lower: lower.value, upper: upper.value });
      }
    }
  });

  // Stage 1: the rows of the outermost FROM/WHERE with their user, keys and values. A
  // value two aggregates share (SUM and AVG of the same clamped column) is computed once.
  const valueAlias = new Map<number, string>();
  const computed = new Map<string, string>();
  const valueItems: SelectItem[] = [];
  for (const { output, aggregate } of aggregates) {
    if (aggregate.arg === undefined) continue;
    const b = boundExprs.get(output);
    const expr = b === undefined ? aggregate.arg : fixedValue(aggregate.arg, b.lower.expr, b.upper.expr);
    const same = computed.get(exprKey(expr));
    if (same !== undefined) {
      valueAlias.set(output, same);
      continue;
    }
    computed.set(exprKey(expr), value(output));
    valueAlias.set(output, value(output));
    valueItems.push({ expr, alias: value(output) });
  }
  const valueOf = (output: number): string => valueAlias.get(output) ?? value(output);
  const rowItems: SelectItem[] = [...dp.keys.map((k, i) => ({ expr: k, alias: key(i) })), { expr: dp.user, alias: USER }, ...valueItems];
  const userNotNull: Expr = { kind: 'is-null', operand: dp.user, negated: true };
  const rows = select({ items: rowItems, ...(dp.select.from ? { from: dp.select.from } : {}), where: andAll([dp.select.where, userNotNull]) as Expr });

  // Stage 2: one row per (group, user), each user's contribution to the group capped.
  const keyCols = dp.keys.map((_, i) => col(undefined, key(i)));
  const capL = lit(String(l));
  const perUser: SelectItem[] = [...keyCols.map((k) => ({ expr: k })), { expr: col(undefined, USER) }];
  for (const { output, aggregate } of aggregates) {
    const countCall: Expr = aggregate.arg === undefined ? { ...fn('count', []), star: true } : fn('count', [col(undefined, valueOf(output))]);
    if (aggregate.kind === 'COUNT' || aggregate.kind === 'AVG') perUser.push({ expr: fn('least', [countCall, capL]), alias: rowsOf(output) });
    const b = boundExprs.get(output);
    if (b !== undefined) {
      const sum = fn('sum', [col(undefined, valueOf(output))]);
      perUser.push({ expr: fn('least', [fn('greatest', [sum, scaledCap(b.lower, l, 'lower')]), scaledCap(b.upper, l, 'upper')]), alias: sumOf(output) });
    }
  }
  // The number of groups of each user (a window over the grouped rows): most users have
  // at most C, and only the others need the keyed ranking below.
  const groupsOfUser: Expr = { kind: 'window', fn: { ...fn('count', []), star: true }, partitionBy: [col(undefined, USER)], orderBy: [] };
  const counted = dp.keys.length > 0 ? [{ expr: groupsOfUser, alias: GROUPS_OF_USER }] : [];
  const userGroups = select({ items: [...perUser, ...counted], from: table(ROWS), groupBy: [...keyCols, col(undefined, USER)] });

  // Stage 3: a user with more than C groups keeps the first C in keyed-hash order.
  const kept: SelectItem[] = perUser.map((it) => ({ expr: col(undefined, it.alias ?? (it.expr.kind === 'column' ? it.expr.name : '')) }));
  const hash = fn(KEYED_HASH, [lit(secret), col(undefined, USER), ...keyCols]);
  const rank: Expr = { kind: 'window', fn: fn('row_number', []), partitionBy: [col(undefined, USER)], orderBy: [{ expr: hash, direction: 'asc' }] };
  const few = select({ items: kept, from: table(USER_GROUPS), where: bin('<=', col(undefined, GROUPS_OF_USER), lit(String(c))) });
  const ranked = select({
    items: [{ expr: { kind: 'star' } }, { expr: rank, alias: RANK }],
    from: table(USER_GROUPS),
    where: bin('>', col(undefined, GROUPS_OF_USER), lit(String(c))),
  });
  const many = select({
    items: kept,
    from: { kind: 'subquery-relation', alias: '__cr_dp_ranked', query: { kind: 'query', with: [], body: ranked } },
    where: bin('<=', col(undefined, RANK), lit(String(c))),
  });
  const bounded: QueryBody = { kind: 'set-operation', op: 'union-all', left: few, right: many, orderBy: [] };

  // Final: exact per-group totals over the bounded contributions.
  const columns: DpExactColumn[] = [...dp.keys.map((_, i) => ({ kind: 'key' as const, name: key(i), key: i })), { kind: 'users', name: DP_USERS_COLUMN }];
  const finalItems: SelectItem[] = [...keyCols.map((k, i) => ({ expr: k, alias: key(i) })), { expr: { ...fn('count', []), star: true }, alias: DP_USERS_COLUMN }];
  for (const { output, aggregate } of aggregates) {
    if (aggregate.kind === 'COUNT' || aggregate.kind === 'AVG') {
      finalItems.push({ expr: fn('sum', [col(undefined, rowsOf(output))]), alias: rowsOf(output) });
      columns.push({ kind: 'rows', name: rowsOf(output), output });
    }
    if (aggregate.kind === 'SUM' || aggregate.kind === 'AVG') {
      finalItems.push({ expr: fn('sum', [col(undefined, sumOf(output))]), alias: sumOf(output) });
      columns.push({ kind: 'sum', name: sumOf(output), output });
    }
  }
  // Without GROUP BY every user has one group, so no group needs to be dropped.
  const grouped = dp.keys.length > 0;
  const final = select({
    items: finalItems,
    from: table(grouped ? BOUNDED : USER_GROUPS),
    groupBy: keyCols,
  });
  const ctes: CommonTableExpression[] = [
    ...dp.query.with,
    { name: ROWS, query: { kind: 'query', with: [], body: rows } },
    { name: USER_GROUPS, query: { kind: 'query', with: [], body: userGroups } },
    ...(grouped ? [{ name: BOUNDED, query: { kind: 'query' as const, with: [], body: bounded } }] : []),
  ];
  if (dp.publicKeys !== undefined) {
    // Public keys: every listed combination is a row (0 when no user has it), so which
    // groups exist tells nothing. The list is put in the keys' own types (a UNION ALL
    // with the groups' key columns, no rows taken from them) and deduplicated there:
    // literals distinct as DECIMAL but equal as DOUBLE must not match one group twice,
    // which would release it several times with fresh noise.
    const groups = '__cr_dp_groups';
    const domainName = '__cr_dp_domain';
    const keyRefs = (alias: string | undefined): SelectItem[] => dp.keys.map((_, i) => ({ expr: col(alias, key(i)), alias: key(i) }));
    const typed: QueryBody = {
      kind: 'set-operation',
      op: 'union-all',
      left: select({ items: keyRefs(undefined), from: table(groups), where: { kind: 'literal', value: { type: 'boolean', value: false } } }),
      right: select({ items: dp.keys.map((_, i) => ({ expr: col(`__cr_d${i}`, key(i)), alias: key(i) })), from: publicDomain(dp.publicKeys) }),
      orderBy: [],
    };
    const domain = select({ distinct: true, items: keyRefs('__cr_t'), from: { kind: 'subquery-relation', alias: '__cr_t', query: { kind: 'query', with: [], body: typed } } });
    const on = andAll(dp.keys.map((_, i) => bin('=', col(groups, key(i)), col(domainName, key(i))))) as Expr;
    const items: SelectItem[] = columns.map((c) => c.kind === 'key'
      ? { expr: col(domainName, key(c.key)), alias: c.name }
      : { expr: fn('coalesce', [col(groups, c.name), lit('0')]), alias: c.name });
    const padded = select({ items, from: { kind: 'join', type: 'left', left: table(domainName), right: table(groups), on } });
    const withDomain: CommonTableExpression[] = [
      ...dp.query.with,
      { name: ROWS, query: { kind: 'query', with: [], body: rows } },
      { name: USER_GROUPS, query: { kind: 'query', with: [], body: userGroups } },
      { name: BOUNDED, query: { kind: 'query', with: [], body: bounded } },
      { name: groups, query: { kind: 'query', with: [], body: final } },
      { name: domainName, query: { kind: 'query', with: [], body: domain } },
    ];
    return { query: { kind: 'query', with: withDomain, body: padded }, columns, bounds, contribution };
  }
  // One group per user when there is no GROUP BY: the noise is scaled for that.
  const effective = grouped ? contribution : { ...contribution, maxGroupsPerUser: 1 };
  return { query: { kind: 'query', with: ctes, body: final }, columns, bounds, contribution: effective };
}
