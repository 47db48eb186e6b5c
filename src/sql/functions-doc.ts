/** Renders docs/functions.md from the allowlist, so the two never drift (a test compares them). */
import { FUNCTIONS } from './functions.ts';

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function renderFunctionsDoc(): string {
  const rows = FUNCTIONS.map((f) => {
    const arity = f.minArgs === f.maxArgs ? `${f.minArgs}` : `${f.minArgs}–${f.maxArgs}`;
    return `| ${cell(f.name)} | ${f.rulesName ?? ''} | ${f.kind} | ${arity} | ${f.spellings.map((s) => `\`${s}\``).join(', ')} | \`${cell(f.emitted)}\` | ${f.safety} | ${cell(f.notes ?? '')} |`;
  });
  return [
    '# Allowed functions',
    '',
    '<!-- Generated from src/sql/functions.ts by renderFunctionsDoc(); a test keeps it identical. -->',
    '',
    'Every function a query may call is listed here; any other name is refused with',
    '`function-not-allowed`. The printer emits the non-failing form: no function call in',
    'the SQL that runs can raise an error on a data value (RULES.md, "No data-dependent',
    'failure"). Safety: `total` never fails; `try` is wrapped in `TRY(...)` (errors become',
    'NULL) unless it contains an aggregate, window or subquery, which DuckDB does not allow',
    'inside TRY; `guard` replaces out-of-domain arguments by NULL; `rewrite` prints a',
    'different, NULL-returning expression.',
    '',
    'Beyond functions: `CAST`/`TRY_CAST`/`CONVERT(type, x)` print as `TRY_CAST`; `a / b` prints',
    'as `a / NULLIF(b, 0)`; `+ - *` and unary minus on scalars print inside `TRY(...)`',
    '(integer overflow raises in DuckDB); `%` prints as `TRY(a % NULLIF(b, 0))`; LIKE/ILIKE',
    '(DuckDB spells them `~~`, `~~*`, `!~~`, `!~~*`) print as LIKE/ILIKE. Where DuckDB unifies a',
    'literal\'s type with a value\'s (comparisons, IN, BETWEEN, CASE, COALESCE, NULLIF, LEAST,',
    'GREATEST), a decimal literal and an integer literal of 20+ digits print as',
    '`CAST(\'1.5\' AS DOUBLE)`: DuckDB would otherwise cast the value to a DECIMAL(38,s) that',
    'may not hold it (`bigint_col > 0.00000000000000000001` raises on large values).',
    '',
    '| name | RULES.md name | kind | arguments | DuckDB spellings accepted | emitted form | safety | notes |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '## Known residual risk',
    '',
    'Aggregates cannot be wrapped in TRY in DuckDB. The aggregation planner',
    '(src/rules/plan/numeric-safety.ts) therefore casts every aggregate used as an operand',
    '(`sum(x) * sum(y)`, `-sum(x)`, HAVING comparisons) to DOUBLE, which gives Infinity or NaN',
    'instead of an overflow error, and sums wide types over DOUBLE (see sum). The custom-rule',
    'planner (src/rules/plan/custom-numeric-safety.ts) does the same everywhere in custom SQL,',
    'for window calls and scalar subqueries too, and the custom validator refuses date',
    'arithmetic and date functions over those values. Not covered by',
    'the printer: comparisons and joins between two non-literal numeric values of different',
    'DECIMAL types (DuckDB casts both to a common DECIMAL(38,s) that may not hold a value),',
    'and integer literals of up to 19 digits against DECIMAL values with scale 20 or more;',
    'validators must require identical numeric types there. Any engine error that still',
    'happens is reported as an internal error without its text.',
    '',
  ].join('\n');
}
