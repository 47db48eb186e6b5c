import type { ColumnRef, Expr, Query, Select } from '../sql/ast.ts';
import { dpUserColumn, isDpTable, outermostEntries, protectedEntries, userRefOf, type DpContext, type DpRefuser } from './dp-lineage.ts';
import { containsAggregate, isNumericLiteral, sameExpr, walk } from './expr-utils.ts';
import type { QueryContext, QueryTable } from './rule-types.ts';

/** The aggregate kinds the DP rewriter can make private (see docs/privacy.md). */
export type DpAggregateKind = 'COUNT' | 'COUNT_DISTINCT' | 'SUM' | 'AVG';

export interface DpAggregate {
  readonly kind: DpAggregateKind;
  /** COUNT(expr), SUM/AVG's clamped value; undefined for COUNT(*) and COUNT(DISTINCT user). */
  readonly arg?: Expr;
  /** SUM and AVG: the clamp bounds written in the query (literals once parameters are bound). */
  readonly lower?: Expr;
  readonly upper?: Expr;
}

export type DpOutput =
  | { readonly kind: 'key'; readonly name: string; readonly key: number }
  | { readonly kind: 'aggregate'; readonly name: string; readonly aggregate: DpAggregate };

/**
 * A query on differentially private tables in the form the DP planner rewrites:
 * `SELECT keys..., aggregates... FROM <from> [WHERE] GROUP BY keys [ORDER BY] [LIMIT]`,
 * every row of <from> tied to one user by `user` (the DP tables' user column).
 */
export interface DpQuery {
  /** Association names of the DP tables read (each spends its own budget). */
  readonly tables: readonly string[];
  readonly userColumn: string;
  /** The WITH list and the outermost SELECT as written (the planner replaces its items). */
  readonly query: Query;
  readonly select: Select;
  readonly user: ColumnRef;
  readonly keys: readonly Expr[];
  readonly outputs: readonly DpOutput[];
  /** ORDER BY output positions, applied after noise. */
  readonly orderBy: readonly { readonly output: number; readonly direction: 'asc' | 'desc' }[];
  /** LIMIT, applied after noise and ordering. */
  readonly limit?: Expr;
  /** Aggregation noise mode: the owners' minimum users per row, applied to the noisy count. */
  readonly minimumUsers?: number;
  /**
   * Public group keys: when the WHERE clause fixes every key to a list written in the
   * query (`key IN ('a', 'b')`, `key = :p`), the groups are known without looking at the
   * data, so every combination is released (with noise, 0 users included) and no
   * private partition selection is needed. One list per key, in key order.
   */
  readonly publicKeys?: readonly (readonly Expr[])[];
}

/** At most this many public key combinations (each is a released row). */
export const MAX_PUBLIC_GROUPS = 10_000;

function conjuncts(e: Expr | undefined): Expr[] {
  if (e === undefined) return [];
  if (e.kind === 'binary' && e.op === 'AND') return [...conjuncts(e.left), ...conjuncts(e.right)];
  return [e];
}

/** The value lists the WHERE clause fixes each key to, if it fixes every key. */
function publicKeyLists(select: Select, keys: readonly Expr[]): Expr[][] | undefined {
  if (keys.length === 0) return undefined;
  const constant = (x: Expr): boolean => x.kind === 'parameter' || (x.kind === 'literal' && x.value.type !== 'null') || isNumericLiteral(x);
  const lists = keys.map((k) => {
    for (const c of conjuncts(select.where)) {
      if (c.kind === 'in-list' && !c.negated && sameExpr(c.operand, k) && c.list.every(constant)) return [...c.list];
      if (c.kind === 'binary' && c.op === '=' && sameExpr(c.left, k) && constant(c.right)) return [c.right];
    }
    return undefined;
  });
  if (lists.some((l) => l === undefined)) return undefined;
  const size = lists.reduce((n, l) => n * (l?.length ?? 1), 1);
  return size <= MAX_PUBLIC_GROUPS ? (lists as Expr[][]) : undefined;
}

/** The DP tables of a statement, or undefined when it reads none. */
export function dpTables(tables: readonly QueryTable[]): readonly QueryTable[] {
  return tables.filter(isDpTable);
}

/**
 * Checks that a query over DP tables has the shape the DP planner can make private and
 * returns it. Refusals name what is wrong and how to write it instead.
 *
 * @example
 *   dpShape(query, ctx, refuser, [impressions])
 *   // SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS reach FROM impressions i GROUP BY i.campaign_id
 *   // => { keys: [i.campaign_id], user: i.email_address, outputs: [key, COUNT_DISTINCT] ... }
 */
export function dpShape(query: Query, ctx: QueryContext, refuser: DpRefuser, dp: readonly QueryTable[]): DpQuery {
  const userColumn = sharedUserColumn(dp, refuser);
  const context: DpContext = { ctx, refuser, userColumn };
  const { entries, select } = outermostEntries(query, context);
  const prot = protectedEntries(entries);
  const first = prot[0];
  const user = first === undefined ? undefined : userRefOf(first);
  if (user === undefined) {
    return refuser.fail('dp-not-aggregate', `the differentially private table ${dp[0]?.sqlName ?? ''} must reach the outermost FROM (through FROM, CTEs or FROM subqueries)`, select.from, {
      hint: 'aggregate the differentially private rows in the outermost SELECT',
    });
  }
  if (select.distinct || select.having !== undefined || select.offset !== undefined) {
    refuser.fail('dp-not-aggregate', 'the outermost SELECT of a differentially private query cannot use DISTINCT, HAVING or OFFSET (they would act on exact values)', select.having ?? select.offset ?? select.from, {
      hint: 'filter in WHERE; to drop small groups rely on the private partition selection',
    });
  }
  const keys = select.groupBy.map((g) => groupKey(g, select, refuser));
  const outputs = select.items.map((it, i): DpOutput => {
    const name = it.alias ?? (it.expr.kind === 'column' ? it.expr.name : `column_${i + 1}`);
    const key = keys.findIndex((k) => sameExpr(k, it.expr));
    if (key >= 0) return { kind: 'key', name, key };
    return { kind: 'aggregate', name, aggregate: aggregateOf(it.expr, user, refuser) };
  });
  if (!outputs.some((o) => o.kind === 'aggregate')) {
    refuser.fail('dp-not-aggregate', 'a differentially private query must compute at least one aggregate (COUNT, COUNT(DISTINCT user), SUM or AVG)', select.items[0]?.expr, {
      hint: 'add COUNT(*) or COUNT(DISTINCT <user column>)',
    });
  }
  const orderBy = select.orderBy.map((o) => ({ output: outputIndex(o.expr, select, refuser), direction: o.direction }));
  if (select.limit !== undefined && !isNumericLiteral(select.limit) && select.limit.kind !== 'parameter') {
    refuser.fail('dp-limit', 'LIMIT of a differentially private query must be a number', select.limit);
  }
  const publicKeys = publicKeyLists(select, keys);
  return {
    ...(publicKeys !== undefined ? { publicKeys } : {}),
    tables: dp.map((t) => t.sqlName),
    userColumn,
    query,
    select,
    user,
    keys,
    outputs,
    orderBy,
    ...(select.limit !== undefined ? { limit: select.limit } : {}),
  };
}

function sharedUserColumn(dp: readonly QueryTable[], refuser: DpRefuser): string {
  const names = new Set(dp.flatMap((t) => dpUserColumn(t) ?? []));
  const [only] = names;
  if (names.size !== 1 || only === undefined) {
    return refuser.fail('dp-user-columns-differ', `the differentially private tables ${dp.map((t) => t.sqlName).join(', ')} name different user columns (${[...names].join(', ')}); they must share one`, undefined, {
      hint: 'the table owners configure the same user identifier column in differentialPrivacy',
    });
  }
  return only;
}

/** `GROUP BY 1` and `GROUP BY alias` mean the SELECT item; anything else is the expression. */
function groupKey(g: Expr, s: Select, refuser: DpRefuser): Expr {
  let key = g;
  if (g.kind === 'literal' && g.value.type === 'integer') {
    const item = s.items[Number(g.value.value) - 1];
    if (item === undefined) return refuser.fail('invalid-ordinal', `${g.value.value} does not name an output column`, g);
    key = item.expr;
  } else if (g.kind === 'column' && g.table === undefined) {
    const item = s.items.find((it) => it.alias?.toLowerCase() === g.name.toLowerCase() && !(it.expr.kind === 'column' && it.expr.name.toLowerCase() === g.name.toLowerCase()));
    if (item !== undefined) key = item.expr;
  }
  if (containsAggregate(key) || [...walk(key)].some((x) => x.kind === 'window' || x.kind === 'subquery' || x.kind === 'exists' || x.kind === 'in-subquery')) {
    refuser.fail('dp-not-aggregate', 'a GROUP BY key of a differentially private query must be a plain expression of the rows (no aggregate, window or subquery)', key);
  }
  return key;
}

function plainArgument(e: Expr, refuser: DpRefuser): Expr {
  if (containsAggregate(e) || [...walk(e)].some((x) => x.kind === 'window' || x.kind === 'subquery' || x.kind === 'exists' || x.kind === 'in-subquery')) {
    refuser.fail('dp-aggregate', 'the argument of a differentially private aggregate must be a plain expression of the rows (no aggregate, window or subquery)', e);
  }
  return e;
}

/** `LEAST(GREATEST(x, lo), hi)` or `GREATEST(LEAST(x, hi), lo)`: x with constant bounds. */
function clamped(e: Expr): { readonly value: Expr; readonly lower: Expr; readonly upper: Expr } | undefined {
  const constant = (x: Expr | undefined): x is Expr => x !== undefined && (isNumericLiteral(x) || x.kind === 'parameter');
  if (e.kind !== 'function' || e.args.length !== 2) return undefined;
  const [inner, outerBound] = e.args;
  if (inner?.kind !== 'function' || inner.args.length !== 2 || !constant(outerBound)) return undefined;
  const [value, innerBound] = inner.args;
  if (value === undefined || !constant(innerBound)) return undefined;
  if (e.name === 'least' && inner.name === 'greatest') return { value, lower: innerBound, upper: outerBound };
  if (e.name === 'greatest' && inner.name === 'least') return { value, lower: outerBound, upper: innerBound };
  return undefined;
}

/** The largest bound magnitude accepted: its noise must stay meaningful in 10^-4 fixed point. */
export const MAX_BOUND = 1e12;

function numericValue(e: Expr): number | undefined {
  if (e.kind === 'unary' && e.op === '-') {
    const v = numericValue(e.operand);
    return v === undefined ? undefined : -v;
  }
  if (e.kind !== 'literal') return undefined;
  const v = e.value;
  if (v.type === 'integer' || v.type === 'decimal') return Number(v.value);
  return v.type === 'double' ? v.value : undefined;
}

/** Bounds in order and of a sane size (parameters are checked once bound, at run time). */
function checkBounds(lower: Expr, upper: Expr, at: Expr, refuser: DpRefuser): void {
  const [lo, hi] = [numericValue(lower), numericValue(upper)];
  if (lo !== undefined && hi !== undefined && lo > hi) {
    refuser.fail('dp-bounds', `the lower bound ${lo} is above the upper bound ${hi}`, at, { hint: 'write LEAST(GREATEST(x, lower), upper) with lower <= upper' });
  }
  for (const b of [lo, hi]) {
    if (b !== undefined && !(Math.abs(b) <= MAX_BOUND)) {
      refuser.fail('dp-bounds', `the bound ${b} is too large (at most ${MAX_BOUND} in magnitude): its noise would swamp any answer`, at, { hint: 'clamp to the range most values fall in' });
    }
  }
}

function aggregateOf(e: Expr, user: ColumnRef, refuser: DpRefuser): DpAggregate {
  const hint = 'differentially private queries output GROUP BY keys and COUNT(*), COUNT(x), COUNT(DISTINCT <user column>), SUM(LEAST(GREATEST(x, lo), hi)) or AVG(LEAST(GREATEST(x, lo), hi)), each as a SELECT item of its own';
  if (e.kind !== 'function') {
    return refuser.fail('dp-aggregate', 'each output of a differentially private query is a GROUP BY key or one aggregate, not an expression around them', e, { hint });
  }
  if (e.name === 'count' && e.star === true) return { kind: 'COUNT' };
  const [arg] = e.args;
  if (e.name === 'count' && arg !== undefined && e.args.length === 1) {
    if (!e.distinct) return { kind: 'COUNT', arg: plainArgument(arg, refuser) };
    if (arg.kind === 'column' && arg.name.toLowerCase() === user.name && (arg.table === undefined || arg.table.toLowerCase() === user.table)) {
      return { kind: 'COUNT_DISTINCT' };
    }
    return refuser.fail('dp-aggregate', `COUNT(DISTINCT ...) of a differentially private query counts only the user column (${user.table ?? ''}.${user.name})`, e, { hint });
  }
  if ((e.name === 'sum' || e.name === 'avg') && arg !== undefined && !e.distinct) {
    const c = clamped(arg);
    if (c === undefined) {
      return refuser.fail('dp-unbounded', `${e.name.toUpperCase()} over a differentially private table needs bounds on its value: write ${e.name.toUpperCase()}(LEAST(GREATEST(x, lower), upper)) with numbers (or parameters) as bounds`, e, {
        hint: 'the bounds decide the noise: pick the range most values fall in; larger values are clamped',
      });
    }
    checkBounds(c.lower, c.upper, e, refuser);
    return { kind: e.name === 'sum' ? 'SUM' : 'AVG', arg: plainArgument(c.value, refuser), lower: c.lower, upper: c.upper };
  }
  return refuser.fail('dp-aggregate', `${e.name.toUpperCase()} cannot be made differentially private here`, e, { hint });
}

/** ORDER BY of a DP query names an output column (by position or name): it is applied after noise. */
function outputIndex(e: Expr, s: Select, refuser: DpRefuser): number {
  if (e.kind === 'literal' && e.value.type === 'integer') {
    const n = Number(e.value.value) - 1;
    if (n >= 0 && n < s.items.length) return n;
  }
  const i = s.items.findIndex((it) => sameExpr(it.expr, e)
    || (e.kind === 'column' && e.table === undefined && it.alias?.toLowerCase() === e.name.toLowerCase()));
  if (i >= 0) return i;
  return refuser.fail('dp-order-by', 'ORDER BY of a differentially private query must name an output column (it sorts the noisy result)', e, {
    hint: 'order by an output name or position',
  });
}
