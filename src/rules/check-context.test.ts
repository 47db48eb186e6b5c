import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisRule, QueryContext } from './rule-types.ts';
import { QueryChecker, table } from './test-fixtures.ts';

/** Two tables whose join keys and measures have different numeric types. */
function context(): QueryContext {
  const rule = (join: string): AnalysisRule => ({
    kind: 'aggregation',
    aggregateColumns: [{ columnNames: [join], function: 'COUNT_DISTINCT' }],
    joinColumns: [join],
    allowedJoinOperators: ['AND'],
    dimensionColumns: ['seg'],
    scalarFunctions: [],
    outputConstraints: [{ columnName: join, minimum: 2, type: 'COUNT_DISTINCT' }],
  });
  return {
    runner: 'brand',
    tables: [
      table('a', 'brand', [{ name: 'k', type: 'DECIMAL(38,0)' }, { name: 'i', type: 'INTEGER' }, { name: 'seg', type: 'VARCHAR' }], {
        ...rule('k'),
        joinColumns: ['k', 'i'],
      } as AnalysisRule),
      table('b', 'platform', [{ name: 'k', type: 'DECIMAL(38,2)' }, { name: 'i', type: 'BIGINT' }, { name: 'seg', type: 'VARCHAR' }], {
        ...rule('k'),
        joinColumns: ['k', 'i'],
      } as AnalysisRule),
    ],
  };
}

describe('comparisons need identical column types', () => {
  let checker: QueryChecker;
  beforeAll(async () => {
    checker = await QueryChecker.create();
  });
  afterAll(() => checker.close());

  it('refuses a join between DECIMAL(38,0) and DECIMAL(38,2), which DuckDB casts and can fail on', async () => {
    const r = await checker.check('SELECT COUNT(DISTINCT a.k) FROM a INNER JOIN b ON a.k = b.k', context());
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('type-mismatch');
    expect(r.error.message).toMatch(/DECIMAL\(38,0\) and DECIMAL\(38,2\)/);
  });

  it('allows integers of different widths, which widen without loss', async () => {
    const r = await checker.check('SELECT COUNT(DISTINCT a.k) FROM a INNER JOIN b ON a.i = b.i', context());
    expect(r.ok).toBe(true);
  });
});
