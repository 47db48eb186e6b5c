/**
 * Function calls -> the non-failing forms listed in functions.ts. One printer per
 * canonical name (a Record, so a new allowlist entry does not compile without one).
 */
import type { Expr, FunctionCall } from './ast.ts';
import { toNumberScale } from './date-format.ts';
import type { Dialect } from './dialect.ts';
import type { CanonicalFunctionName } from './functions.ts';

export interface PrintFn {
  readonly dialect: Dialect;
  expr(e: Expr): string;
  /** Wraps in TRY(...) when the dialect allows it for this subtree. */
  guarded(sql: string, subtree: Expr): string;
  /** An operand whose type is unified with another value's: wide literals print as DOUBLE. */
  comparand(e: Expr): string;
}

type Printer = (call: FunctionCall, p: PrintFn) => string;

const args = (c: FunctionCall, p: PrintFn): string[] => c.args.map((a) => p.expr(a));
const plain = (sqlName: string): Printer => (c, p) =>
  `${sqlName}(${c.distinct ? 'DISTINCT ' : ''}${c.star === true ? '*' : args(c, p).join(', ')})`;
const tried = (sqlName: string): Printer => (c, p) => p.guarded(plain(sqlName)(c, p), c);
/** Functions that unify their arguments' types (see PrintFn.comparand). */
const unifying = (sqlName: string): Printer => (c, p) => `${sqlName}(${c.args.map((a) => p.comparand(a)).join(', ')})`;

function arg(c: FunctionCall, i: number): Expr {
  const e = c.args[i];
  if (e === undefined) throw new Error(`Internal error: ${c.name} lacks argument ${i + 1}`);
  return e;
}

function literalText(e: Expr | undefined): string {
  if (e?.kind === 'literal' && e.value.type === 'string') return e.value.value;
  throw new Error('Internal error: expected a converted literal argument');
}

const positive = (p: PrintFn, e: Expr): string => `CASE WHEN ${p.expr(e)} > 0 THEN ${p.expr(e)} END`;

const INTERVAL_FN: Readonly<Record<string, string>> = {
  year: 'to_years', quarter: 'to_months', month: 'to_months', week: 'to_days', day: 'to_days',
  hour: 'to_hours', minute: 'to_minutes', second: 'to_seconds',
};
const INTERVAL_FACTOR: Readonly<Record<string, number>> = { quarter: 3, week: 7 };

export const FUNCTION_PRINTERS: Readonly<Record<CanonicalFunctionName, Printer>> = {
  count: plain('count'), sum: plain('sum'), avg: plain('avg'), min: plain('min'), max: plain('max'),
  any_value: plain('any_value'), string_agg: plain('string_agg'), list: plain('list'), stddev: plain('stddev_samp'),
  row_number: plain('row_number'), rank: plain('rank'), dense_rank: plain('dense_rank'),
  lag: plain('lag'), lead: plain('lead'),
  abs: tried('abs'), ceiling: plain('ceil'), floor: plain('floor'), round: tried('round'), trunc: plain('trunc'),
  coalesce: unifying('COALESCE'),
  current_date: () => 'current_date',
  getdate: () => 'CAST(get_current_timestamp() AS TIMESTAMP)',
  dateadd: (c, p) => {
    const [unit, n, d] = c.args;
    const u = literalText(unit);
    if (n === undefined || d === undefined) throw new Error('Internal error: dateadd arity');
    const factor = INTERVAL_FACTOR[u];
    // to_days() and friends take INTEGER; TRY_CAST keeps an oversized count from raising.
    const count = `TRY_CAST(${factor === undefined ? p.expr(n) : `TRY((${p.expr(n)} * ${factor}))`} AS INTEGER)`;
    return p.guarded(`(${p.expr(d)} + ${INTERVAL_FN[u] ?? 'to_days'}(${count}))`, c);
  },
  extract: (c, p) => `date_part(${p.dialect.quoteString(literalText(c.args[0]))}, ${p.expr(arg(c, 1))})`,
  ln: (c, p) => `ln(${positive(p, arg(c, 0))})`,
  log: (c, p) => {
    const [a, b] = c.args;
    if (a === undefined) throw new Error('Internal error: log arity');
    if (b === undefined) return `log(${positive(p, a)})`;
    return `log(CASE WHEN ${p.expr(a)} > 0 AND ${p.expr(a)} <> 1 THEN ${p.expr(a)} END, ${positive(p, b)})`;
  },
  sqrt: (c, p) => {
    const x = p.expr(arg(c, 0));
    return `sqrt(CASE WHEN ${x} >= 0 THEN ${x} END)`;
  },
  lower: plain('lower'), upper: plain('upper'), trim: plain('trim'), rtrim: plain('rtrim'), ltrim: plain('ltrim'),
  substring: tried('substring'),
  to_char: (c, p) => `strftime(${p.expr(arg(c, 0))}, ${p.dialect.quoteString(literalText(c.args[1]))})`,
  to_date: (c, p) => `CAST(try_strptime(${p.expr(arg(c, 0))}, ${p.dialect.quoteString(literalText(c.args[1]))}) AS DATE)`,
  to_timestamp: (c, p) => `try_strptime(${p.expr(arg(c, 0))}, ${p.dialect.quoteString(literalText(c.args[1]))})`,
  to_number: (c, p) => {
    const scale = toNumberScale(literalText(c.args[1]));
    if (scale === undefined) throw new Error('Internal error: unchecked TO_NUMBER format');
    return `${p.dialect.tryCastSpelling}(replace(${p.expr(arg(c, 0))}, ',', '') AS DECIMAL(38, ${scale}))`;
  },
  // Both raise on dates outside the timestamp range (and date_diff on DATE/TIMESTAMP mixes).
  // DuckDB evaluates date_trunc of a DATE over the column's min/max statistics while
  // planning, where TRY does not reach: truncate a TIMESTAMP (same result type) instead.
  date_trunc: (c, p) => p.guarded(
    `date_trunc(${p.dialect.quoteString(literalText(c.args[0]))}, ${p.dialect.tryCastSpelling}(${p.expr(arg(c, 1))} AS TIMESTAMP))`, c),
  date_diff: (c, p) =>
    p.guarded(`date_diff(${p.dialect.quoteString(literalText(c.args[0]))}, ${p.expr(arg(c, 1))}, ${p.expr(arg(c, 2))})`, c),
  least: unifying('least'), greatest: unifying('greatest'), nullif: unifying('NULLIF'), length: plain('length'),
  concat: plain('concat'),
};
