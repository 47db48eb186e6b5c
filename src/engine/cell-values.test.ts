import { describe, expect, it } from 'vitest';
import { encodeCell } from './cell-values.ts';

describe('encodeCell', () => {
  it('keeps safe integers as numbers and larger ones as exact strings', () => {
    expect(encodeCell('42', 'BIGINT')).toBe(42);
    expect(encodeCell('-9007199254740991', 'BIGINT')).toBe(-9007199254740991);
    expect(encodeCell('9007199254740993', 'BIGINT')).toBe('9007199254740993');
    expect(encodeCell('170141183460469231731687303715884105727', 'HUGEINT')).toBe(
      '170141183460469231731687303715884105727',
    );
  });
  it('encodes decimals as strings, non-finite doubles as strings, NULL as null', () => {
    expect(encodeCell('12.50', 'DECIMAL(10,2)')).toBe('12.50');
    expect(encodeCell('Infinity', 'DOUBLE')).toBe('Infinity');
    expect(encodeCell(1.5, 'DOUBLE')).toBe(1.5);
    expect(encodeCell(null, 'INTEGER')).toBeNull();
  });
  it('writes timestamps as ISO-8601 UTC with Z', () => {
    expect(encodeCell('2024-01-02 03:04:05', 'TIMESTAMP')).toBe('2024-01-02T03:04:05Z');
    expect(encodeCell('2024-01-02 03:04:05.25+00', 'TIMESTAMP WITH TIME ZONE')).toBe('2024-01-02T03:04:05.25Z');
    expect(encodeCell('2024-01-02 03:04:05+02', 'TIMESTAMP WITH TIME ZONE')).toBe('2024-01-02T01:04:05.000Z');
    expect(encodeCell('2024-01-02', 'DATE')).toBe('2024-01-02');
  });
});
