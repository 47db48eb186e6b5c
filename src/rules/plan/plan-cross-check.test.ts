/**
 * Cross-check on generated data: the planned SQL against the same question written
 * by hand in plain SQL, with row-once semantics spelled out as correlated EXISTS
 * ("the rows of T that reach the group") and the thresholds applied by hand.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { aggTable, c, countDistinct, item, join, op, sorted, sum, t, TestDb, validated } from './test-fixtures.ts';

const SETUP = `
CREATE TABLE g_imp AS SELECT i::BIGINT AS __cr_rowid,
  CASE WHEN i % 53 = 0 THEN NULL ELSE i % 137 END AS user_id,
  CASE WHEN i % 11 = 0 THEN NULL ELSE 'c' || (i % 23) END AS campaign,
  (i % 13)::DOUBLE AS cost FROM range(2000) t(i);
CREATE TABLE g_conv AS SELECT i::BIGINT AS __cr_rowid, (i * 7) % 150 AS user_id,
  'r' || (i % 3) AS region, (i % 17)::DOUBLE AS revenue FROM range(600) t(i);`;

const EXPECTED = `
WITH groups AS (SELECT DISTINCT i.campaign, cv.region FROM g_imp i JOIN g_conv cv ON i.user_id = cv.user_id),
imp_rows AS (SELECT g.campaign AS gc, g.region AS gr, i.* FROM groups g JOIN g_imp i ON i.campaign IS NOT DISTINCT FROM g.campaign
  WHERE EXISTS (SELECT 1 FROM g_conv cv WHERE cv.user_id = i.user_id AND cv.region IS NOT DISTINCT FROM g.region)),
conv_rows AS (SELECT g.campaign AS gc, g.region AS gr, cv.* FROM groups g JOIN g_conv cv ON cv.region IS NOT DISTINCT FROM g.region
  WHERE EXISTS (SELECT 1 FROM g_imp i WHERE i.user_id = cv.user_id AND i.campaign IS NOT DISTINCT FROM g.campaign)),
a AS (SELECT gc, gr, SUM(cost) AS cost, COUNT(DISTINCT user_id) AS users FROM imp_rows GROUP BY gc, gr),
b AS (SELECT gc, gr, SUM(revenue) AS revenue, COUNT(DISTINCT user_id) AS users FROM conv_rows GROUP BY gc, gr)
SELECT a.gc, a.gr, a.cost, b.revenue, a.users FROM a JOIN b ON a.gc IS NOT DISTINCT FROM b.gc AND a.gr = b.gr
WHERE a.users >= $min AND b.users >= $min`;

let db: TestDb;
beforeAll(async () => { db = await TestDb.create(SETUP); });
afterAll(() => db.close());

it('matches plain SQL on generated data with duplicate keys, NULL keys and dropped groups', async () => {
  const min = 26;
  const v = validated('aggregation', {
    items: [item(c('i', 'campaign')), item(c('cv', 'region')), item(sum(c('i', 'cost'))), item(sum(c('cv', 'revenue'))),
      item(countDistinct(c('i', 'user_id')))],
    from: join(t('g_imp', 'i'), t('g_conv', 'cv'), op('=', c('i', 'user_id'), c('cv', 'user_id'))),
    groupBy: [c('i', 'campaign'), c('cv', 'region')],
  }, [{ alias: 'i', table: aggTable('g_imp', 'pub', { user_id: min }) },
    { alias: 'cv', table: aggTable('g_conv', 'brand', { user_id: min }) }]);
  const expected = await db.rows(EXPECTED.replaceAll('$min', String(min)));
  const all = await db.rows(EXPECTED.replaceAll('$min', '0'));
  // the data must exercise both outcomes and the NULL group
  expect(expected.length).toBeGreaterThan(0);
  expect(expected.length).toBeLessThan(all.length);
  expect(expected.some((r) => r[0] === null)).toBe(true);
  const { rows } = await db.plan(v);
  expect(sorted(rows)).toEqual(sorted(expected));
});
