import { assertNever } from '../sql/ast.ts';
import type { Expr, Query, QueryBody, Relation, Select, SetOperation, TableRef } from '../sql/ast.ts';
import type { QueryContext, QueryTable } from './rule-types.ts';
import { analyzeExpr, requireComparable, requireCondition, type AliasItem, type ExprContext, type ExprInfo, type MutableNumericFacts } from './custom-expr.ts';
import { ColumnScope, CorrelationScope, sameName, type CustomRefuser, type FromEntry, type OutColumn, type RelInfo, type Taint } from './custom-scope.ts';
import { columnTaint, merge, step } from './custom-taint.ts';
import { isAggregateName } from './expr-utils.ts';
import { findTable } from './resolve-tables.ts';
import { commonType } from './implicit-casts.ts';

/**
 * The walk over a custom-rule statement: WITH lists, set operations, SELECTs and their
 * FROM clauses. Returns, for each query body, its output columns (taint, type,
 * lineage) and row taint; records every base-table occurrence.
 */

export interface Occurrence {
  readonly id: number;
  readonly alias: string;
  readonly table: QueryTable;
  readonly node: TableRef;
}

export interface Analysis {
  readonly refuser: CustomRefuser;
  readonly ctx: QueryContext;
  readonly occurrences: Occurrence[];
  readonly facts: MutableNumericFacts;
}

interface Env {
  readonly ctes: ReadonlyMap<string, RelInfo>;
  /** Scope of the enclosing query, for correlated references. */
  readonly outer: ColumnScope | undefined;
  /** Relations before a FROM subquery in its FROM: not visible to it (no LATERAL). */
  readonly siblings: readonly FromEntry[];
}

/** A body's result; for a SELECT also its FROM relations (the planner's outermost scope). */
export interface BodyInfo extends RelInfo {
  readonly select?: { readonly entries: readonly FromEntry[]; readonly aggregating: boolean };
}

export const TOP_ENV: Env = { ctes: new Map(), outer: undefined, siblings: [] };

export function analyzeQuery(q: Query, env: Env, an: Analysis): BodyInfo {
  const ctes = new Map(env.ctes);
  q.with.forEach((c, i) => {
    an.refuser.reserved(c.name, 'the CTE name', undefined);
    const table = findTable(an.ctx, c.name);
    if (table !== undefined) {
      an.refuser.fail('cte-shadows-table', `the CTE name "${c.name}" is the name of the associated table ${table.sqlName}`, undefined, {
        table: table.sqlName,
        hint: 'give the CTE a name that is not an association name',
      });
    }
    if (q.with.findIndex((d) => sameName(d.name, c.name)) !== i) {
      an.refuser.fail('duplicate-cte', `the CTE name "${c.name}" is defined twice`, undefined, { hint: 'rename one of them' });
    }
    ctes.set(c.name.toLowerCase(), analyzeQuery(c.query, { ctes, outer: env.outer, siblings: [] }, an));
  });
  return analyzeBody(q.body, { ...env, ctes }, an);
}

function analyzeBody(b: QueryBody, env: Env, an: Analysis): BodyInfo {
  return b.kind === 'select' ? analyzeSelect(b, env, an) : analyzeSetOperation(b, env, an);
}

function analyzeSetOperation(b: SetOperation, env: Env, an: Analysis): BodyInfo {
  const [l, r] = [analyzeBody(b.left, env, an), analyzeBody(b.right, env, an)];
  const op = b.op.replace('-', ' ').toUpperCase();
  if (l.columns.length !== r.columns.length) {
    an.refuser.fail('set-operation-columns', `both sides of ${op} need the same number of columns`, undefined, {
      hint: 'select the same columns, in the same order, on both sides',
    });
  }
  const side = (n: 1 | 2, i: number): string => `${op} branch ${n}, column ${i + 1}`;
  const columns = l.columns.map((lc, i): OutColumn => {
    const rc = r.columns[i] ?? lc;
    requireComparable(an, lc, rc, b.left.kind === 'select' ? (b.left.items[i]?.expr ?? stub) : stub, op);
    const same = lc.carrier !== undefined && rc.carrier !== undefined
      && lc.carrier.table.sqlName === rc.carrier.table.sqlName && sameName(lc.carrier.column, rc.carrier.column);
    return {
      name: lc.name,
      type: lc.type === rc.type ? lc.type : commonType([lc.type, rc.type]),
      exact: lc.exact && rc.exact && lc.type === rc.type,
      taint: merge(step(lc.taint, side(1, i)), step(rc.taint, side(2, i))),
      carrier: same && lc.carrier !== undefined && rc.carrier !== undefined
        ? { ...lc.carrier, occurrences: new Set([...lc.carrier.occurrences, ...rc.carrier.occurrences]) }
        : undefined,
    };
  });
  const dedup = b.op === 'union-all' ? [] : step(merge(...columns.map((c) => c.taint)), `${op} (removes duplicate rows)`);
  const output: RelInfo = { columns, rowTaint: [], sources: new Set() };
  const scope = new ColumnScope([{ alias: '', label: undefined, info: output, node: b.left.kind === 'select' && b.left.from !== undefined ? b.left.from : stubRelation }], env.outer, an.refuser);
  const cx = exprContext(scope, [], env, an);
  const order = b.orderBy.map((o) => step(ordinal(o.expr, columns, an) ?? analyzeExpr(o.expr, cx).taint, 'ORDER BY'));
  for (const x of [b.limit, b.offset]) if (x !== undefined) constantLimit(x, cx, an);
  return {
    columns,
    rowTaint: merge(step(l.rowTaint, `${op} branch 1`), step(r.rowTaint, `${op} branch 2`), dedup, ...order),
    sources: new Set([...l.sources, ...r.sources]),
  };
}

const stub: Expr = { kind: 'literal', value: { type: 'null' } };
const stubRelation: Relation = { kind: 'table', name: '' };

function exprContext(scope: ColumnScope, aliases: readonly AliasItem[], env: Env, an: Analysis): ExprContext {
  return {
    refuser: an.refuser, scope, aliases, facts: an.facts,
    subquery: (q, sc) => {
      const outer = new CorrelationScope(sc, an.refuser);
      const info = analyzeQuery(q, { ctes: env.ctes, outer, siblings: [] }, an);
      return { info, correlated: outer.taint };
    },
  };
}

/** `GROUP BY 2`, `ORDER BY 1`: the taint of that output column. */
function ordinal(e: Expr, columns: readonly Pick<OutColumn, 'taint'>[], an: Analysis): Taint | undefined {
  if (e.kind !== 'literal' || e.value.type !== 'integer') return undefined;
  const c = columns[Number(e.value.value) - 1];
  if (c === undefined) {
    return an.refuser.fail('invalid-ordinal', `${e.value.value} does not name an output column`, e, {
      hint: `use a number from 1 to ${columns.length}`,
    });
  }
  return c.taint;
}

function analyzeSelect(s: Select, env: Env, an: Analysis): BodyInfo {
  const entries: FromEntry[] = [];
  if (s.from !== undefined) addRelation(s.from, env, an, entries);
  const scope = new ColumnScope(entries, env.outer, an.refuser, env.siblings);
  const CLEAN: ExprInfo = { taint: [], type: undefined, exact: false, carrier: undefined };
  const names = s.items.flatMap((it) => (it.alias !== undefined ? [{ name: it.alias, info: CLEAN }] : []));
  const cx0 = exprContext(scope, names, env, an);
  const columns: OutColumn[] = s.items.map((it) => {
    if (it.alias !== undefined) an.refuser.reserved(it.alias, 'the output name', it.expr);
    const info = analyzeExpr(it.expr, cx0);
    const name = it.alias ?? (it.expr.kind === 'column' ? it.expr.name : undefined);
    return { ...info, name, carrier: it.expr.kind === 'column' ? info.carrier : undefined };
  });
  const aliases: AliasItem[] = s.items.flatMap((it, i) => {
    const c = columns[i];
    return it.alias !== undefined && c !== undefined ? [{ name: it.alias, info: c }] : [];
  });
  const cx = exprContext(scope, aliases, env, an);
  if (s.where !== undefined) requireCondition(an, analyzeExpr(s.where, cx0), s.where, 'WHERE');
  const keys = s.groupBy.map((g) => step(groupKey(g, scope, aliases, columns, cx, an), 'GROUP BY key'));
  if (s.having !== undefined) requireCondition(an, analyzeExpr(s.having, cx, 'alias-first'), s.having, 'HAVING');
  const order = s.orderBy.map((o) => step(ordinal(o.expr, columns, an) ?? analyzeExpr(o.expr, cx, 'alias-first').taint, 'ORDER BY'));
  for (const x of [s.limit, s.offset]) if (x !== undefined) constantLimit(x, cx0, an);
  const distinct = s.distinct ? [step(merge(...columns.map((c) => c.taint)), 'DISTINCT')] : [];
  const aggregating = s.groupBy.length > 0 || s.items.some((it) => hasAggregate(it.expr))
    || (s.having !== undefined && hasAggregate(s.having));
  // An aggregate's rows are groups: which input rows existed shows only through its values.
  const inherited = aggregating ? [] : entries.map((e) => e.info.rowTaint);
  return {
    columns,
    rowTaint: merge(...inherited, ...keys, ...distinct, ...order),
    sources: new Set(entries.flatMap((e) => [...e.info.sources])),
    select: { entries, aggregating },
  };
}

/** LIMIT and OFFSET are constants: a value from the data (a subquery) could be negative and fail the query. */
function constantLimit(x: Expr, cx: ExprContext, an: Analysis): void {
  const constant = (e: Expr): boolean => e.kind === 'literal' || (e.kind === 'cast' && constant(e.operand))
    || (e.kind === 'unary' && e.op !== 'NOT' && constant(e.operand));
  if (!constant(x)) {
    an.refuser.fail('limit-not-constant', 'LIMIT and OFFSET take a number, not a value computed from the data', x, {
      hint: 'write a number (or a template parameter)',
    });
  }
  analyzeExpr(x, cx);
}

/** DuckDB: a bare GROUP BY name is a FROM column first, then an output alias. */
function groupKey(g: Expr, scope: ColumnScope, aliases: readonly AliasItem[], columns: readonly OutColumn[], cx: ExprContext, an: Analysis): Taint {
  const n = ordinal(g, columns, an);
  if (n !== undefined) return n;
  if (g.kind === 'column' && g.table === undefined && !scope.hasOwnColumn(g.name)) {
    const alias = aliases.find((a) => sameName(a.name, g.name));
    if (alias !== undefined) return alias.info.taint;
  }
  return analyzeExpr(g, { ...cx, aliases: [] }).taint;
}

/** An aggregate outside window functions and subqueries makes the SELECT a grouping one. */
function hasAggregate(e: Expr): boolean {
  if (e.kind === 'window') return [...e.fn.args, ...e.partitionBy, ...e.orderBy.map((o) => o.expr)].some(hasAggregate);
  switch (e.kind) {
    case 'column': case 'literal': case 'parameter': case 'star': case 'subquery': case 'exists':
      return false;
    case 'function': return isAggregateName(e.name) || e.args.some(hasAggregate);
    case 'binary': return hasAggregate(e.left) || hasAggregate(e.right);
    case 'unary': case 'is-null': case 'cast': case 'in-subquery': return hasAggregate(e.operand);
    case 'in-list': return [e.operand, ...e.list].some(hasAggregate);
    case 'between': return [e.operand, e.low, e.high].some(hasAggregate);
    case 'case': return [...(e.operand ? [e.operand] : []), ...e.whens.flatMap((w) => [w.when, w.then]), ...(e.else ? [e.else] : [])].some(hasAggregate);
    default: return assertNever(e);
  }
}

function addRelation(r: Relation, env: Env, an: Analysis, entries: FromEntry[]): void {
  const push = (entry: FromEntry): void => {
    an.refuser.reserved(entry.alias, 'the name', r);
    if (entries.some((e) => e.alias === entry.alias)) {
      an.refuser.fail('duplicate-alias', `the name "${entry.alias}" is used for two relations in FROM`, r, {
        hint: 'give each table, CTE and subquery in FROM its own alias',
      });
    }
    entries.push(entry);
  };
  switch (r.kind) {
    case 'table': {
      an.refuser.reserved(r.name, 'the table name', r);
      const alias = (r.alias ?? r.name).toLowerCase();
      const cte = env.ctes.get(r.name.toLowerCase());
      if (cte !== undefined) return push({ alias, label: `CTE ${r.name}`, info: derived(cte, `CTE ${r.name}`), node: r });
      const table = tableOf(r, an);
      const id = an.occurrences.length;
      an.occurrences.push({ id, alias, table, node: r });
      return push({ alias, label: undefined, info: baseInfo(table, id), node: r });
    }
    case 'join': {
      addRelation(r.left, env, an, entries);
      addRelation(r.right, env, an, entries);
      if (r.on !== undefined) {
        requireCondition(an, analyzeExpr(r.on, exprContext(new ColumnScope([...entries], env.outer, an.refuser, env.siblings), [], env, an)), r.on, 'ON');
      }
      return;
    }
    case 'subquery-relation': {
      const info = analyzeQuery(r.query, { ctes: env.ctes, outer: env.outer, siblings: [...entries] }, an);
      return push({ alias: r.alias, label: `subquery ${r.alias}`, info: derived(info, `subquery ${r.alias}`), node: r });
    }
    default:
      return assertNever(r);
  }
}

/** An associated table whose rule is a custom rule (ruleKindOf has checked the rest). */
function tableOf(r: TableRef, an: Analysis): QueryTable {
  const table = findTable(an.ctx, r.name);
  if (table === undefined) {
    return an.refuser.fail('unknown-table', `table "${r.name}" is not associated with this collaboration nor a CTE in scope`, r, {
      hint: `tables you can name: ${an.ctx.tables.map((t) => t.sqlName).join(', ') || 'none'}`,
    });
  }
  if (table.rule?.kind !== 'custom') {
    an.refuser.fail(table.rule === undefined ? 'table-not-queryable' : 'mixed-rule-types',
      table.rule === undefined ? `${table.sqlName} has no analysis rule and cannot be queried` : `${table.sqlName} has a ${table.rule.kind} rule; all tables of a query need rules of one type`, r, {
        table: table.sqlName,
        hint: 'query tables with custom rules separately from tables with other rules',
      });
  }
  return table;
}

function baseInfo(table: QueryTable, id: number): RelInfo {
  return {
    columns: table.columns.map((c) => ({
      name: c.name.toLowerCase(), type: c.type, exact: true, taint: columnTaint(table, c.name),
      carrier: { table, column: c.name, occurrences: new Set([id]) },
    })),
    rowTaint: [],
    sources: new Set([id]),
  };
}

/** A CTE or subquery as a relation: its columns' paths gain `CTE base.email`. */
function derived(info: RelInfo, label: string): RelInfo {
  return {
    columns: info.columns.map((c) => ({ ...c, taint: step(c.taint, `${label}.${c.name ?? '?'}`) })),
    rowTaint: step(info.rowTaint, `rows of ${label}`),
    sources: info.sources,
  };
}
