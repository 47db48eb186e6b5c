import { assertNever } from '../sql/ast.ts';
import type { ColumnRef, Expr, FrameBound, FunctionCall, Query, ScalarSubquery, SqlType } from '../sql/ast.ts';
import { inferType, type TypeCategory } from '../sql/types.ts';
import type { ColumnScope, CustomRefuser, OutColumn, RelInfo, Taint } from './custom-scope.ts';
import { JOIN_EQUALITY_REFS, sameName } from './custom-scope.ts';
import { aggregateCarriesValues, merge, step } from './custom-taint.ts';
import { COMPARISONS, isAggregateName } from './expr-utils.ts';
import { containsUnguardable, isUnguardable, numTypeName, numTypeOf, sumSafe } from './custom-numeric.ts';
import { castProblem, sideKey, staticType, typeCategory, unificationProblem, type CastProblem } from './implicit-casts.ts';
import type { CustomNumericFacts } from './validated-query.ts';

/**
 * One walk over an expression of a custom-rule query: resolves its names, refuses
 * unbound parameters and `*`, checks that nothing needs an implicit cast that can fail
 * on a value (comparisons, CASE, COALESCE, arithmetic, BOOLEAN conditions, LAG/LEAD
 * arguments, window frames; custom-numeric.ts types the values), and returns its value
 * taint (custom-taint.ts says where taint flows).
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
  readonly subquery: (q: Query, scope: ColumnScope) => { readonly info: RelInfo; readonly correlated: Taint };
  /** Filled for the planner's numeric rewrite (custom-numeric.ts). */
  readonly facts: MutableNumericFacts;
}

export interface MutableNumericFacts extends CustomNumericFacts {
  readonly exactSums: Set<FunctionCall>;
  readonly numericValues: Set<Expr>;
  /** staticType's results for this statement (analyzeNode types a node after its children). */
  readonly staticTypes?: WeakMap<Expr, string | undefined>;
}

export function emptyNumericFacts(): MutableNumericFacts {
  return { exactSums: new Set(), numericValues: new Set(), staticTypes: new WeakMap() };
}

const CLEAN: ExprInfo = { taint: [], type: undefined, exact: false, carrier: undefined };
/** Types of resolved references and scalar subqueries, so that expression types can be inferred. */
const refTypes = new WeakMap<ColumnRef, string | undefined>();
const subqueryTypes = new WeakMap<ScalarSubquery, string | undefined>();
const known = (x: ColumnRef | ScalarSubquery): string | undefined => (x.kind === 'column' ? refTypes.get(x) : subqueryTypes.get(x));

const REPRESENTATIVE: Readonly<Record<TypeCategory, string | undefined>> = {
  numeric: 'DOUBLE', text: 'VARCHAR', date: 'DATE', timestamp: 'TIMESTAMP', boolean: 'BOOLEAN', null: undefined, unknown: undefined,
};
const SAME_TYPE_ARGS = new Set(['coalesce', 'least', 'greatest', 'nullif']);

const columnType = (r: ColumnRef): string | undefined => refTypes.get(r);

/**
 * A type name for OutColumn.type: DuckDB's static type when known (custom-numeric.ts
 * `staticType`), else a representative of the inferred category (`NUMERIC`: a number
 * of unknown width).
 */
function typeOf(e: Expr, category: TypeCategory, memo?: WeakMap<Expr, string | undefined>): string | undefined {
  const exact = staticType(e, known, memo);
  if (exact !== undefined) return exact;
  if (category === 'null') return 'NULL';
  if (category !== 'numeric') return REPRESENTATIVE[category];
  const t = numTypeOf(e, columnType);
  return t === undefined ? 'NUMERIC' : numTypeName(t);
}

export function analyzeExpr(e: Expr, cx: ExprContext, mode: NameMode = 'columns'): ExprInfo {
  const info = analyzeNode(e, cx, mode);
  if (isUnguardable(e) && (category(info) === 'numeric' || numTypeOf(e, columnType) !== undefined)) cx.facts.numericValues.add(e);
  return info;
}

function analyzeNode(e: Expr, cx: ExprContext, mode: NameMode): ExprInfo {
  const sub = (x: Expr): ExprInfo => analyzeExpr(x, cx, mode);
  const inferred = (taint: ExprInfo['taint']): ExprInfo => ({
    taint, type: typeOf(e, inferType(e, columnType), cx.facts.staticTypes), exact: false, carrier: undefined,
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
      if (e.op === '=' && e.left.kind === 'column' && e.right.kind === 'column') {
        JOIN_EQUALITY_REFS.add(e.left);
        JOIN_EQUALITY_REFS.add(e.right);
      }
      const l = sub(e.left);
      const r = sub(e.right);
      if (e.op === 'AND' || e.op === 'OR') {
        requireCondition(cx, l, e.left, `${e.op} operand`);
        requireCondition(cx, r, e.right, `${e.op} operand`);
      }
      if (COMPARISONS.has(e.op) || e.op === 'IS DISTINCT FROM' || e.op === 'IS NOT DISTINCT FROM') requireComparable(cx, l, r, e, 'comparison', [e.left, e.right]);
      if (['+', '-', '*', '/', '%'].includes(e.op)) requireArithmetic(cx, e.op, l, r, e);
      if ((e.op === '+' || e.op === '-') && containsUnguardable(e) && [l, r].some((x) => ['date', 'timestamp', 'unknown'].includes(category(x)))) {
        refuseUnguardedDate(cx, e);
      }
      if ((e.op === '*' || e.op === '/') && [l, r].some((x) => category(x) === 'unknown')) requireIntervalScaling(cx, e);
      return inferred(merge(l.taint, r.taint));
    }
    case 'unary': {
      const operand = sub(e.operand);
      if (e.op === 'NOT') requireCondition(cx, operand, e.operand, 'NOT');
      return inferred(operand.taint);
    }
    case 'is-null':
      return inferred(sub(e.operand).taint);
    case 'in-list': {
      const operand = sub(e.operand);
      const list = e.list.map(sub);
      // DuckDB makes the operand and every item one type: each pair must unify safely
      // (pairs of distinct kinds only: an IN list may have thousands of literals).
      const kinds = distinctKinds([e.operand, ...e.list].map((x, i) => ({ info: i === 0 ? operand : list[i - 1] ?? operand, expr: x })));
      kinds.forEach((x, i) => kinds.slice(i + 1).forEach((y) => requireComparable(cx, x.info, y.info, e, 'IN list', [x.expr, y.expr])));
      return inferred(merge(operand.taint, ...list.map((x) => x.taint)));
    }
    case 'between': {
      const [o, lo, hi] = [sub(e.operand), sub(e.low), sub(e.high)];
      requireComparable(cx, o, lo, e, 'BETWEEN', [e.operand, e.low]);
      requireComparable(cx, o, hi, e, 'BETWEEN', [e.operand, e.high]);
      requireComparable(cx, lo, hi, e, 'BETWEEN', [e.low, e.high]);
      return inferred(merge(o.taint, lo.taint, hi.taint));
    }
    case 'case': {
      const operand = e.operand !== undefined ? sub(e.operand) : undefined;
      const whens = e.whens.map((w) => ({ when: sub(w.when), then: sub(w.then) }));
      // DuckDB reads `CASE x WHEN a` as `CASE WHEN x = a`: one comparison per WHEN.
      if (operand !== undefined) whens.forEach((w, i) => requireComparable(cx, operand, w.when, e, 'CASE', [e.operand, e.whens[i]?.when]));
      else whens.forEach((w, i) => requireCondition(cx, w.when, e.whens[i]?.when ?? e, 'CASE WHEN'));
      const resultExprs = [...e.whens.map((w) => w.then), ...(e.else !== undefined ? [e.else] : [])];
      const results = [...whens.map((w) => w.then), ...(e.else !== undefined ? [sub(e.else)] : [])];
      results.forEach((x, i) => results.forEach((y, j) => requireComparable(cx, x, y, e, 'CASE', [resultExprs[i], resultExprs[j]])));
      return inferred(merge(operand?.taint ?? [], ...whens.flatMap((w) => [w.when.taint, w.then.taint]), ...results.map((x) => x.taint)));
    }
    case 'cast':
      return { taint: sub(e.operand).taint, type: typeName(e.type), exact: false, carrier: undefined };
    case 'window': {
      const fn = functionTaint(e.fn, cx, 'columns');
      const partition = e.partitionBy.map((p) => step(sub(p).taint, 'window PARTITION BY'));
      const order = e.orderBy.map((o) => step(sub(o.expr).taint, 'window ORDER BY'));
      for (const b of e.frame !== undefined ? [e.frame.start, e.frame.end] : []) {
        if (b.type === 'preceding' || b.type === 'following') {
          sub(b.offset);
          requireFrameOffset(cx, e.frame?.units ?? 'rows', b);
        }
      }
      return inferred(merge(fn, ...partition, ...order));
    }
    case 'subquery': {
      const { info: rel, correlated } = cx.subquery(e.query, cx.scope);
      const info = oneColumn(rel, cx, e);
      subqueryTypes.set(e, info.column.type);
      return { ...info.column, taint: step(merge(info.column.taint, info.rowTaint, step(correlated, 'correlated reference')), 'scalar subquery'), carrier: undefined };
    }
    case 'exists': {
      // An uncorrelated EXISTS is a filter-like fact; a correlated one is a value per row.
      const { correlated } = cx.subquery(e.query, cx.scope);
      return { ...CLEAN, type: 'BOOLEAN', taint: step(step(correlated, 'correlated reference'), 'EXISTS') };
    }
    case 'in-subquery': {
      const operand = sub(e.operand);
      const { info: rel, correlated } = cx.subquery(e.query, cx.scope);
      const info = oneColumn(rel, cx, e);
      requireComparable(cx, operand, info.column, e, 'IN subquery', [e.operand, undefined]);
      return { ...CLEAN, type: 'BOOLEAN', taint: merge(operand.taint, step(merge(info.column.taint, step(correlated, 'correlated reference')), 'IN subquery')) };
    }
    default:
      return assertNever(e);
  }
}

/** Date functions that raise on out-of-range dates; the printer guards them with TRY only. */
const DATE_FUNCTIONS = new Set(['dateadd', 'date_trunc', 'date_diff']);
/** Integer arguments (0-based) that an implicit cast would take from a wide value. */
const INTEGER_ARGUMENTS: Readonly<Record<string, readonly number[]>> = { substring: [1, 2], round: [1], lag: [1, 2], lead: [1, 2] };

function refuseUnguardedDate(cx: ExprContext, at: Expr): never {
  return cx.refuser.fail('unguarded-date-arithmetic',
    'date and time arithmetic cannot take an aggregate, window or subquery value here (the engine cannot guard it against out-of-range dates)', at, {
      hint: 'compute the aggregate in a subquery or CTE and do the date arithmetic in the outer query, or inside the aggregate',
    });
}

function functionTaint(f: FunctionCall, cx: ExprContext, mode: NameMode): ExprInfo['taint'] {
  const aggregate = isAggregateName(f.name);
  // Inside an aggregate, names are columns, never output aliases.
  const args = f.args.map((a) => analyzeExpr(a, cx, aggregate ? 'columns' : mode));
  if (DATE_FUNCTIONS.has(f.name) && f.args.some(containsUnguardable)) refuseUnguardedDate(cx, f);
  for (const i of INTEGER_ARGUMENTS[f.name] ?? []) {
    const a = f.args[i];
    if (a !== undefined && containsUnguardable(a)) {
      cx.refuser.fail('unguarded-argument', `argument ${i + 1} of ${f.name.toUpperCase()} cannot be an aggregate, window or subquery value (an out-of-range value would make the query fail)`, a, {
        hint: 'compute the value in a subquery or CTE first, or use a constant',
      });
    }
  }
  const first = f.args[0];
  if ((f.name === 'sum' || f.name === 'avg') && first !== undefined && sumSafe(numTypeOf(first, columnType))) cx.facts.exactSums.add(f);
  if (SAME_TYPE_ARGS.has(f.name)) {
    args.forEach((x, i) => args.forEach((y, j) => requireComparable(cx, x, y, f, f.name.toUpperCase(), [f.args[i], f.args[j]])));
  }
  if (f.name === 'lag' || f.name === 'lead') requireWindowArguments(cx, f, args);
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

const category = (x: ExprInfo): TypeCategory => typeCategory(x.type);
const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER']);
const FLOAT_TYPES = new Set(['FLOAT', 'REAL', 'DOUBLE']);

/** One value per kind that requireComparable tells apart (type, exactness, literal digits). */
function distinctKinds(values: readonly { info: ExprInfo; expr: Expr }[]): { info: ExprInfo; expr: Expr }[] {
  const seen = new Map<string, { info: ExprInfo; expr: Expr }>();
  for (const v of values) {
    const key = `${v.info.type ?? '?'}|${v.info.exact}|${sideKey(v.expr)}`;
    if (!seen.has(key)) seen.set(key, v);
  }
  return [...seen.values()];
}

function refuseCast(cx: Pick<ExprContext, 'refuser'>, code: string, problem: CastProblem, at: Expr): never {
  return cx.refuser.fail(code, problem.message, at, { hint: problem.hint });
}

/**
 * Two values the engine makes one type (comparison, IN, BETWEEN, CASE, COALESCE, set
 * operation): no implicit cast that could fail on a value (custom-numeric.ts
 * `unificationProblem`: categories, DATE vs TIMESTAMP, DECIMAL widths, text vs an
 * unknown type), and two columns of one exact type (DECIMAL widths differ by a cast
 * that can overflow); integers and floats of different widths widen. `sides` are the
 * two expressions when they are operands (literals and planner casts count).
 */
export function requireComparable(
  cx: Pick<ExprContext, 'refuser'>, a: ExprInfo, b: ExprInfo, at: Expr, what = 'comparison',
  sides: readonly [Expr | undefined, Expr | undefined] = [undefined, undefined],
): void {
  const [ea, eb] = sides;
  const problem = unificationProblem(what, { type: a.type, ...(ea !== undefined ? { expr: ea } : {}) }, { type: b.type, ...(eb !== undefined ? { expr: eb } : {}) });
  if (problem !== undefined) refuseCast(cx, 'type-mismatch', problem, at);
  if (!a.exact || !b.exact || a.type === undefined || b.type === undefined) return;
  const [x, y] = [a.type.toUpperCase().replaceAll(' ', ''), b.type.toUpperCase().replaceAll(' ', '')];
  if (x === y || (INTEGER_TYPES.has(x) && INTEGER_TYPES.has(y)) || (FLOAT_TYPES.has(x) && FLOAT_TYPES.has(y))) return;
  if (category(a) !== 'numeric') return;
  cx.refuser.fail('type-mismatch', `this ${what} needs columns of one type, not ${x} and ${y}`, at, {
    hint: 'cast both sides to one type, or ask the owners to align the column types',
  });
}

/**
 * WHERE, ON, HAVING, CASE WHEN and the operands of NOT, AND, OR take a BOOLEAN: DuckDB
 * would cast any other value to BOOLEAN row by row and fail on a value that is not
 * true/false, and AND evaluates its right side only on the rows its left side keeps, so
 * the failure tells whether such a row exists.
 */
export function requireCondition(cx: Pick<ExprContext, 'refuser'>, info: ExprInfo, e: Expr, where: string): void {
  const c = category(info);
  if (c === 'boolean' || c === 'null') return;
  const typed = info.type !== undefined && c !== 'text' ? ` (${info.type})` : '';
  const what = c === 'unknown' ? `a value of ${info.type !== undefined ? `type ${info.type}` : 'unknown type'}`
    : `${c === 'numeric' ? 'a number' : c === 'text' ? 'text' : `a ${c}`}${typed}`;
  cx.refuser.fail('condition-not-boolean', `${where} needs a boolean condition, but this expression is ${what}; the engine would convert each value to BOOLEAN and fail on values that are not true or false`, e, {
    hint: "write a comparison, e.g. x = 'yes', x <> 0 or x IS NOT NULL (or CAST(x AS BOOLEAN), printed as TRY_CAST, which cannot fail)",
  });
}

/**
 * A BIGINT integer literal, possibly signed, or a bound integer parameter (a cast of one,
 * printed TRY_CAST). A wider literal is cast to BIGINT only when rows reach it.
 */
function isIntegerConstant(e: Expr): boolean {
  if (e.kind === 'unary' && e.op !== 'NOT') return isIntegerConstant(e.operand);
  if (e.kind === 'cast') return ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT'].includes(e.type.name) && isIntegerConstant(e.operand);
  return e.kind === 'literal' && e.value.type === 'integer' && e.value.value.replace('-', '').length <= 18;
}

/**
 * LAG/LEAD: the engine casts the offset to BIGINT and the default to the value's type,
 * row by row (`LAG(x, text_col)`, `LEAD(int_col, 1, bigint_col)` fail on some rows).
 */
function requireWindowArguments(cx: ExprContext, f: FunctionCall, args: readonly ExprInfo[]): void {
  const [value, offset, dflt] = f.args;
  const name = f.name.toUpperCase();
  if (offset !== undefined && !isIntegerConstant(offset)) {
    cx.refuser.fail('window-argument-type', `the offset of ${name} must be an integer literal; the engine would convert this value to BIGINT row by row, which fails on some values`, offset, {
      hint: `write a number, e.g. ${name}(x, 2), or an integer template parameter`,
    });
  }
  const [valueInfo, , dfltInfo] = args;
  if (value === undefined || dflt === undefined || valueInfo === undefined || dfltInfo === undefined) return;
  const problem = castProblem({ type: dfltInfo.type, expr: dflt }, { type: valueInfo.type, expr: value });
  if (problem !== undefined) {
    refuseCast(cx, 'window-argument-type', { ...problem, message: `the default of ${name}: ${problem.message}` }, dflt);
  }
}

/**
 * ROWS offsets are integer literals (a column would be cast to BIGINT row by row); RANGE
 * frames take no offset: the engine adds it to each ORDER BY value, which overflows at
 * the ends of the type's range (and converts a DATE to TIMESTAMP for an INTERVAL).
 */
function requireFrameOffset(cx: ExprContext, units: 'rows' | 'range', b: Extract<FrameBound, { offset: Expr }>): void {
  if (units === 'range') {
    cx.refuser.fail('window-frame-offset', 'RANGE frames with an offset are not allowed: the engine computes each ORDER BY value plus or minus the offset, which fails at the ends of the value\'s range', b.offset, {
      hint: 'use ROWS BETWEEN n PRECEDING AND CURRENT ROW, or RANGE with UNBOUNDED PRECEDING/FOLLOWING and CURRENT ROW',
    });
  }
  if (!isIntegerConstant(b.offset)) {
    cx.refuser.fail('window-frame-offset', 'a ROWS frame offset must be an integer literal; the engine would convert this value to BIGINT row by row, which fails on some values', b.offset, {
      hint: 'write a number, e.g. ROWS BETWEEN 6 PRECEDING AND CURRENT ROW, or an integer template parameter',
    });
  }
}

/**
 * INTERVAL * n and INTERVAL / n overflow on large products and small divisors. `*` is
 * printed inside TRY, which cannot wrap an aggregate, window or subquery; `/` is never
 * (the printer cannot tell an INTERVAL from a number), so its divisor is an integer literal.
 */
function requireIntervalScaling(cx: ExprContext, e: Extract<Expr, { kind: 'binary' }>): void {
  if (containsUnguardable(e)) refuseUnguardedDate(cx, e);
  if (e.op === '/' && !isIntegerConstant(e.right)) {
    cx.refuser.fail('unguarded-date-arithmetic', 'an INTERVAL can be divided only by an integer literal: the engine\'s INTERVAL division overflows for small divisors', e.right, {
      hint: 'divide by a whole number, e.g. (a - b) / 2, or compare date_diff(...) values instead',
    });
  }
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
