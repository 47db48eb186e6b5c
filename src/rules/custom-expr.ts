import { assertNever } from '../sql/ast.ts';
import type { ColumnRef, Expr, FunctionCall, Query, SqlType } from '../sql/ast.ts';
import { categoryOfTypeName, inferType, type TypeCategory } from '../sql/types.ts';
import type { ColumnScope, CustomRefuser, OutColumn, RelInfo } from './custom-scope.ts';
import { sameName } from './custom-scope.ts';
import { aggregateCarriesValues, merge, step } from './custom-taint.ts';
import { COMPARISONS, isAggregateName } from './expr-utils.ts';

/**
 * One walk over an expression of a custom-rule query: resolves its names, refuses
 * unbound parameters and `*`, checks that comparisons and arithmetic need no implicit
 * cast, and returns its value taint (custom-taint.ts says where taint flows).
 */

export type ExprInfo = Omit<OutColumn, 'name'>;
export interface AliasItem {
  readonly name: string;
  readonly info: ExprInfo;
}
/** `columns`: SELECT, WHERE, ON, aggregate arguments; `alias-first`: HAVING, ORDER BY. */
export type NameMode = 'columns' | 'alias-first';

export interface ExprContext {
  readonly refuser: CustomRefuser;
  readonly scope: ColumnScope;
  /** Output aliases of the SELECT the expression is in. */
  readonly aliases: readonly AliasItem[];
  /** Analyses a nested query whose outer scope is `scope` (correlated references). */
  readonly subquery: (q: Query, scope: ColumnScope) => RelInfo;
}

const CLEAN: ExprInfo = { taint: [], type: undefined, exact: false, carrier: undefined };
/** Types of resolved references, so that src/sql/types.ts can infer expression types. */
const refTypes = new WeakMap<ColumnRef, string | undefined>();

const REPRESENTATIVE: Readonly<Record<TypeCategory, string | undefined>> = {
  numeric: 'DOUBLE', text: 'VARCHAR', date: 'DATE', timestamp: 'TIMESTAMP', boolean: 'BOOLEAN', null: undefined, unknown: undefined,
};
const SAME_TYPE_ARGS = new Set(['coalesce', 'least', 'greatest', 'nullif']);

export function analyzeExpr(e: Expr, cx: ExprContext, mode: NameMode = 'columns'): ExprInfo {
  const sub = (x: Expr): ExprInfo => analyzeExpr(x, cx, mode);
  const inferred = (taint: ExprInfo['taint']): ExprInfo => ({
    taint, type: REPRESENTATIVE[inferType(e, (r) => refTypes.get(r))], exact: false, carrier: undefined,
  });
  switch (e.kind) {
    case 'column':
      return resolveName(e, cx, mode);
    case 'literal':
      return inferred([]);
    case 'parameter':
      return cx.refuser.fail('unbound-parameter', `the parameter $${e.name} has no value`, e, {
        hint: 'bind every template parameter to a typed value before the query is validated',
      });
    case 'star':
      return cx.refuser.fail('select-star-not-allowed', '* is not allowed in custom-rule queries', e, {
        hint: 'name the columns you want (a * would also expose columns the clean room adds)',
      });
    case 'function':
      return inferred(functionTaint(e, cx, mode));
    case 'binary': {
      const l = sub(e.left);
      const r = sub(e.right);
      if (COMPARISONS.has(e.op) || e.op === 'IS DISTINCT FROM' || e.op === 'IS NOT DISTINCT FROM') requireComparable(cx, l, r, e);
      if (['+', '-', '*', '/', '%'].includes(e.op)) requireArithmetic(cx, e.op, l, r, e);
      return inferred(merge(l.taint, r.taint));
    }
    case 'unary':
    case 'is-null':
      return inferred(sub(e.operand).taint);
    case 'in-list': {
      const operand = sub(e.operand);
      const list = e.list.map(sub);
      list.forEach((x) => requireComparable(cx, operand, x, e));
      return inferred(merge(operand.taint, ...list.map((x) => x.taint)));
    }
    case 'between': {
      const [o, lo, hi] = [sub(e.operand), sub(e.low), sub(e.high)];
      requireComparable(cx, o, lo, e);
      requireComparable(cx, o, hi, e);
      return inferred(merge(o.taint, lo.taint, hi.taint));
    }
    case 'case': {
      const operand = e.operand !== undefined ? sub(e.operand) : undefined;
      const whens = e.whens.map((w) => ({ when: sub(w.when), then: sub(w.then) }));
      if (operand !== undefined) whens.forEach((w) => requireComparable(cx, operand, w.when, e));
      const results = [...whens.map((w) => w.then), ...(e.else !== undefined ? [sub(e.else)] : [])];
      results.forEach((x) => results.forEach((y) => requireComparable(cx, x, y, e, 'CASE')));
      return inferred(merge(operand?.taint ?? [], ...whens.flatMap((w) => [w.when.taint, w.then.taint]), ...results.map((x) => x.taint)));
    }
    case 'cast':
      return { taint: sub(e.operand).taint, type: typeName(e.type), exact: false, carrier: undefined };
    case 'window': {
      const fn = functionTaint(e.fn, cx, 'columns');
      const partition = e.partitionBy.map((p) => step(sub(p).taint, 'window PARTITION BY'));
      const order = e.orderBy.map((o) => step(sub(o.expr).taint, 'window ORDER BY'));
      for (const b of e.frame !== undefined ? [e.frame.start, e.frame.end] : []) {
        if (b.type === 'preceding' || b.type === 'following') sub(b.offset);
      }
      return inferred(merge(fn, ...partition, ...order));
    }
    case 'subquery': {
      const info = oneColumn(cx.subquery(e.query, cx.scope), cx, e);
      return { ...info.column, taint: step(merge(info.column.taint, info.rowTaint), 'scalar subquery'), carrier: undefined };
    }
    case 'exists':
      cx.subquery(e.query, cx.scope);
      return { ...CLEAN, type: 'BOOLEAN' };
    case 'in-subquery': {
      const operand = sub(e.operand);
      const info = oneColumn(cx.subquery(e.query, cx.scope), cx, e);
      requireComparable(cx, operand, info.column, e);
      return { ...CLEAN, type: 'BOOLEAN', taint: merge(operand.taint, step(info.column.taint, 'IN subquery')) };
    }
    default:
      return assertNever(e);
  }
}

function functionTaint(f: FunctionCall, cx: ExprContext, mode: NameMode): ExprInfo['taint'] {
  const aggregate = isAggregateName(f.name);
  // Inside an aggregate, names are columns, never output aliases.
  const args = f.args.map((a) => analyzeExpr(a, cx, aggregate ? 'columns' : mode));
  if (SAME_TYPE_ARGS.has(f.name)) args.forEach((x) => args.forEach((y) => requireComparable(cx, x, y, f, f.name.toUpperCase())));
  if (!aggregate) return merge(...args.map((a) => a.taint));
  if (!aggregateCarriesValues(f.name)) return [];
  return step(merge(...args.map((a) => a.taint)), `${f.name.toUpperCase()}()`);
}

function resolveName(ref: ColumnRef, cx: ExprContext, mode: NameMode): ExprInfo {
  cx.refuser.reserved(ref.name, 'the column', ref);
  if (ref.table !== undefined) cx.refuser.reserved(ref.table, 'the name', ref);
  if (ref.table === undefined) {
    const outputs = cx.aliases.filter((a) => sameName(a.name, ref.name));
    const first = outputs[0];
    if (first !== undefined && (mode === 'alias-first' || !cx.scope.hasOwnColumn(ref.name))) {
      if (mode === 'columns') {
        // DuckDB would bind it to the output alias or to an outer query's column.
        cx.refuser.fail('alias-reference-not-allowed', `"${ref.name}" names an output of this SELECT, which cannot be used here`, ref, {
          hint: 'repeat the expression, or compute it in a subquery or CTE first',
        });
      }
      if (outputs.length > 1) {
        cx.refuser.fail('ambiguous-column', `"${ref.name}" names several outputs`, ref, { hint: 'give each output its own alias' });
      }
      refTypes.set(ref, first.info.type);
      return first.info;
    }
  }
  const { column } = cx.scope.resolve(ref);
  refTypes.set(ref, column.type);
  return { taint: column.taint, type: column.type, exact: column.exact, carrier: column.carrier };
}

function oneColumn(info: RelInfo, cx: ExprContext, at: Expr): { column: ExprInfo; rowTaint: RelInfo['rowTaint'] } {
  const [column, extra] = info.columns;
  if (column === undefined || extra !== undefined) {
    return cx.refuser.fail('subquery-columns', 'this subquery must return exactly one column', at, { hint: 'select one expression in it' });
  }
  return { column, rowTaint: info.rowTaint };
}

function typeName(t: SqlType): string {
  return t.name === 'DECIMAL' ? `DECIMAL(${t.width},${t.scale})` : t.name;
}

const category = (x: ExprInfo): TypeCategory => (x.type === undefined ? 'unknown' : categoryOfTypeName(x.type));
const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER']);
const FLOAT_TYPES = new Set(['FLOAT', 'REAL', 'DOUBLE']);

/**
 * As check-context.ts requireComparable: one type category on both sides (no implicit
 * cast that could fail on a value), and two columns of one exact type (DECIMAL widths
 * differ by a cast that can overflow); integers and floats of different widths widen.
 */
export function requireComparable(cx: Pick<ExprContext, 'refuser'>, a: ExprInfo, b: ExprInfo, at: Expr, what = 'comparison'): void {
  const [l, r] = [category(a), category(b)];
  const temporal = (c: TypeCategory): boolean => c === 'date' || c === 'timestamp';
  if (l !== r && l !== 'unknown' && r !== 'unknown' && !(temporal(l) && temporal(r))) {
    cx.refuser.fail('type-mismatch', `this ${what} mixes ${l} and ${r}; the clean room does not rely on implicit casts`, at, {
      hint: `cast one side explicitly, e.g. CAST(x AS ${l === 'text' || r === 'text' ? 'VARCHAR' : 'DOUBLE'})`,
    });
  }
  if (!a.exact || !b.exact || a.type === undefined || b.type === undefined) return;
  const [x, y] = [a.type.toUpperCase().replaceAll(' ', ''), b.type.toUpperCase().replaceAll(' ', '')];
  if (x === y || (INTEGER_TYPES.has(x) && INTEGER_TYPES.has(y)) || (FLOAT_TYPES.has(x) && FLOAT_TYPES.has(y))) return;
  if (l !== 'numeric') return;
  cx.refuser.fail('type-mismatch', `this ${what} needs columns of one type, not ${x} and ${y}`, at, {
    hint: 'cast both sides to one type, or ask the owners to align the column types',
  });
}

/** Text or booleans in arithmetic would be cast implicitly (and can fail on a value). */
function requireArithmetic(cx: ExprContext, op: string, a: ExprInfo, b: ExprInfo, at: Expr): void {
  const bad = new Set<TypeCategory>(op === '+' || op === '-' ? ['text', 'boolean'] : ['text', 'boolean', 'date', 'timestamp']);
  const c = [category(a), category(b)].find((x) => bad.has(x));
  if (c === undefined) return;
  cx.refuser.fail('type-mismatch', `${op} cannot be applied to ${c}`, at, {
    hint: op === '+' || op === '-' ? 'use numbers, or a date/timestamp with an INTERVAL' : 'use numbers',
  });
}
