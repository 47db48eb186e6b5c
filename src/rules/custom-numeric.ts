import { assertNever } from '../sql/ast.ts';
import type { ColumnRef, Expr, FunctionCall, SqlType } from '../sql/ast.ts';
import { isAggregateName } from './expr-utils.ts';

/**
 * No data-dependent failure inside custom SQL (RULES.md "Shared to all rule types"): the
 * facts the validator hands to the planner (plan/custom-numeric-safety.ts), which does the
 * rewriting. DuckDB cannot wrap an aggregate, a window call or a scalar subquery in
 * TRY(...), so around them the printer's guards do not apply:
 *
 * - SUM/AVG (plain or windowed) over a value whose sum can overflow raise (HUGEINT,
 *   DECIMAL(38,s), a product of wide values). The planner sums over DOUBLE unless the
 *   argument's static type is *sum-safe*: an integer of at most 64 bits (its sum is a
 *   HUGEINT: 10^19 rows to overflow), a DECIMAL(p<=18) (DECIMAL(38,s): 10^20 rows), FLOAT
 *   or DOUBLE. The static type follows DuckDB's typing of columns, casts, literals, CASE
 *   and COALESCE (a DECIMAL(12,2) price and a literal 0 are still DECIMAL(12,2)), so the
 *   sums an analyst writes over money columns stay exact.
 * - An aggregate, window or subquery value used as an operand (arithmetic, unary minus,
 *   ABS/ROUND and other scalar functions, comparisons, IN, BETWEEN, CASE, COALESCE, ...)
 *   is cast to DOUBLE when it is numeric, so nothing around it can overflow or fail an
 *   implicit cast (`SUM(x) * SUM(y)`, `-MIN(bigint)`, `SUM(dec38_30) = 1000000000`).
 *
 * The type model is conservative: when it cannot tell, the answer is "not sum-safe"
 * (DOUBLE, approximate, never an error).
 */

/** An exact numeric type as DuckDB types it: DECIMAL(p,s), or an integer of p digits (`unsigned`: UTINYINT ... UHUGEINT). */
export type NumType =
  | { readonly kind: 'exact'; readonly p: number; readonly s: number; readonly integer: boolean; readonly unsigned?: boolean }
  | { readonly kind: 'float' }
  | { readonly kind: 'null' };

const INTEGER_DIGITS: Readonly<Record<string, number>> = {
  TINYINT: 3, INT1: 3, SMALLINT: 5, INT2: 5, SHORT: 5, INTEGER: 10, INT: 10, INT4: 10, SIGNED: 10, BIGINT: 19, INT8: 19, LONG: 19,
  UTINYINT: 3, USMALLINT: 5, UINTEGER: 10, UBIGINT: 20, HUGEINT: 39, INT128: 39, UHUGEINT: 39, UINT128: 39,
};
const UNSIGNED = new Set(['UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT', 'UINT128']);
const FLOATS = new Set(['FLOAT', 'FLOAT4', 'REAL', 'DOUBLE', 'FLOAT8', 'DOUBLE PRECISION']);
export const FLOAT32 = new Set(['FLOAT', 'FLOAT4', 'REAL']);
const DECIMAL_TYPE = /^(?:DECIMAL|NUMERIC)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$/;

/** The numeric type of an engine type name; undefined when not numeric or not known. */
export function numTypeOfName(typeName: string | undefined): NumType | undefined {
  if (typeName === undefined) return undefined;
  const t = typeName.trim().toUpperCase();
  if (t === 'NULL') return { kind: 'null' };
  const digits = INTEGER_DIGITS[t];
  if (digits !== undefined) return { kind: 'exact', p: digits, s: 0, integer: true, ...(UNSIGNED.has(t) ? { unsigned: true } : {}) };
  if (FLOATS.has(t)) return { kind: 'float' };
  const d = DECIMAL_TYPE.exec(t);
  if (d === null) return undefined;
  return { kind: 'exact', p: Number(d[1]), s: d[2] === undefined ? 0 : Number(d[2]), integer: false };
}

/** The engine type name of a numeric type, for OutColumn.type. */
export function numTypeName(t: NumType): string {
  switch (t.kind) {
    case 'float': return 'DOUBLE';
    case 'null': return 'NULL';
    case 'exact': {
      if (!t.integer) return `DECIMAL(${t.p},${t.s})`;
      if (t.unsigned === true) return t.p >= 39 ? 'UHUGEINT' : t.p >= 20 ? 'UBIGINT' : t.p >= 10 ? 'UINTEGER' : t.p >= 5 ? 'USMALLINT' : 'UTINYINT';
      const name = Object.entries(INTEGER_DIGITS).find(([n, p]) => p === t.p && ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UBIGINT', 'HUGEINT'].includes(n));
      return name?.[0] ?? 'HUGEINT';
    }
    default: return assertNever(t);
  }
}

/** SUM/AVG over a value of this type cannot realistically raise. */
export function sumSafe(t: NumType | undefined): boolean {
  if (t === undefined) return false;
  if (t.kind === 'float') return true;
  if (t.kind === 'null') return true;
  return t.integer ? t.p <= 20 : t.p <= 18;
}

/** Aggregate calls, window calls and scalar subqueries: no TRY can wrap them. */
export function isUnguardable(e: Expr): boolean {
  return e.kind === 'window' || e.kind === 'subquery' || (e.kind === 'function' && isAggregateName(e.name));
}

/** True when TRY cannot wrap the subtree (it holds an aggregate, window or subquery). */
export function containsUnguardable(e: Expr): boolean {
  switch (e.kind) {
    case 'column': case 'literal': case 'parameter': case 'star': return false;
    case 'function': return isAggregateName(e.name) || e.args.some(containsUnguardable);
    case 'window': case 'subquery': case 'exists': case 'in-subquery': return true;
    case 'binary': return containsUnguardable(e.left) || containsUnguardable(e.right);
    case 'unary': case 'is-null': case 'cast': return containsUnguardable(e.operand);
    case 'in-list': return [e.operand, ...e.list].some(containsUnguardable);
    case 'between': return [e.operand, e.low, e.high].some(containsUnguardable);
    case 'case':
      return [...(e.operand ? [e.operand] : []), ...e.whens.flatMap((w) => [w.when, w.then]), ...(e.else ? [e.else] : [])].some(containsUnguardable);
    default: return assertNever(e);
  }
}

/** DuckDB's common type of two values (CASE branches, COALESCE arguments, ...). */
export function unify(a: NumType | undefined, b: NumType | undefined): NumType | undefined {
  if (a === undefined || b === undefined) return undefined;
  if (a.kind === 'null') return b;
  if (b.kind === 'null') return a;
  if (a.kind === 'float' || b.kind === 'float') return { kind: 'float' };
  if (a.integer && b.integer) return a.p >= b.p ? a : b;
  const s = Math.max(a.s, b.s);
  const p = s + Math.max(a.p - a.s, b.p - b.s);
  return { kind: 'exact', p, s, integer: false };
}

function ofSqlType(t: SqlType): NumType | undefined {
  return t.name === 'DECIMAL' ? { kind: 'exact', p: t.width, s: t.scale, integer: false } : numTypeOfName(t.name);
}

export function integerLiteral(text: string): NumType {
  const v = BigInt(text);
  if (v >= -(2n ** 31n) && v < 2n ** 31n) return { kind: 'exact', p: 10, s: 0, integer: true };
  if (v >= -(2n ** 63n) && v < 2n ** 63n) return { kind: 'exact', p: 19, s: 0, integer: true };
  return { kind: 'exact', p: 39, s: 0, integer: true };
}

export const BIGINT: NumType = { kind: 'exact', p: 19, s: 0, integer: true };
export const FLOAT: NumType = { kind: 'float' };
const COUNTS = new Set(['count', 'row_number', 'rank', 'dense_rank', 'length', 'date_diff']);
const PASS = new Set(['min', 'max', 'any_value', 'lag', 'lead', 'abs']);
const UNIFYING = new Set(['coalesce', 'least', 'greatest']);

/**
 * The static numeric type of an expression *after* the planner's rewrite (an unguardable
 * numeric operand becomes DOUBLE); undefined when not numeric or not known.
 */
export function numTypeOf(e: Expr, columnType: (ref: ColumnRef) => string | undefined): NumType | undefined {
  const t = (x: Expr): NumType | undefined => numTypeOf(x, columnType);
  // A numeric operand the planner casts to DOUBLE.
  const operand = (x: Expr): NumType | undefined => (isUnguardable(x) && t(x) !== undefined ? FLOAT : t(x));
  switch (e.kind) {
    case 'column': return numTypeOfName(columnType(e));
    case 'literal':
      switch (e.value.type) {
        case 'null': return { kind: 'null' };
        case 'integer': return integerLiteral(e.value.value);
        case 'double': return FLOAT;
        default: return undefined;
      }
    case 'cast': return ofSqlType(e.type);
    case 'window': return t(e.fn);
    case 'function': return functionType(e, t);
    case 'binary': {
      if (!['+', '-', '*', '/', '%'].includes(e.op)) return undefined;
      const [l, r] = [operand(e.left), operand(e.right)];
      if (l === undefined || r === undefined) return undefined;
      if (l.kind === 'float' || r.kind === 'float') return FLOAT;
      if (e.op === '/') return l.kind === 'exact' && r.kind === 'exact' && l.integer && r.integer ? FLOAT : undefined;
      if (l.kind === 'exact' && r.kind === 'exact' && l.integer && r.integer) return unify(l, r);
      return undefined;
    }
    case 'unary': return e.op === 'NOT' ? undefined : operand(e.operand);
    case 'case': {
      const results = [...e.whens.map((w) => w.then), ...(e.else !== undefined ? [e.else] : [])];
      return results.map(operand).reduce<NumType | undefined>((a, b) => unify(a, b), { kind: 'null' });
    }
    case 'parameter': case 'star': case 'subquery': case 'exists': case 'in-subquery':
    case 'is-null': case 'in-list': case 'between':
      return undefined;
    default: return assertNever(e);
  }
}

function functionType(f: FunctionCall, t: (x: Expr) => NumType | undefined): NumType | undefined {
  if (COUNTS.has(f.name)) return BIGINT;
  if (f.name === 'avg' || f.name === 'stddev') return FLOAT;
  const first = f.args[0];
  if (f.name === 'sum') {
    const a = first === undefined ? undefined : t(first);
    if (!sumSafe(a)) return FLOAT; // the planner sums over DOUBLE
    if (a?.kind === 'exact') return a.integer ? { kind: 'exact', p: 39, s: 0, integer: true } : { kind: 'exact', p: 38, s: a.s, integer: false };
    return a;
  }
  if (PASS.has(f.name)) return first === undefined ? undefined : (isUnguardable(first) && t(first) !== undefined ? FLOAT : t(first));
  if (UNIFYING.has(f.name)) {
    return f.args.map((x) => (isUnguardable(x) && t(x) !== undefined ? FLOAT : t(x))).reduce<NumType | undefined>((a, b) => unify(a, b), { kind: 'null' });
  }
  return undefined;
}
