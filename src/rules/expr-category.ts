import { assertNever } from '../sql/ast.ts';
import type { ColumnRef, Expr, SqlType } from '../sql/ast.ts';

/**
 * Type categories for the "identical types" point of RULES.md: comparisons and joins
 * need the same category on both sides (no implicit cast between text and numbers).
 * `unknown` never matches anything, so an expression we cannot type is refused
 * rather than compared by the engine's implicit casts.
 */
export type TypeCategory = 'numeric' | 'text' | 'date' | 'timestamp' | 'boolean' | 'null' | 'unknown';

/** Engine type name (`VARCHAR`, `DECIMAL(10,2)`, `TIMESTAMP WITH TIME ZONE`) to category. */
export function categoryOfTypeName(typeName: string): TypeCategory {
  const t = typeName.trim().toUpperCase();
  if (/^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL|NUMERIC)\b/.test(t)) return 'numeric';
  if (/^(VARCHAR|TEXT|STRING|CHAR)\b/.test(t)) return 'text';
  if (t === 'DATE') return 'date';
  if (t.startsWith('TIMESTAMP')) return 'timestamp';
  if (t === 'BOOLEAN' || t === 'BOOL') return 'boolean';
  return 'unknown';
}

function categoryOfSqlType(t: SqlType): TypeCategory {
  switch (t.name) {
    case 'BOOLEAN':
      return 'boolean';
    case 'VARCHAR':
      return 'text';
    case 'DATE':
      return 'date';
    case 'TIMESTAMP':
    case 'TIMESTAMPTZ':
      return 'timestamp';
    case 'TIME':
    case 'INTERVAL':
      return 'unknown';
    default:
      return 'numeric';
  }
}

const NUMERIC_FUNCTIONS = new Set(['count', 'sum', 'avg', 'abs', 'ceiling', 'floor', 'round', 'ln', 'log', 'sqrt', 'extract', 'to_number', 'length']);
const TEXT_FUNCTIONS = new Set(['lower', 'upper', 'trim', 'rtrim', 'ltrim', 'substring', 'to_char', 'concat']);

/** `columnType` gives the engine type name of a qualified column reference. */
export function categoryOf(e: Expr, columnType: (ref: ColumnRef) => string | undefined): TypeCategory {
  const rec = (x: Expr): TypeCategory => categoryOf(x, columnType);
  switch (e.kind) {
    case 'column': {
      const t = columnType(e);
      return t === undefined ? 'unknown' : categoryOfTypeName(t);
    }
    case 'literal':
      switch (e.value.type) {
        case 'null':
          return 'null';
        case 'boolean':
          return 'boolean';
        case 'integer':
        case 'decimal':
        case 'double':
          return 'numeric';
        case 'string':
          return 'text';
        case 'date':
          return 'date';
        case 'timestamp':
          return 'timestamp';
        case 'interval':
          return 'unknown';
        default:
          return assertNever(e.value);
      }
    case 'function': {
      if (NUMERIC_FUNCTIONS.has(e.name)) return 'numeric';
      if (TEXT_FUNCTIONS.has(e.name)) return 'text';
      if (e.name === 'current_date' || e.name === 'to_date') return 'date';
      if (e.name === 'getdate' || e.name === 'to_timestamp') return 'timestamp';
      if (e.name === 'trunc') return 'numeric';
      if (e.name === 'dateadd') return e.args[2] !== undefined ? rec(e.args[2]) : 'unknown';
      if (e.name === 'coalesce') {
        const cats = e.args.map(rec).filter((c) => c !== 'null');
        const first = cats[0];
        return first !== undefined && cats.every((c) => c === first) ? first : 'unknown';
      }
      return 'unknown';
    }
    case 'cast':
      return categoryOfSqlType(e.type);
    case 'binary':
      if (['+', '-', '*', '/', '%'].includes(e.op)) {
        return rec(e.left) === 'numeric' && rec(e.right) === 'numeric' ? 'numeric' : 'unknown';
      }
      return e.op === '||' ? 'text' : 'boolean';
    case 'unary':
      return e.op === 'NOT' ? 'boolean' : rec(e.operand);
    case 'is-null':
    case 'in-list':
    case 'between':
    case 'exists':
    case 'in-subquery':
      return 'boolean';
    case 'parameter':
    case 'star':
    case 'case':
    case 'window':
    case 'subquery':
      return 'unknown';
    default:
      return assertNever(e);
  }
}

/** True when two categories may be compared: identical and known, or one side NULL. */
export function comparable(a: TypeCategory, b: TypeCategory): boolean {
  if (a === 'unknown' || b === 'unknown') return false;
  return a === b || a === 'null' || b === 'null';
}
