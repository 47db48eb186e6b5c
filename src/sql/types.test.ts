import { describe, expect, it } from 'vitest';
import type { ColumnRef, Expr } from './ast.ts';
import { categoryOfTypeName, checkComparable, inferType } from './types.ts';

const columns: Record<string, string> = { amount: 'DECIMAL(10,2)', name: 'VARCHAR', d: 'DATE', ts: 'TIMESTAMP WITH TIME ZONE', ok: 'BOOLEAN', n: 'BIGINT' };
const typeOf = (ref: ColumnRef): string | undefined => columns[ref.name];
const col = (name: string): Expr => ({ kind: 'column', name });
const str = (value: string): Expr => ({ kind: 'literal', value: { type: 'string', value } });
const int = (value: string): Expr => ({ kind: 'literal', value: { type: 'integer', value } });

describe('types', () => {
  it('maps DuckDB type names to categories', () => {
    expect(['VARCHAR', 'BIGINT', 'DOUBLE', 'DECIMAL(10,2)', 'DATE', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'BOOLEAN', 'BLOB'].map(categoryOfTypeName))
      .toEqual(['text', 'numeric', 'numeric', 'numeric', 'date', 'timestamp', 'timestamp', 'boolean', 'unknown']);
  });

  it('infers expression categories', () => {
    expect(inferType(col('amount'), typeOf)).toBe('numeric');
    expect(inferType({ kind: 'function', name: 'upper', args: [col('name')], distinct: false }, typeOf)).toBe('text');
    expect(inferType({ kind: 'function', name: 'coalesce', args: [col('n'), int('0')], distinct: false }, typeOf)).toBe('numeric');
    expect(inferType({ kind: 'cast', operand: col('name'), type: { name: 'INTEGER' } }, typeOf)).toBe('numeric');
    expect(inferType({ kind: 'binary', op: '=', left: col('n'), right: int('1') }, typeOf)).toBe('boolean');
    expect(inferType({ kind: 'literal', value: { type: 'null' } }, typeOf)).toBe('null');
  });

  it("refuses '1' = 1 style comparisons and allows same-category ones", () => {
    expect(checkComparable(col('n'), str('1'), typeOf)?.code).toBe('type-mismatch');
    expect(checkComparable(col('name'), col('amount'), typeOf, 'join condition')?.message).toMatch(/join condition compares text with numeric/);
    expect(checkComparable(col('d'), str('2024-01-01'), typeOf)?.code).toBe('type-mismatch');
    expect(checkComparable(col('n'), col('amount'), typeOf)).toBeUndefined();
    expect(checkComparable(col('d'), col('ts'), typeOf)).toBeUndefined();
    expect(checkComparable(col('name'), { kind: 'literal', value: { type: 'null' } }, typeOf)).toBeUndefined();
    expect(checkComparable(col('name'), { kind: 'parameter', name: 'p' }, typeOf)).toBeUndefined();
  });
});
