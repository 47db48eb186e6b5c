/**
 * End to end: SQL text -> DuckDB parser -> convertParsed -> planQuery -> printQuery ->
 * DuckDB. The SQL is written in the validator's normal form (columns qualified) so
 * that this test does not depend on the validators.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DuckDbParser } from '../../engine/duckdb-parser.ts';
import { convertParsed } from '../../sql/convert.ts';
import { planQuery } from './plan-query.ts';
import { printQuery } from '../../sql/print.ts';
import { duckdbDialect } from '../../sql/dialect.ts';
import { aggTable, sorted, TestDb } from './test-fixtures.ts';
import { SETUP_SQL } from './test-data.ts';

let db: TestDb;
let parser: DuckDbParser;
beforeAll(async () => { db = await TestDb.create(SETUP_SQL); parser = await DuckDbParser.create(); });
afterAll(() => { db.close(); parser.close(); });

it('the repeated-key attack, from SQL text to rows', async () => {
  const sql = `SELECT i.campaign, SUM(i.cost) AS cost, COUNT(i.creative_id) / COUNT(DISTINCT i.user_id) AS freq
    FROM impressions AS i JOIN repeated AS r ON i.user_id = r.user_id GROUP BY i.campaign ORDER BY i.campaign`;
  const converted = convertParsed(await parser.serialize(sql), sql);
  if (!converted.ok) throw new Error(converted.error.message);
  const planned = planQuery({
    kind: 'aggregation', query: converted.value, runner: 'brand',
    aliases: [{ alias: 'i', table: aggTable('impressions', 'pub', { user_id: 2 }) },
      { alias: 'r', table: aggTable('repeated', 'brand', { user_id: 2 }) }],
  });
  // group A: impression rows 1, 2, 3 (u1 twice, u2 once) -> 22, and 3 rows / 2 users
  const rows = await db.rows(printQuery(planned.query, duckdbDialect));
  expect(sorted(rows)).toEqual([['A', 22, 1.5]]);
  expect(planned.outputColumns).toEqual(['campaign', 'cost', 'freq']);
});
