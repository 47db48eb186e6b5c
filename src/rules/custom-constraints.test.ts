import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomChecker, customContext, customRule } from './custom-test-fixtures.ts';

let checker: CustomChecker;
beforeAll(async () => {
  checker = await CustomChecker.create();
});
afterAll(() => checker.close());

const constrained = customRule({ outputConstraints: [{ columnName: 'email_address', minimum: 50, type: 'COUNT_DISTINCT' }] });
const ctx = customContext({ impressions: constrained });

describe('output constraints of custom-rule tables', () => {
  it('names the constrained column in the outermost FROM scope', async () => {
    const v = await checker.accepted('SELECT i.campaign_id, COUNT(*) AS n FROM impressions i GROUP BY i.campaign_id', ctx);
    expect(v.outputConstraints).toEqual([
      { table: 'impressions', column: 'email_address', minimum: 50, expr: { kind: 'column', table: 'i', name: 'email_address' } },
    ]);
  });
  it('follows the column by lineage through a CTE that renames it and a subquery', async () => {
    const v = await checker.accepted(`WITH per_user AS (SELECT i.email_address AS uid, COUNT(*) AS freq FROM impressions i GROUP BY i.email_address)
      SELECT s.bucket, COUNT(*) AS users FROM (SELECT LEAST(p.freq, 10) AS bucket, p.uid FROM per_user p) s GROUP BY s.bucket`, ctx);
    expect(v.outputConstraints.map((c) => c.expr)).toEqual([{ kind: 'column', table: 's', name: 'uid' }]);
  });
  it('follows a UNION column when every branch carries the same table column', async () => {
    const v = await checker.accepted(`SELECT u.campaign_id, COUNT(*) AS n FROM (
        SELECT i.campaign_id, i.email_address FROM impressions i WHERE i.placement = 'a'
        UNION ALL SELECT j.campaign_id, j.email_address FROM impressions j WHERE j.placement = 'b') u
      GROUP BY u.campaign_id`, ctx);
    expect(v.outputConstraints.map((c) => c.expr)).toEqual([{ kind: 'column', table: 'u', name: 'email_address' }]);
  });
  it('checks each occurrence of a self-join separately', async () => {
    const v = await checker.accepted(`SELECT a.campaign_id, COUNT(*) AS n FROM impressions a JOIN impressions b
      ON a.email_address = b.email_address AND a.campaign_id <> b.campaign_id GROUP BY a.campaign_id`, ctx);
    expect(v.outputConstraints.map((c) => c.expr.table)).toEqual(['a', 'b']);
  });
  it('accepts an aggregate without GROUP BY (one group)', async () => {
    const v = await checker.accepted('SELECT COUNT(*) AS n FROM impressions i', ctx);
    expect(v.outputConstraints).toHaveLength(1);
  });
  it('refuses when the outermost query is not an aggregate', async () => {
    const e = await checker.refused('SELECT i.campaign_id FROM impressions i', ctx);
    expect(e).toMatchObject({ code: 'output-constraint-unenforceable', table: 'impressions', rule: 'custom' });
    expect(e.message).toBe('custom rule: impressions has output constraints, which need the outermost query to be a GROUP BY aggregate');
  });
  it('refuses a set operation as the outermost query', async () => {
    const e = await checker.refused(`SELECT i.campaign_id, COUNT(*) FROM impressions i GROUP BY 1
      UNION ALL SELECT b.campaign_id, COUNT(*) FROM impressions_b b GROUP BY 1`, ctx);
    expect(e.code).toBe('output-constraint-unenforceable');
  });
  it('refuses when a CTE aggregates the constrained column away', async () => {
    const e = await checker.refused(`WITH c AS (SELECT i.campaign_id, COUNT(*) AS n FROM impressions i GROUP BY 1)
      SELECT c.campaign_id, SUM(c.n) AS n FROM c GROUP BY 1`, ctx);
    expect(e).toMatchObject({ code: 'output-constraint-unenforceable', table: 'impressions' });
    expect(e.message).toBe('custom rule: the constrained column impressions.email_address (as i) does not reach the outermost query unchanged through CTE c');
  });
  it('refuses a modified carrier and a UNION branch from another table', async () => {
    expect((await checker.refused(`SELECT s.campaign_id, COUNT(*) FROM (SELECT i.campaign_id, lower(i.email_address) AS e FROM impressions i) s GROUP BY 1`, ctx)).code)
      .toBe('output-constraint-unenforceable');
    expect((await checker.refused(`SELECT u.campaign_id, COUNT(*) FROM (SELECT i.campaign_id, i.email_address FROM impressions i
      UNION ALL SELECT b.campaign_id, b.email_address FROM impressions_b b) u GROUP BY 1`, ctx)).code).toBe('output-constraint-unenforceable');
  });
  it('refuses a constrained table read only in a filter subquery', async () => {
    const e = await checker.refused(`SELECT c.state, COUNT(*) FROM customers c
      WHERE c.email_address IN (SELECT i.email_address FROM impressions i) GROUP BY 1`, ctx);
    expect(e.message).toContain('its rows do not reach the outermost FROM');
  });
});
