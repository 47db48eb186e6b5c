import { assertNever } from '../sql/ast.ts';
import type { ColumnRef, Expr, Join, Relation, TableRef } from '../sql/ast.ts';
import type { JoinOperator } from './rule-types.ts';
import type { ResolvedAlias } from './validated-query.ts';
import { requireComparable, type CheckContext } from './check-context.ts';
import { exprText } from './expr-text.ts';

/** What a rule says about joins on one of its tables. */
export interface JoinPolicy {
  joinColumns(alias: ResolvedAlias): readonly string[];
  operators(alias: ResolvedAlias): readonly JoinOperator[];
}

/** Alias pairs that every row of the join result is matched on (join-column equalities). */
export type JoinEdges = readonly (readonly [string, string])[];

/**
 * The join restrictions shared by aggregation and list rules: explicit INNER joins
 * only, and ON conditions that are equalities between join columns of the two sides,
 * combined with operators every involved table allows.
 */
export function validateJoins(from: Relation, cx: CheckContext, policy: JoinPolicy): JoinEdges {
  const edges: [string, string][] = [];
  const visit = (r: Relation): string[] => {
    switch (r.kind) {
      case 'table':
        return [(r.alias ?? r.name).toLowerCase()];
      case 'subquery-relation':
        return cx.refuser.fail('subquery-not-allowed', 'subqueries are not allowed', r);
      case 'join': {
        const left = visit(r.left);
        const right = visit(r.right);
        checkJoin(r, left, right, cx, policy).forEach((p) => edges.push(p));
        return [...left, ...right];
      }
      default:
        return assertNever(r);
    }
  };
  visit(from);
  return edges;
}

function rightTable(r: Join, cx: CheckContext): string | undefined {
  return r.right.kind === 'table' ? cx.scope.alias(r.right.alias ?? r.right.name)?.table.sqlName : undefined;
}

function checkJoin(r: Join, left: string[], right: string[], cx: CheckContext, policy: JoinPolicy): [string, string][] {
  const table = rightTable(r, cx);
  const at = table !== undefined ? { table } : {};
  if (r.type !== 'inner' || r.on === undefined) {
    const what = r.type === 'cross' ? 'CROSS JOIN and comma-separated tables are' : `${r.type.toUpperCase()} JOIN is`;
    return cx.refuser.fail('join-not-allowed', `${what} not allowed; only explicit INNER JOIN ... ON`, r, {
      ...at,
      hint: 'write FROM a INNER JOIN b ON a.key = b.key on join columns',
    });
  }
  const on = r.on;
  const pairs = condition(on, on, left, right, cx, policy);
  return [...pairs].map((k) => k.split('\u0000') as [string, string]);
}

/** The alias pairs the condition guarantees (AND: any side; OR: every side). */
function condition(e: Expr, whole: Expr, left: string[], right: string[], cx: CheckContext, policy: JoinPolicy): Set<string> {
  if (e.kind === 'binary' && (e.op === 'AND' || e.op === 'OR')) {
    const op = e.op;
    const refused = involvedAliases(whole, cx).find((a) => !policy.operators(a).includes(op));
    if (refused !== undefined) {
      cx.refuser.fail('join-operator-not-allowed', `${op} is not an allowed join operator of ${refused.table.sqlName}`, e, {
        table: refused.table.sqlName,
        hint: `allowed join operators: ${policy.operators(refused).join(', ') || 'none'}`,
      });
    }
    const a = condition(e.left, whole, left, right, cx, policy);
    const b = condition(e.right, whole, left, right, cx, policy);
    return op === 'AND' ? new Set([...a, ...b]) : new Set([...a].filter((k) => b.has(k)));
  }
  if (e.kind === 'binary' && e.op === '=' && e.left.kind === 'column' && e.right.kind === 'column') {
    return new Set([equality(e, e.left, e.right, left, right, cx, policy)]);
  }
  const table = e.kind === 'binary' && e.left.kind === 'column' ? cx.scope.aliasOf(e.left).table.sqlName : undefined;
  return cx.refuser.fail('join-condition-not-allowed', `ON conditions may only be equalities between join columns, not ${exprText(e)}`, e, {
    ...(table !== undefined ? { table } : {}),
    hint: 'filter with WHERE on dimension columns instead',
  });
}

function equality(e: Expr, a: ColumnRef, b: ColumnRef, left: string[], right: string[], cx: CheckContext, policy: JoinPolicy): string {
  const aa = cx.scope.aliasOf(a);
  const ba = cx.scope.aliasOf(b);
  for (const [ref, alias] of [[a, aa], [b, ba]] as const) {
    const joinCols = policy.joinColumns(alias).map((c) => c.toLowerCase());
    if (!joinCols.includes(ref.name.toLowerCase())) {
      cx.refuser.fail('join-condition-not-allowed', `${alias.alias}.${ref.name} is not a join column of ${alias.table.sqlName}`, ref, {
        table: alias.table.sqlName,
        hint: `join columns of ${alias.table.sqlName}: ${policy.joinColumns(alias).join(', ') || 'none'}`,
      });
    }
  }
  const crosses = (left.includes(aa.alias) && right.includes(ba.alias)) || (left.includes(ba.alias) && right.includes(aa.alias));
  if (!crosses) {
    cx.refuser.fail('join-condition-not-allowed', 'each ON equality must compare a column of the joined table with a column of the tables before it', e, {
      table: ba.table.sqlName,
      hint: 'write a.key = b.key with one side from each table of the join',
    });
  }
  requireComparable(cx, a, b, e);
  return [aa.alias, ba.alias].sort().join('\u0000');
}

function involvedAliases(e: Expr, cx: CheckContext): ResolvedAlias[] {
  const out: ResolvedAlias[] = [];
  const visit = (x: Expr): void => {
    if (x.kind === 'column' && x.table !== undefined) {
      const a = cx.scope.aliasOf(x);
      if (!out.includes(a)) out.push(a);
    } else if (x.kind === 'binary') {
      visit(x.left);
      visit(x.right);
    }
  };
  visit(e);
  return out;
}

/**
 * Each alias in `mustJoin` must be connected through join edges, directly or
 * transitively, to an alias whose table the runner owns (a runner-owned alias is
 * connected to itself).
 */
export function requireRunnerJoin(
  aliases: readonly ResolvedAlias[],
  edges: JoinEdges,
  mustJoin: readonly ResolvedAlias[],
  cx: CheckContext,
  explain: (a: ResolvedAlias) => { message: string; hint: string },
  from?: Relation,
): void {
  const parent = new Map<string, string>(aliases.map((a) => [a.alias, a.alias]));
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r) ?? r;
    return r;
  };
  for (const [a, b] of edges) parent.set(find(a), find(b));
  const runnerRoots = new Set(aliases.filter((a) => a.table.owner === cx.runner).map((a) => find(a.alias)));
  for (const a of mustJoin) {
    if (runnerRoots.has(find(a.alias))) continue;
    const { message, hint } = explain(a);
    cx.refuser.fail('join-required', message, from !== undefined ? tableRefOf(from, a.alias) : undefined, { table: a.table.sqlName, hint });
  }
}

/** The FROM entry that introduced an alias, to point a diagnostic at it. */
export function tableRefOf(from: Relation, alias: string): TableRef | undefined {
  switch (from.kind) {
    case 'table':
      return (from.alias ?? from.name).toLowerCase() === alias ? from : undefined;
    case 'join':
      return tableRefOf(from.left, alias) ?? tableRefOf(from.right, alias);
    case 'subquery-relation':
      return undefined;
    default:
      return assertNever(from);
  }
}
