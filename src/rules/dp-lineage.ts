import { assertNever } from '../sql/ast.ts';
import type { ColumnRef, Expr, Query, QueryBody, Relation, Select } from '../sql/ast.ts';
import type { CustomRefuser } from './custom-scope.ts';
import { isAggregateCall, walk } from './expr-utils.ts';
import { findTable } from './resolve-tables.ts';
import type { QueryContext, QueryTable } from './rule-types.ts';

/**
 * Where the rows of differentially private tables go, for user-level DP by rewriting
 * (Wilson et al. 2020; Qrlew): the planner bounds each user's contribution in the
 * outermost query, keyed on the DP table's own user column. That is sound only if every
 * row reaching the outermost FROM belongs to one user of the DP tables, so that adding
 * or removing a user changes only that user's rows. This walk enforces it:
 *
 * - a relation that reads DP data ("protected") keeps the user column, unmodified, as
 *   a column of its output (through every CTE, subquery and UNION branch);
 * - inside protected relations, anything that mixes users is refused: GROUP BY and
 *   DISTINCT without the user column, window functions not partitioned by it, LIMIT,
 *   two protected relations not joined on their user columns, a protected relation on
 *   the NULL-filled side of an outer join (its absence would change the runner's rows
 *   without bound), and DP data read in IN / EXISTS / scalar subqueries.
 *
 * Non-DP tables are "public" here: their own rules protect them.
 */

/** One output column of a relation: is it the DP user column, passed through unchanged? */
interface LineageColumn {
  readonly name: string | undefined;
  readonly user: boolean;
}

export interface Lineage {
  readonly columns: readonly LineageColumn[];
  readonly protected: boolean;
}

interface Entry {
  readonly alias: string;
  readonly lineage: Lineage;
  readonly node: Relation;
}

/** Refuses with a diagnostic: the custom rule's refuser, or the aggregation rule's for noise mode. */
export type DpRefuser = Pick<CustomRefuser, 'fail'>;

export interface DpContext {
  readonly ctx: QueryContext;
  readonly refuser: DpRefuser;
  /** The DP tables' user column (RULES.md: one user column for all DP tables). */
  readonly userColumn: string;
}

type Ctes = ReadonlyMap<string, Lineage>;

/** A table whose rule asks for differential privacy (custom rule, or aggregation noise mode). */
export function isDpTable(t: QueryTable): boolean {
  return (t.rule?.kind === 'custom' || t.rule?.kind === 'aggregation') && t.rule.differentialPrivacy !== undefined;
}

/** The user column a DP table declares, lower-case. */
export function dpUserColumn(t: QueryTable): string | undefined {
  const rule = t.rule;
  if (rule?.kind !== 'custom' && rule?.kind !== 'aggregation') return undefined;
  return rule.differentialPrivacy?.columns[0]?.name.toLowerCase();
}

/** The lineage of the WITH list, then the FROM entries of the outermost SELECT. */
export function outermostEntries(q: Query, dp: DpContext): { readonly entries: readonly Entry[]; readonly select: Select } {
  const ctes = withList(q, new Map(), dp);
  if (q.body.kind !== 'select') {
    return dp.refuser.fail('dp-not-aggregate', 'a query on a differentially private table must end with one SELECT ... GROUP BY aggregate, not a set operation', undefined, {
      hint: 'put the UNION in a CTE and aggregate over it',
    });
  }
  const entries = fromEntries(q.body, ctes, dp);
  checkSelect(q.body, entries, ctes, dp, true);
  return { entries, select: q.body };
}

function withList(q: Query, outer: Ctes, dp: DpContext): Map<string, Lineage> {
  const ctes = new Map(outer);
  for (const c of q.with) ctes.set(c.name.toLowerCase(), queryLineage(c.query, ctes, dp));
  return ctes;
}

function queryLineage(q: Query, outer: Ctes, dp: DpContext): Lineage {
  return bodyLineage(q.body, withList(q, outer, dp), dp);
}

function bodyLineage(b: QueryBody, ctes: Ctes, dp: DpContext): Lineage {
  if (b.kind === 'select') {
    const entries = fromEntries(b, ctes, dp);
    checkSelect(b, entries, ctes, dp, false);
    const prot = entries.some((e) => e.lineage.protected);
    const names = b.items.map((it) => (it.alias ?? (it.expr.kind === 'column' ? it.expr.name : undefined))?.toLowerCase());
    return {
      protected: prot,
      columns: b.items.map((it, i) => ({
        name: names[i],
        // A name given twice is ambiguous: the engine would pick the first, which may be
        // a column of the runner's planted as the user key. Such a column is never the user.
        user: prot && it.expr.kind === 'column' && isUserRef(it.expr, entries) && names.filter((n) => n === names[i]).length === 1,
      })),
    };
  }
  const [l, r] = [bodyLineage(b.left, ctes, dp), bodyLineage(b.right, ctes, dp)];
  if (!l.protected && !r.protected) return { protected: false, columns: l.columns };
  const aligned = l.columns.some((c, i) => c.user && r.columns[i]?.user === true);
  if (!l.protected || !r.protected || !aligned) {
    dp.refuser.fail('dp-set-operation', `both branches of ${b.op.replace('-', ' ').toUpperCase()} must read differentially private data and carry the user column ${dp.userColumn} in the same position`, undefined, {
      hint: `select ${dp.userColumn} as a plain column at the same position on both sides`,
    });
  }
  if (b.limit !== undefined || b.offset !== undefined) limitRefused(dp);
  return { protected: true, columns: l.columns.map((c, i) => ({ name: c.name, user: c.user && r.columns[i]?.user === true })) };
}

function fromEntries(s: Select, ctes: Ctes, dp: DpContext): Entry[] {
  const entries: Entry[] = [];
  if (s.from !== undefined) addRelation(s.from, ctes, dp, entries);
  return entries;
}

function addRelation(r: Relation, ctes: Ctes, dp: DpContext, entries: Entry[]): void {
  switch (r.kind) {
    case 'table': {
      const alias = (r.alias ?? r.name).toLowerCase();
      const cte = ctes.get(r.name.toLowerCase());
      if (cte !== undefined) {
        entries.push({ alias, lineage: cte, node: r });
        return;
      }
      const table = findTable(dp.ctx, r.name);
      if (table === undefined) return;
      const prot = isDpTable(table);
      entries.push({
        alias,
        node: r,
        lineage: { protected: prot, columns: table.columns.map((c) => ({ name: c.name.toLowerCase(), user: prot && c.name.toLowerCase() === dp.userColumn.toLowerCase() })) },
      });
      return;
    }
    case 'join': {
      const before = entries.length;
      addRelation(r.left, ctes, dp, entries);
      const middle = entries.length;
      addRelation(r.right, ctes, dp, entries);
      const leftProtected = entries.slice(before, middle).some((e) => e.lineage.protected);
      const rightProtected = entries.slice(middle).some((e) => e.lineage.protected);
      const nullable = (r.type === 'left' && rightProtected) || (r.type === 'right' && leftProtected)
        || (r.type === 'full' && (leftProtected || rightProtected));
      if (nullable) {
        dp.refuser.fail('dp-outer-join', `a differentially private table cannot be on the side of a ${r.type.toUpperCase()} JOIN that is filled with NULLs: whether its user is present would change other rows`, r, {
          hint: 'make the differentially private table the preserved side (FROM dp LEFT JOIN other) or use an inner join',
        });
      }
      return;
    }
    case 'subquery-relation':
      entries.push({ alias: r.alias.toLowerCase(), lineage: queryLineage(r.query, ctes, dp), node: r });
      return;
    default:
      assertNever(r);
  }
}

/** Does a column reference resolve to a user column of a protected entry? */
function isUserRef(ref: ColumnRef, entries: readonly Entry[]): boolean {
  const name = ref.name.toLowerCase();
  const candidates = ref.table !== undefined ? entries.filter((e) => e.alias === ref.table?.toLowerCase()) : entries;
  const hits = candidates.flatMap((e) => e.lineage.columns.filter((c) => c.name?.toLowerCase() === name).map((c) => ({ e, c })));
  return hits.length === 1 && hits[0]?.c.user === true && hits[0].e.lineage.protected;
}

/** The user column of one protected entry, as a reference in the SELECT's scope. */
export function userRefOf(entry: Entry): ColumnRef | undefined {
  const unique = (name: string): boolean => entry.lineage.columns.filter((x) => x.name?.toLowerCase() === name.toLowerCase()).length === 1;
  const c = entry.lineage.columns.find((x) => x.user && x.name !== undefined && unique(x.name));
  return c?.name === undefined ? undefined : { kind: 'column', table: entry.alias, name: c.name };
}

export function protectedEntries(entries: readonly Entry[]): readonly Entry[] {
  return entries.filter((e) => e.lineage.protected);
}

function limitRefused(dp: DpContext): never {
  return dp.refuser.fail('dp-limit', 'LIMIT and OFFSET cannot cut differentially private rows before the final aggregate: which rows are kept would depend on other users', undefined, {
    hint: 'remove the LIMIT from the CTE or subquery; a LIMIT on the final result is applied after noise',
  });
}

function checkSelect(s: Select, entries: readonly Entry[], ctes: Ctes, dp: DpContext, outermost: boolean): void {
  for (const e of selectExprs(s)) noDpInSubqueries(e, ctes, dp);
  const prot = protectedEntries(entries);
  if (prot.length === 0) return;
  for (const e of prot) {
    if (userRefOf(e) === undefined) {
      dp.refuser.fail('dp-user-column-lost', `the user column ${dp.userColumn} does not reach ${e.alias} unchanged, so each row cannot be tied to one user`, e.node, {
        hint: `select ${dp.userColumn} as a plain column in every CTE and subquery between the differentially private table and the outermost query`,
      });
    }
  }
  joinedOnUser(s, prot, dp);
  if (outermost) return;
  const userKey = (x: Expr): boolean => x.kind === 'column' && isUserRef(x, entries);
  const aggregating = s.groupBy.length > 0 || s.items.some((it) => [...walk(it.expr)].some((x) => isAggregateCall(x)));
  if (aggregating && !s.groupBy.some(userKey)) {
    dp.refuser.fail('dp-mixes-users', 'an aggregate over differentially private rows before the final SELECT must GROUP BY the user column, or one value would mix several users', s.groupBy[0] ?? s.items[0]?.expr, {
      hint: `add ${dp.userColumn} to the GROUP BY of the CTE or subquery`,
    });
  }
  if (s.distinct && !s.items.some((it) => userKey(it.expr))) {
    dp.refuser.fail('dp-mixes-users', 'SELECT DISTINCT over differentially private rows must keep the user column, or rows of several users would merge', s.items[0]?.expr, {
      hint: `select ${dp.userColumn} too`,
    });
  }
  for (const e of selectExprs(s)) {
    for (const x of walk(e)) {
      if (x.kind === 'window' && !x.partitionBy.some(userKey)) {
        dp.refuser.fail('dp-mixes-users', 'a window function over differentially private rows must PARTITION BY the user column, or one row\'s value would depend on other users', x, {
          hint: `add ${dp.userColumn} to PARTITION BY`,
        });
      }
    }
  }
  if (s.limit !== undefined || s.offset !== undefined) limitRefused(dp);
}

/**
 * Two protected relations in one FROM must be joined on their user columns (AND-ed
 * equalities in ON or WHERE), so that every row holds one user's data.
 */
function joinedOnUser(s: Select, prot: readonly Entry[], dp: DpContext): void {
  if (prot.length < 2) return;
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    const p = parent.get(x);
    if (p === undefined || p === x) return x;
    const root = find(p);
    parent.set(x, root);
    return root;
  };
  const userAlias = (e: Expr): string | undefined => {
    if (e.kind !== 'column' || e.table === undefined) return undefined;
    const entry = prot.find((p) => p.alias === e.table?.toLowerCase());
    const u = entry === undefined ? undefined : userRefOf(entry);
    return u !== undefined && u.name === e.name.toLowerCase() ? entry?.alias : undefined;
  };
  for (const eq of equalities(s)) {
    const [a, b] = [userAlias(eq.left), userAlias(eq.right)];
    if (a !== undefined && b !== undefined) parent.set(find(a), find(b));
  }
  const roots = new Set(prot.map((p) => find(p.alias)));
  if (roots.size > 1) {
    dp.refuser.fail('dp-join-not-on-user', `differentially private relations ${prot.map((p) => p.alias).join(', ')} must be joined on their user column ${dp.userColumn} (alias.${dp.userColumn} = alias.${dp.userColumn})`, s.from, {
      hint: 'join them with ON a.<user column> = b.<user column>, qualified with the aliases',
    });
  }
}

function equalities(s: Select): { left: Expr; right: Expr }[] {
  const out: { left: Expr; right: Expr }[] = [];
  const conj = (e: Expr | undefined): void => {
    if (e === undefined || e.kind !== 'binary') return;
    if (e.op === 'AND') {
      conj(e.left);
      conj(e.right);
    } else if (e.op === '=') out.push({ left: e.left, right: e.right });
  };
  const ons = (r: Relation | undefined): void => {
    if (r?.kind !== 'join') return;
    if (r.type === 'inner' || r.type === 'left' || r.type === 'right') conj(r.on);
    ons(r.left);
    ons(r.right);
  };
  ons(s.from);
  conj(s.where);
  return out;
}

function selectExprs(s: Select): Expr[] {
  const ons: Expr[] = [];
  const collect = (r: Relation | undefined): void => {
    if (r?.kind !== 'join') return;
    if (r.on !== undefined) ons.push(r.on);
    collect(r.left);
    collect(r.right);
  };
  collect(s.from);
  return [
    ...s.items.map((it) => it.expr),
    ...(s.where ? [s.where] : []),
    ...s.groupBy,
    ...(s.having ? [s.having] : []),
    ...s.orderBy.map((o) => o.expr),
    ...ons,
  ];
}

/** IN, EXISTS and scalar subqueries may read public tables only. */
function noDpInSubqueries(e: Expr, ctes: Ctes, dp: DpContext): void {
  for (const x of walk(e)) {
    if (x.kind !== 'subquery' && x.kind !== 'exists' && x.kind !== 'in-subquery') continue;
    if (queryLineage(x.query, ctes, dp).protected) {
      dp.refuser.fail('dp-subquery-filter', 'differentially private data cannot be read in an IN, EXISTS or scalar subquery: its answer would depend on other users without bound', x, {
        hint: 'join the differentially private table in FROM (on the user column) instead',
      });
    }
  }
}
