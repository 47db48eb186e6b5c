import { describe, expect, it } from 'vitest';
import { reconcileTypes } from './reconcile-types.ts';

describe('reconcileTypes', () => {
  it.each([
    ['BIGINT', 'BIGINT', 'BIGINT'],
    ['INTEGER', 'BIGINT', 'BIGINT'],
    ['UBIGINT', 'INTEGER', 'HUGEINT'],
    ['BIGINT', 'DOUBLE', 'DOUBLE'],
    ['DECIMAL(18,3)', 'BIGINT', 'DOUBLE'],
    ['DATE', 'TIMESTAMP', 'TIMESTAMP'],
    ['NULL', 'VARCHAR', 'VARCHAR'],
    ['BIGINT', 'VARCHAR', undefined],
    ['DATE', 'BIGINT', undefined],
    ['TIMESTAMP WITH TIME ZONE', 'TIMESTAMP', undefined],
    ['BOOLEAN', 'BIGINT', undefined],
  ])('%s + %s -> %s', (a, b, expected) => {
    expect(reconcileTypes(a, b)).toBe(expected);
    expect(reconcileTypes(b, a)).toBe(expected);
  });
});
