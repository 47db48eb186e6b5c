import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomChecker, customContext, customRule } from './custom-test-fixtures.ts';

let checker: CustomChecker;
beforeAll(async () => {
  checker = await CustomChecker.create();
});
afterAll(() => checker.close());

/** impressions (platform) is differentially private on email_address; the brand's tables are not. */
const dp = customRule({ differentialPrivacy: { columns: [{ name: 'email_address' }] } });
const ctx = customContext({ impressions: dp });
const bothDp = customContext({ impressions: dp, impressions_b: dp });

describe('dpShape: the queries the DP planner can make private', () => {
  it('reads keys, the user, and every supported aggregate', async () => {
    const v = await checker.accepted(`SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS reach, COUNT(*) AS imps,
        COUNT(c.price) AS priced, SUM(LEAST(GREATEST(c.price, 0), 100)) AS revenue, AVG(GREATEST(LEAST(c.price, 100), 0)) AS avg_price
      FROM impressions i JOIN conversions c ON c.email_address = i.email_address GROUP BY i.campaign_id ORDER BY reach DESC LIMIT 3`, ctx);
    expect(v.dp?.tables).toEqual(['impressions']);
    expect(v.dp?.user).toMatchObject({ table: 'i', name: 'email_address' });
    expect(v.dp?.outputs.map((o) => (o.kind === 'key' ? `key:${o.name}` : `${o.aggregate.kind}:${o.name}`))).toEqual([
      'key:campaign_id', 'COUNT_DISTINCT:reach', 'COUNT:imps', 'COUNT:priced', 'SUM:revenue', 'AVG:avg_price',
    ]);
    expect(v.dp?.orderBy).toEqual([{ output: 1, direction: 'desc' }]);
  });

  it('follows the user column through CTEs, per-user aggregates, UNION ALL and user-partitioned windows', async () => {
    const v = await checker.accepted(`WITH per_user AS (SELECT i.email_address, i.campaign_id, COUNT(*) AS n FROM impressions i GROUP BY i.email_address, i.campaign_id),
        ranked AS (SELECT p.email_address, p.campaign_id, ROW_NUMBER() OVER (PARTITION BY p.email_address ORDER BY p.n DESC) AS rk FROM per_user p),
        both_platforms AS (SELECT a.email_address FROM impressions a UNION ALL SELECT b.email_address FROM impressions_b b)
      SELECT r.campaign_id, COUNT(DISTINCT r.email_address) AS users FROM ranked r JOIN both_platforms x ON x.email_address = r.email_address
      WHERE r.rk = 1 GROUP BY r.campaign_id`, bothDp);
    expect(v.dp?.tables.slice().sort()).toEqual(['impressions', 'impressions_b']);
  });

  it('is not needed without DP tables', async () => {
    const v = await checker.accepted('SELECT i.campaign_id, COUNT(*) AS n FROM impressions i GROUP BY i.campaign_id');
    expect(v.dp).toBeUndefined();
  });
});

describe('dpShape refusals, each naming what to write instead', () => {
  const cases: readonly [string, string, string, RegExp][] = [
    ['HAVING on exact values', 'SELECT i.campaign_id, COUNT(*) AS n FROM impressions i GROUP BY i.campaign_id HAVING COUNT(*) > 5', 'dp-not-aggregate', /HAVING/],
    ['row-level output', 'SELECT i.campaign_id FROM impressions i', 'dp-aggregate', /GROUP BY key or one aggregate/],
    ['SUM without bounds', 'SELECT i.campaign_id, SUM(i.campaign_id) AS n FROM impressions i GROUP BY i.campaign_id', 'dp-unbounded', /LEAST\(GREATEST/],
    ['arithmetic around an aggregate', 'SELECT COUNT(*) * 2 AS n FROM impressions i', 'dp-aggregate', /one aggregate/],
    ['COUNT DISTINCT of another column', 'SELECT COUNT(DISTINCT i.campaign_id) AS n FROM impressions i', 'dp-aggregate', /user column/],
    ['MAX', 'SELECT MAX(i.campaign_id) AS n FROM impressions i', 'dp-aggregate', /MAX/],
    ['an aggregate across users in a CTE', 'WITH t AS (SELECT i.campaign_id, COUNT(*) AS n FROM impressions i GROUP BY i.campaign_id) SELECT t.campaign_id, COUNT(*) AS c FROM t GROUP BY t.campaign_id', 'dp-mixes-users', /GROUP BY the user column/],
    ['a window across users', 'WITH t AS (SELECT i.email_address, RANK() OVER (ORDER BY i.campaign_id) AS r FROM impressions i) SELECT COUNT(*) AS c FROM t', 'dp-mixes-users', /PARTITION BY/],
    ['LIMIT inside', 'WITH t AS (SELECT i.email_address FROM impressions i LIMIT 10) SELECT COUNT(*) AS c FROM t', 'dp-limit', /LIMIT/],
    ['the user column lost in a CTE', 'WITH t AS (SELECT i.campaign_id FROM impressions i) SELECT t.campaign_id, COUNT(*) AS c FROM t GROUP BY t.campaign_id', 'dp-user-column-lost', /user column/],
    ['DP table on the NULL side of a LEFT JOIN (Gadotti-style absence oracle)', 'SELECT c.state, COUNT(*) AS n FROM customers c LEFT JOIN impressions i ON i.email_address = c.email_address GROUP BY c.state', 'dp-outer-join', /LEFT JOIN/],
    ['DP data in an IN filter', 'SELECT c.state, COUNT(*) AS n FROM customers c WHERE c.email_address IN (SELECT i.email_address FROM impressions i) GROUP BY c.state', 'dp-subquery-filter', /IN, EXISTS/],
    ['DP data in an EXISTS filter', 'SELECT c.state, COUNT(*) AS n FROM customers c WHERE EXISTS (SELECT 1 FROM impressions j WHERE j.campaign_id = c.state) GROUP BY c.state', 'dp-subquery-filter', /EXISTS/],
    ['an aggregate over DP data in a scalar subquery', 'SELECT COUNT(*) AS n FROM impressions i WHERE i.campaign_id = (SELECT MAX(j.campaign_id) FROM impressions j)', 'dp-mixes-users', /GROUP BY the user column/],
    ['ORDER BY an expression that is not an output', 'SELECT i.campaign_id, COUNT(*) AS n FROM impressions i GROUP BY i.campaign_id ORDER BY LENGTH(i.campaign_id)', 'dp-order-by', /output column/],
  ];
  for (const [name, sql, code, message] of cases) {
    it(name, async () => {
      const d = await checker.refused(sql, ctx);
      expect(d.code).toBe(code);
      expect(d.message).toMatch(message);
      expect(d.hint ?? '').not.toBe('');
    });
  }

  it('two DP tables not joined on their user column', async () => {
    const d = await checker.refused('SELECT COUNT(*) AS n FROM impressions a JOIN impressions_b b ON a.campaign_id = b.campaign_id', bothDp);
    expect(d.code).toBe('dp-join-not-on-user');
  });

  it('DP tables naming different user columns', async () => {
    const other = customContext({ impressions: dp, impressions_b: customRule({ differentialPrivacy: { columns: [{ name: 'campaign_id' }] } }) });
    const d = await checker.refused('SELECT COUNT(*) AS n FROM impressions a JOIN impressions_b b ON a.email_address = b.email_address', other);
    expect(d.code).toBe('dp-user-columns-differ');
  });

  it('exact output constraints together with DP', async () => {
    const constrained = customContext({
      impressions: dp,
      customers: customRule({ disallowedOutputColumns: ['email_address'], outputConstraints: [{ columnName: 'email_address', minimum: 10, type: 'COUNT_DISTINCT' }] }),
    });
    const d = await checker.refused('SELECT c.state, COUNT(*) AS n FROM impressions i JOIN customers c ON c.email_address = i.email_address GROUP BY c.state', constrained);
    expect(d.code).toBe('dp-with-output-constraints');
  });
});

describe('dpShape: red-team regressions', () => {
  it('ATTACK (planted user key): a relation naming the user column twice never has a user column', async () => {
    const d = await checker.refused(`WITH c AS (SELECT r.email_address AS email_address, i.email_address AS email_address, i.cost
        FROM impressions i JOIN customers r ON r.state = 'CA') SELECT COUNT(*) AS n FROM c`, ctx);
    expect(d.code).toBe('dp-user-column-lost');
  });

  it('refuses bounds out of order or too large', async () => {
    expect((await checker.refused('SELECT SUM(LEAST(GREATEST(i.cost, 5), 1)) AS s FROM impressions i', ctx)).code).toBe('dp-bounds');
    expect((await checker.refused('SELECT SUM(LEAST(GREATEST(i.cost, 0), 1e34)) AS s FROM impressions i', ctx)).code).toBe('dp-bounds');
  });
});
