/**
 * THE function allowlist. Every function a query may call is one row here; the
 * converter refuses any other name (`function-not-allowed`), the printer emits the
 * `emitted` form (never one that can fail on a data value), and docs/functions.md is
 * rendered from this table (a test keeps them identical).
 */

/** The aggregation rule's `scalarFunctions` names (RULES.md). */
export type RulesScalarName =
  | 'ABS' | 'CAST' | 'CEILING' | 'COALESCE' | 'CONVERT' | 'CURRENT_DATE' | 'DATEADD'
  | 'EXTRACT' | 'FLOOR' | 'GETDATE' | 'LN' | 'LOG' | 'LOWER' | 'ROUND' | 'RTRIM' | 'SQRT'
  | 'SUBSTRING' | 'TO_CHAR' | 'TO_DATE' | 'TO_NUMBER' | 'TO_TIMESTAMP' | 'TRIM' | 'TRUNC'
  | 'UPPER';

export type FunctionKind = 'aggregate' | 'scalar' | 'window';

/**
 * How the printer keeps a call from failing:
 * - `total`: the engine function never raises on any input;
 * - `try`: wrapped in the dialect's TRY(...) (errors become NULL) when the call has no
 *   aggregate, window or subquery inside (engines refuse TRY around those);
 * - `guard`: the argument is replaced by NULL outside the function's domain;
 * - `rewrite`: printed as a different, NULL-returning expression.
 */
export type Safety = 'total' | 'try' | 'guard' | 'rewrite';

export interface FunctionSpec {
  /** Lower-case canonical name stored in FunctionCall.name. */
  readonly name: string;
  readonly kind: FunctionKind;
  /** DuckDB `function_name` values (after its parser) that convert to this function. */
  readonly spellings: readonly string[];
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly rulesName?: RulesScalarName;
  readonly safety: Safety;
  /** The non-failing DuckDB form the printer emits, for people (docs/functions.md). */
  readonly emitted: string;
  readonly notes?: string;
}

const fn = (spec: FunctionSpec): FunctionSpec => spec;

export const FUNCTIONS = [
  // ---- aggregates ----
  fn({ name: 'count', kind: 'aggregate', spellings: ['count', 'count_star'], minArgs: 0, maxArgs: 1, safety: 'total', emitted: 'count(x), count(DISTINCT x), count(*)' }),
  fn({ name: 'sum', kind: 'aggregate', spellings: ['sum'], minArgs: 1, maxArgs: 1, safety: 'total', emitted: 'sum(x)', notes: 'The aggregation planner sums DECIMAL(p>18), HUGEINT, UHUGEINT and untyped columns over CAST(x AS DOUBLE) (approximate; DuckDB would raise on overflow). BIGINT sums are HUGEINT, DECIMAL(p<=18) sums DECIMAL(38,s): exact.' }),
  fn({ name: 'avg', kind: 'aggregate', spellings: ['avg', 'mean'], minArgs: 1, maxArgs: 1, safety: 'total', emitted: 'avg(x)', notes: 'Same DOUBLE rule as sum; over INTERVAL or DATE (which can overflow) the planner refuses.' }),
  fn({ name: 'min', kind: 'aggregate', spellings: ['min'], minArgs: 1, maxArgs: 1, safety: 'total', emitted: 'min(x)' }),
  fn({ name: 'max', kind: 'aggregate', spellings: ['max'], minArgs: 1, maxArgs: 1, safety: 'total', emitted: 'max(x)' }),
  fn({ name: 'any_value', kind: 'aggregate', spellings: ['any_value'], minArgs: 1, maxArgs: 1, safety: 'total', emitted: 'any_value(x)', notes: '`first`/`arbitrary` keep NULLs and are not accepted.' }),
  fn({ name: 'string_agg', kind: 'aggregate', spellings: ['string_agg', 'listagg', 'group_concat'], minArgs: 1, maxArgs: 2, safety: 'total', emitted: 'string_agg(x, sep)', notes: 'ORDER BY inside the call is refused.' }),
  fn({ name: 'list', kind: 'aggregate', spellings: ['list', 'array_agg'], minArgs: 1, maxArgs: 1, safety: 'total', emitted: 'list(x)' }),
  fn({ name: 'stddev', kind: 'aggregate', spellings: ['stddev', 'stddev_samp'], minArgs: 1, maxArgs: 1, safety: 'total', emitted: 'stddev_samp(x)' }),
  // ---- window-only functions ----
  fn({ name: 'row_number', kind: 'window', spellings: ['row_number'], minArgs: 0, maxArgs: 0, safety: 'total', emitted: 'row_number() OVER (...)' }),
  fn({ name: 'rank', kind: 'window', spellings: ['rank'], minArgs: 0, maxArgs: 0, safety: 'total', emitted: 'rank() OVER (...)' }),
  fn({ name: 'dense_rank', kind: 'window', spellings: ['dense_rank'], minArgs: 0, maxArgs: 0, safety: 'total', emitted: 'dense_rank() OVER (...)' }),
  fn({ name: 'lag', kind: 'window', spellings: ['lag'], minArgs: 1, maxArgs: 3, safety: 'total', emitted: 'lag(x[, offset[, default]]) OVER (...)' }),
  fn({ name: 'lead', kind: 'window', spellings: ['lead'], minArgs: 1, maxArgs: 3, safety: 'total', emitted: 'lead(x[, offset[, default]]) OVER (...)' }),
  // ---- RULES.md scalar functions ----
  fn({ name: 'abs', kind: 'scalar', spellings: ['abs'], minArgs: 1, maxArgs: 1, rulesName: 'ABS', safety: 'try', emitted: 'TRY(abs(x))', notes: 'abs of the smallest BIGINT overflows.' }),
  fn({ name: 'ceiling', kind: 'scalar', spellings: ['ceiling', 'ceil'], minArgs: 1, maxArgs: 1, rulesName: 'CEILING', safety: 'total', emitted: 'ceil(x)' }),
  fn({ name: 'floor', kind: 'scalar', spellings: ['floor'], minArgs: 1, maxArgs: 1, rulesName: 'FLOOR', safety: 'total', emitted: 'floor(x)' }),
  fn({ name: 'round', kind: 'scalar', spellings: ['round'], minArgs: 1, maxArgs: 2, rulesName: 'ROUND', safety: 'try', emitted: 'TRY(round(x[, n]))', notes: 'Huge digit counts are harmless in DuckDB; TRY covers other engines.' }),
  fn({ name: 'trunc', kind: 'scalar', spellings: ['trunc'], minArgs: 1, maxArgs: 1, rulesName: 'TRUNC', safety: 'total', emitted: 'trunc(x)', notes: 'Numeric truncation only; use date_trunc for dates.' }),
  fn({ name: 'coalesce', kind: 'scalar', spellings: ['coalesce'], minArgs: 1, maxArgs: 100, rulesName: 'COALESCE', safety: 'total', emitted: 'COALESCE(a, b, ...)', notes: 'DuckDB parses it as an operator, not a function. Wide numeric literal arguments print as DOUBLE (see above).' }),
  fn({ name: 'current_date', kind: 'scalar', spellings: ['current_date', 'today'], minArgs: 0, maxArgs: 0, rulesName: 'CURRENT_DATE', safety: 'total', emitted: 'current_date', notes: 'DuckDB parses bare CURRENT_DATE as a column; a quoted "current_date" stays a column.' }),
  fn({ name: 'getdate', kind: 'scalar', spellings: ['getdate', 'now', 'current_timestamp', 'get_current_timestamp'], minArgs: 0, maxArgs: 0, rulesName: 'GETDATE', safety: 'rewrite', emitted: 'CAST(get_current_timestamp() AS TIMESTAMP)', notes: 'GETDATE does not exist in DuckDB; returns TIMESTAMP like Redshift.' }),
  fn({ name: 'dateadd', kind: 'scalar', spellings: ['dateadd', 'date_add'], minArgs: 3, maxArgs: 3, rulesName: 'DATEADD', safety: 'rewrite', emitted: 'TRY(d + to_days(n))  (to_years/to_months/... by unit)', notes: 'DuckDB reads DATEADD(day, 1, d) with `day` as a column: the converter turns it into a unit. Unit may also be a string literal.' }),
  fn({ name: 'extract', kind: 'scalar', spellings: ['date_part', 'datepart', 'extract'], minArgs: 2, maxArgs: 2, rulesName: 'EXTRACT', safety: 'total', emitted: "date_part('unit', d)", notes: 'EXTRACT(year FROM d) arrives as date_part; the part must be a known literal unit.' }),
  fn({ name: 'ln', kind: 'scalar', spellings: ['ln'], minArgs: 1, maxArgs: 1, rulesName: 'LN', safety: 'guard', emitted: 'ln(CASE WHEN x > 0 THEN x END)', notes: 'DuckDB raises on zero and negative input.' }),
  fn({ name: 'log', kind: 'scalar', spellings: ['log', 'log10'], minArgs: 1, maxArgs: 2, rulesName: 'LOG', safety: 'guard', emitted: 'log(CASE WHEN x > 0 THEN x END), log(CASE WHEN b > 0 AND b <> 1 THEN b END, CASE WHEN x > 0 THEN x END)', notes: 'One argument is base 10 (as in Redshift).' }),
  fn({ name: 'sqrt', kind: 'scalar', spellings: ['sqrt'], minArgs: 1, maxArgs: 1, rulesName: 'SQRT', safety: 'guard', emitted: 'sqrt(CASE WHEN x >= 0 THEN x END)', notes: 'DuckDB raises on negative input.' }),
  fn({ name: 'lower', kind: 'scalar', spellings: ['lower', 'lcase'], minArgs: 1, maxArgs: 1, rulesName: 'LOWER', safety: 'total', emitted: 'lower(x)' }),
  fn({ name: 'upper', kind: 'scalar', spellings: ['upper', 'ucase'], minArgs: 1, maxArgs: 1, rulesName: 'UPPER', safety: 'total', emitted: 'upper(x)' }),
  fn({ name: 'trim', kind: 'scalar', spellings: ['trim'], minArgs: 1, maxArgs: 2, rulesName: 'TRIM', safety: 'total', emitted: 'trim(x[, chars])', notes: 'TRIM(BOTH c FROM x) arrives as trim(x, c).' }),
  fn({ name: 'rtrim', kind: 'scalar', spellings: ['rtrim'], minArgs: 1, maxArgs: 2, rulesName: 'RTRIM', safety: 'total', emitted: 'rtrim(x[, chars])', notes: 'TRIM(TRAILING FROM x) arrives as rtrim.' }),
  fn({ name: 'ltrim', kind: 'scalar', spellings: ['ltrim'], minArgs: 1, maxArgs: 2, safety: 'total', emitted: 'ltrim(x[, chars])' }),
  fn({ name: 'substring', kind: 'scalar', spellings: ['substring', 'substr'], minArgs: 2, maxArgs: 3, rulesName: 'SUBSTRING', safety: 'try', emitted: 'TRY(substring(x, start[, length]))', notes: 'Negative lengths and starts return text, not errors, in DuckDB.' }),
  fn({ name: 'to_char', kind: 'scalar', spellings: ['to_char', 'strftime'], minArgs: 2, maxArgs: 2, rulesName: 'TO_CHAR', safety: 'total', emitted: "strftime(d, '%Y-%m')", notes: "Format must be a literal; Redshift patterns (YYYY-MM) are translated to strftime (%Y-%m) and checked when converting." }),
  fn({ name: 'to_date', kind: 'scalar', spellings: ['to_date'], minArgs: 2, maxArgs: 2, rulesName: 'TO_DATE', safety: 'rewrite', emitted: "CAST(try_strptime(x, fmt) AS DATE)", notes: 'strptime raises on bad input; try_strptime returns NULL.' }),
  fn({ name: 'to_timestamp', kind: 'scalar', spellings: ['to_timestamp', 'strptime', 'try_strptime'], minArgs: 2, maxArgs: 2, rulesName: 'TO_TIMESTAMP', safety: 'rewrite', emitted: 'try_strptime(x, fmt)', notes: "DuckDB's one-argument to_timestamp(epoch) is not accepted." }),
  fn({ name: 'to_number', kind: 'scalar', spellings: ['to_number'], minArgs: 2, maxArgs: 2, rulesName: 'TO_NUMBER', safety: 'rewrite', emitted: "TRY_CAST(replace(x, ',', '') AS DECIMAL(38, s))", notes: "Format of 9, 0, D/. and G/, only; s is the digits after the decimal mark. Not a DuckDB function." }),
  // ---- analytics functions (custom templates; no RULES.md scalar name) ----
  fn({ name: 'date_trunc', kind: 'scalar', spellings: ['date_trunc', 'datetrunc'], minArgs: 2, maxArgs: 2, safety: 'try', emitted: "TRY(date_trunc('unit', TRY_CAST(d AS TIMESTAMP)))", notes: 'Unit must be a known literal (an unknown one raises). Raises on dates outside the timestamp range, for a DATE column even while planning (from its statistics, where TRY does not reach), hence the cast; custom rules refuse it over an aggregate, window or subquery value.' }),
  fn({ name: 'date_diff', kind: 'scalar', spellings: ['date_diff', 'datediff'], minArgs: 3, maxArgs: 3, safety: 'try', emitted: "TRY(date_diff('unit', a, b))", notes: 'DATEDIFF(day, a, b) reads `day` as a column; converted to a unit. Raises on a DATE outside the timestamp range compared with a TIMESTAMP; custom rules refuse it over an aggregate, window or subquery value.' }),
  fn({ name: 'least', kind: 'scalar', spellings: ['least'], minArgs: 1, maxArgs: 100, safety: 'total', emitted: 'least(a, b, ...)', notes: 'Wide numeric literal arguments print as DOUBLE (see above).' }),
  fn({ name: 'greatest', kind: 'scalar', spellings: ['greatest'], minArgs: 1, maxArgs: 100, safety: 'total', emitted: 'greatest(a, b, ...)', notes: 'Wide numeric literal arguments print as DOUBLE (see above).' }),
  fn({ name: 'nullif', kind: 'scalar', spellings: ['nullif'], minArgs: 2, maxArgs: 2, safety: 'total', emitted: 'NULLIF(a, b)', notes: 'Wide numeric literal arguments print as DOUBLE (see above).' }),
  fn({ name: 'length', kind: 'scalar', spellings: ['length', 'len', 'char_length', 'character_length'], minArgs: 1, maxArgs: 1, safety: 'total', emitted: 'length(x)' }),
  fn({ name: 'concat', kind: 'scalar', spellings: ['concat'], minArgs: 1, maxArgs: 100, safety: 'total', emitted: 'concat(a, b, ...)' }),
] as const satisfies readonly FunctionSpec[];

export type CanonicalFunctionName = (typeof FUNCTIONS)[number]['name'];

const BY_NAME = new Map<string, FunctionSpec>(FUNCTIONS.map((f) => [f.name, f]));
const BY_SPELLING = new Map<string, FunctionSpec>(
  FUNCTIONS.flatMap((f) => f.spellings.map((s) => [s, f] as const)),
);

/** The allowlisted function a DuckDB `function_name` spells, if any. */
export function functionBySpelling(spelling: string): FunctionSpec | undefined {
  return BY_SPELLING.get(spelling.toLowerCase());
}

/** The spec of a canonical name as stored in FunctionCall.name. */
export function functionSpec(canonical: string): FunctionSpec | undefined {
  return BY_NAME.get(canonical);
}

/**
 * For rule validators: which RULES.md scalar name a canonical function counts as
 * (`ceiling` -> CEILING, `to_char` -> TO_CHAR); undefined when it has none (then an
 * aggregation rule cannot allow it).
 */
export function rulesScalarName(canonical: string): RulesScalarName | undefined {
  return BY_NAME.get(canonical)?.rulesName;
}

export function isAggregateFunction(canonical: string): boolean {
  return BY_NAME.get(canonical)?.kind === 'aggregate';
}
