import type { Expr } from '../sql/ast.ts';
import type { ExactCell, MeasureValue } from './difference-store.ts';
import type { Order } from './difference-checks.ts';

/**
 * HAVING, ORDER BY and output expressions of a checked query, evaluated in this process
 * over the released measures (fresh or sticky) with DuckDB's DOUBLE, NULL and NaN
 * semantics, so that neither whether a row appears nor where it sorts depends on a value
 * that was not released (difference-checks.ts).
 */

/** Measures of a checked query are column references on this table name. */
export const MEASURE = '__cr_measure';

export type Measures = ReadonlyMap<string, MeasureValue>;

export function toDouble(v: ExactCell): number | null {
  return v === null ? null : typeof v === 'number' ? v : Number(v);
}

/** An aggregate expression as DuckDB computes it after numeric-safety.ts: DOUBLE arithmetic, x / 0 is NULL. */
export function double(e: Expr, m: Measures): number | null {
  switch (e.kind) {
    case 'column': {
      const v = e.table === MEASURE ? m.get(e.name) : undefined;
      if (v === undefined) throw new Error(`Internal error: no measure ${e.name}`);
      return toDouble(v.value);
    }
    case 'literal':
      if (e.value.type === 'integer' || e.value.type === 'decimal') return Number(e.value.value);
      if (e.value.type === 'double') return e.value.value;
      if (e.value.type === 'null') return null;
      break;
    case 'unary': {
      if (e.op === 'NOT') break;
      const x = double(e.operand, m);
      return x === null ? null : e.op === '-' ? -x : x;
    }
    case 'binary': {
      const [a, b] = [double(e.left, m), double(e.right, m)];
      if (a === null || b === null) return null;
      switch (e.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return b === 0 ? null : a / b;
        default: break;
      }
      break;
    }
    default: break;
  }
  throw new Error(`Internal error: ${e.kind} in an aggregate expression`);
}

/** DuckDB's order of DOUBLE: NaN above everything and equal to itself. */
function compareDouble(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A HAVING condition, three-valued (only `true` keeps the row). */
export function truth(e: Expr, m: Measures): boolean | null {
  const not = (x: boolean | null): boolean | null => (x === null ? null : !x);
  switch (e.kind) {
    case 'literal':
      if (e.value.type === 'boolean') return e.value.value;
      if (e.value.type === 'null') return null;
      break;
    case 'unary':
      if (e.op === 'NOT') return not(truth(e.operand, m));
      break;
    case 'is-null': return (double(e.operand, m) === null) !== e.negated;
    case 'between': {
      const [x, lo, hi] = [double(e.operand, m), double(e.low, m), double(e.high, m)];
      const ge = x === null || lo === null ? null : compareDouble(x, lo) >= 0;
      const le = x === null || hi === null ? null : compareDouble(x, hi) <= 0;
      const both = ge === false || le === false ? false : ge === null || le === null ? null : true;
      return e.negated ? not(both) : both;
    }
    case 'in-list': {
      const x = double(e.operand, m);
      const list = e.list.map((i) => double(i, m));
      const hit = x === null ? null : list.some((y) => y !== null && compareDouble(x, y) === 0) ? true : list.includes(null) ? null : false;
      return e.negated ? not(hit) : hit;
    }
    case 'binary': {
      if (e.op === 'AND' || e.op === 'OR') {
        const [a, b] = [truth(e.left, m), truth(e.right, m)];
        if (e.op === 'AND') return a === false || b === false ? false : a === null || b === null ? null : true;
        return a === true || b === true ? true : a === null || b === null ? null : false;
      }
      const [a, b] = [double(e.left, m), double(e.right, m)];
      if (a === null || b === null) return null;
      const c = compareDouble(a, b);
      switch (e.op) {
        case '=': return c === 0;
        case '<>': return c !== 0;
        case '<': return c < 0;
        case '<=': return c <= 0;
        case '>': return c > 0;
        case '>=': return c >= 0;
        default: break;
      }
      break;
    }
    default: break;
  }
  throw new Error(`Internal error: ${e.kind} in a HAVING condition`);
}

/** ORDER BY on an aggregate: a lone integer or DECIMAL aggregate orders exactly, the rest as DOUBLE. */
export function orderValue(o: Extract<Order, { expr: Expr }>, m: Measures): bigint | number | null {
  const v = o.lone === undefined ? undefined : m.get(o.lone);
  if (v === undefined) return double(o.expr, m);
  if (v.value === null) return null;
  if (/^(?:U?(?:TINY|SMALL|BIG|HUGE)?INT(?:EGER)?|DECIMAL\(\d+,\d+\))$/.test(v.type)) return BigInt(String(v.value).replace('.', ''));
  return toDouble(v.value);
}

export function orderCompare(a: bigint | number | null, b: bigint | number | null, direction: 'asc' | 'desc', nulls: 'first' | 'last' = 'last'): number {
  if (a === null || b === null) return a === b ? 0 : (a === null) === (nulls === 'first') ? -1 : 1;
  const c = typeof a === 'bigint' && typeof b === 'bigint' ? (a < b ? -1 : a > b ? 1 : 0) : compareDouble(Number(a), Number(b));
  return direction === 'desc' ? -c : c;
}
