import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { columnStats, columnStatsSql, quoteIdentifier } from './column-stats.ts';

describe('column statistics as one query', () => {
  it('quotes any column name', () => {
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
  });

  it('computes nulls, distinct, min, max and mean as worked by hand', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    try {
      await c.run(`CREATE TABLE "my res" AS SELECT * FROM (VALUES ('x', 1, [1]), ('y', NULL, [2]), ('x', 5, NULL), (NULL, 6, [3])) t("we""ird", n, l)`);
      const columns = [
        { name: 'we"ird', type: 'VARCHAR' },
        { name: 'n', type: 'INTEGER' },
        { name: 'l', type: 'INTEGER[]' },
      ];
      const sql = columnStatsSql('my res', columns);
      expect(sql).not.toContain('MIN("l")');
      const reader = await c.runAndReadAll(sql);
      const answer = { columns: reader.columnNames().map((name) => ({ name })), rows: reader.getRowsJson().map((r) => r.map((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : (v as string | number | null)))) };
      expect(columnStats(columns, answer)).toEqual([
        // x, y, x, NULL: one null, two distinct, min x, max y.
        { column: 'we"ird', type: 'VARCHAR', nulls: 1, distinct: 2, min: 'x', max: 'y', mean: null },
        // 1, NULL, 5, 6: mean of the three present (1 + 5 + 6) / 3 = 4.
        { column: 'n', type: 'INTEGER', nulls: 1, distinct: 3, min: 1, max: 6, mean: 4 },
        { column: 'l', type: 'INTEGER[]', nulls: 1, distinct: 3, min: null, max: null, mean: null },
      ]);
    } finally {
      c.closeSync();
    }
  });
});
