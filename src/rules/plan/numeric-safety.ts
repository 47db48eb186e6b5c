/**
 * No data-dependent failure for aggregates (RULES.md, "Shared to all rule types").
 *
 * DuckDB cannot wrap an aggregate in TRY(...), and exact aggregate arithmetic raises on
 * overflow. A runner controls its own table, so it can plant values that make a SUM
 * over its rows overflow only when a target's row joins the group: error versus no
 * error is a one-bit oracle, even with the message hidden (and a suppressed group's
 * overflow still fails the query). So, in every aggregation plan:
 *
 * - SUM/AVG over a column whose sum can overflow (DECIMAL with precision > 18,
 *   HUGEINT, UHUGEINT, and any type the planner does not know) are computed over
 *   `CAST(col AS DOUBLE)`: DOUBLE sums give Infinity/NaN, never an error. Such sums
 *   are approximate; owners who need exact money sums use DECIMAL(18,s) or smaller
 *   (what the crawler produces for CSV), whose DECIMAL(38,s) sum cannot realistically
 *   overflow (it would take 10^20 rows). SUM over BIGINT is HUGEINT (no realistic
 *   overflow) and stays exact. SUM(DISTINCT) over such a column applies DISTINCT to
 *   the DOUBLE values.
 * - SUM/AVG over a non-numeric column (INTERVAL: AVG overflows INT32 months/days;
 *   DATE: AVG of extreme dates raises; text: no such function) is refused as an
 *   internal error, which depends on the query only.
 * - An aggregate used as an operand of anything (`+ - * / %`, unary minus,
 *   comparisons in HAVING, functions, CASE) is cast to DOUBLE first, so arithmetic
 *   and comparisons on aggregates are DOUBLE (Infinity/NaN, never an overflow, never
 *   an implicit cast of the aggregate to a DECIMAL that cannot hold it; division
 *   keeps the printer's NULLIF(..., 0)). COUNT * COUNT (BIGINT) is included.
 * - A lone aggregate (a whole SELECT or ORDER BY item, or under CAST / IS NULL,
 *   which cannot fail) stays exact: `SUM(int_col)`, `COUNT(x)`.
 */
import type { ColumnRef, Expr, FunctionCall, SqlType } from '../../sql/ast.ts';
import type { ResolvedAlias } from '../validated-query.ts';
import { isAggregate } from './aggregate-slots.ts';
import { mapExpr } from './expr-walk.ts';

const DOUBLE: SqlType = { name: 'DOUBLE' };

export function toDouble(e: Expr): Expr {
  return { kind: 'cast', operand: e, type: DOUBLE };
}

/** Integer and floating types whose SUM/AVG cannot realistically raise in DuckDB. */
const EXACT_SUM_TYPES: ReadonlySet<string> = new Set([
  'TINYINT', 'INT1', 'SMALLINT', 'INT2', 'SHORT', 'INTEGER', 'INT', 'INT4', 'SIGNED', 'BIGINT', 'INT8', 'LONG',
  'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'FLOAT', 'FLOAT4', 'REAL', 'DOUBLE', 'FLOAT8', 'BOOLEAN', 'BOOL',
]);
/** Numeric types whose SUM can overflow (or whose sum DuckDB computes in HUGEINT arithmetic). */
const WIDE_SUM_TYPES: ReadonlySet<string> = new Set(['HUGEINT', 'INT128', 'UHUGEINT', 'UINT128', 'BIGNUM', 'VARINT']);
const DECIMAL_TYPE = /^(?:DECIMAL|NUMERIC)\s*(?:\(\s*(\d+)\s*(?:,\s*\d+\s*)?\))?$/;
/** Largest DECIMAL precision whose SUM (DECIMAL(38,s)) cannot realistically overflow. */
export const EXACT_SUM_MAX_PRECISION = 18;

/**
 * How SUM/AVG must treat an argument of this engine type: `exact` as is, `double`
 * over CAST(x AS DOUBLE), `refuse` not at all. An unknown (undefined) type is
 * `double`: fail closed.
 */
export function sumArgument(typeName: string | undefined): 'exact' | 'double' | 'refuse' {
  if (typeName === undefined) return 'double';
  const t = typeName.trim().toUpperCase();
  if (EXACT_SUM_TYPES.has(t)) return 'exact';
  if (WIDE_SUM_TYPES.has(t)) return 'double';
  const dec = DECIMAL_TYPE.exec(t);
  if (dec !== null) {
    const width = dec[1] === undefined ? undefined : Number(dec[1]);
    return width !== undefined && width <= EXACT_SUM_MAX_PRECISION ? 'exact' : 'double';
  }
  return 'refuse';
}

export type ColumnTypeOf = (ref: ColumnRef) => string | undefined;

/** The engine type of a qualified column, from the referenced tables' allowed columns. */
export function columnTypes(aliases: readonly ResolvedAlias[]): ColumnTypeOf {
  return (ref) => {
    if (ref.table === undefined) return undefined;
    const a = aliases.find((x) => x.alias === ref.table);
    return a?.table.columns.find((c) => c.name.toLowerCase() === ref.name.toLowerCase())?.type;
  };
}

/** SUM/AVG over a CAST(... AS DOUBLE) argument when its type's sum can overflow. */
export function safeAggregateCall(call: FunctionCall, typeOf: ColumnTypeOf): FunctionCall {
  if ((call.name !== 'sum' && call.name !== 'avg') || call.star === true) return call;
  const arg = call.args[0];
  if (call.args.length !== 1 || arg === undefined) {
    throw new Error(`Internal error: aggregate ${call.name} must have exactly one argument`);
  }
  const type = arg.kind === 'column' ? typeOf(arg) : undefined;
  switch (sumArgument(type)) {
    case 'exact': return call;
    case 'double': return { ...call, args: [toDouble(arg)] };
    case 'refuse': throw new Error(`Internal error: ${call.name.toUpperCase()} over a column of type ${type ?? '?'}`);
  }
}

/**
 * Rewrites the aggregates of one SELECT item, HAVING or ORDER BY expression as
 * described above. `asOperand` is false at the root: a lone aggregate stays exact.
 */
export function safeAggregates(e: Expr, typeOf: ColumnTypeOf, asOperand = false): Expr {
  if (isAggregate(e)) {
    const call = safeAggregateCall(e, typeOf);
    return asOperand ? toDouble(call) : call;
  }
  // Children that cannot make an aggregate fail: TRY_CAST's operand, IS NULL's, and
  // the booleans under AND / OR / NOT. Everything else is an operand.
  const exactChildren = e.kind === 'cast' || e.kind === 'is-null'
    || (e.kind === 'binary' && (e.op === 'AND' || e.op === 'OR'))
    || (e.kind === 'unary' && e.op === 'NOT');
  let root = true;
  return mapExpr(e, (x) => {
    if (root) {
      root = false;
      return undefined; // descend into e's children
    }
    return safeAggregates(x, typeOf, !exactChildren);
  });
}
