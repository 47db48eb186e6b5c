/**
 * A small type inferencer over the clean-room AST, so that rules can refuse comparisons
 * that would rely on an implicit cast (`'1' = 1`): DuckDB raises when such a cast fails,
 * which is a data-dependent failure (RULES.md).
 */
import type { ColumnRef, Expr, SqlType } from './ast.ts';
import { assertNever } from './ast.ts';
import type { Diagnostic } from './diagnostic.ts';

export type TypeCategory = 'numeric' | 'text' | 'date' | 'timestamp' | 'boolean' | 'null' | 'unknown';

/** Maps an engine type name (`DECIMAL(10,2)`, `TIMESTAMP WITH TIME ZONE`, ...) to a category. */
export function categoryOfTypeName(typeName: string): TypeCategory {
  const t = typeName.trim().toUpperCase();
  if (/^(TINYINT|SMALLINT|INTEGER|INT|INT\d|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DOUBLE PRECISION|DECIMAL|NUMERIC)\b/.test(t)) return 'numeric';
  if (/^(VARCHAR|TEXT|STRING|CHAR|BPCHAR)\b/.test(t)) return 'text';
  if (t === 'DATE') return 'date';
  if (/^(TIMESTAMP|TIMESTAMPTZ|DATETIME)\b/.test(t)) return 'timestamp';
  if (t === 'BOOLEAN' || t === 'BOOL') return 'boolean';
  return 'unknown';
}

function categoryOfSqlType(t: SqlType): TypeCategory {
  switch (t.name) {
    case 'TIMESTAMPTZ': return 'timestamp';
    case 'TIME': case 'INTERVAL': return 'unknown';
    default: return categoryOfTypeName(t.name);
  }
}

const NUMERIC_FUNCTIONS = new Set(['count', 'sum', 'avg', 'stddev', 'row_number', 'rank', 'dense_rank', 'abs', 'ceiling',
  'floor', 'round', 'trunc', 'extract', 'ln', 'log', 'sqrt', 'to_number', 'date_diff', 'length']);
const TEXT_FUNCTIONS = new Set(['lower', 'upper', 'trim', 'rtrim', 'ltrim', 'substring', 'to_char', 'string_agg', 'concat']);
/** Functions whose result has the type of their (first/common) argument. */
const PASS_THROUGH = new Set(['min', 'max', 'any_value', 'lag', 'lead', 'coalesce', 'nullif', 'least', 'greatest']);

export function inferType(expr: Expr, columnType: (ref: ColumnRef) => string | undefined): TypeCategory {
  const infer = (e: Expr): TypeCategory => inferType(e, columnType);
  switch (expr.kind) {
    case 'column': {
      const t = columnType(expr);
      return t === undefined ? 'unknown' : categoryOfTypeName(t);
    }
    case 'literal':
      switch (expr.value.type) {
        case 'null': return 'null';
        case 'boolean': return 'boolean';
        case 'integer': case 'decimal': case 'double': return 'numeric';
        case 'string': return 'text';
        case 'date': return 'date';
        case 'timestamp': return 'timestamp';
        case 'interval': return 'unknown';
        default: return assertNever(expr.value);
      }
    case 'parameter': case 'star': case 'subquery': return 'unknown';
    case 'function': {
      if (NUMERIC_FUNCTIONS.has(expr.name)) return 'numeric';
      if (TEXT_FUNCTIONS.has(expr.name)) return 'text';
      if (expr.name === 'current_date' || expr.name === 'to_date') return 'date';
      if (['getdate', 'to_timestamp', 'dateadd', 'date_trunc'].includes(expr.name)) return 'timestamp';
      if (PASS_THROUGH.has(expr.name)) return common(expr.args.map(infer));
      return 'unknown';
    }
    case 'window': return infer(expr.fn);
    case 'binary':
      switch (expr.op) {
        case '+': case '-': {
          const l = infer(expr.left);
          // date +/- interval stays a date/timestamp in spirit; DuckDB returns TIMESTAMP for date + interval.
          if (l === 'date' || l === 'timestamp') return 'timestamp';
          return l === 'numeric' ? 'numeric' : 'unknown';
        }
        case '*': case '/': case '%': return 'numeric';
        case '||': return 'text';
        default: return 'boolean';
      }
    case 'unary': return expr.op === 'NOT' ? 'boolean' : infer(expr.operand);
    case 'is-null': case 'in-list': case 'between': case 'exists': case 'in-subquery': return 'boolean';
    case 'case': return common([...expr.whens.map((w) => infer(w.then)), ...(expr.else ? [infer(expr.else)] : [])]);
    case 'cast': return categoryOfSqlType(expr.type);
    default: return assertNever(expr);
  }
}

/** The one category of several values, ignoring NULLs; 'unknown' when they differ. */
function common(categories: readonly TypeCategory[]): TypeCategory {
  const real = [...new Set(categories.filter((c) => c !== 'null'))];
  if (real.length === 0) return 'null';
  return real.length === 1 ? (real[0] ?? 'unknown') : 'unknown';
}

/**
 * A `type-mismatch` diagnostic when comparing `left` with `right` would need an
 * implicit cast between categories (text vs number, text vs date, ...). NULL and
 * unknown compare with anything (the binder decides); date and timestamp are
 * comparable (DuckDB widens DATE to TIMESTAMP without failing).
 */
export function checkComparable(
  left: Expr, right: Expr, columnType: (ref: ColumnRef) => string | undefined, context = 'comparison',
): Diagnostic | undefined {
  const l = inferType(left, columnType);
  const r = inferType(right, columnType);
  if (l === r || l === 'null' || r === 'null' || l === 'unknown' || r === 'unknown') return undefined;
  const temporal = new Set<TypeCategory>(['date', 'timestamp']);
  if (temporal.has(l) && temporal.has(r)) return undefined;
  const pos = right.pos ?? left.pos;
  return {
    code: 'type-mismatch',
    rule: 'sql',
    message: `This ${context} compares ${l} with ${r}; the clean room does not rely on implicit casts.`,
    ...(pos === undefined ? {} : { position: pos }),
    hint: `Cast one side explicitly, e.g. CAST(x AS ${l === 'text' ? 'VARCHAR' : r === 'text' ? 'VARCHAR' : 'DOUBLE'}).`,
  };
}
