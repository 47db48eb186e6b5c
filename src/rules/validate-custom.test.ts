import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregationContext } from './test-fixtures.ts';
import { CustomChecker, customContext, customRule } from './custom-test-fixtures.ts';

let checker: CustomChecker;
beforeAll(async () => {
  checker = await CustomChecker.create();
});
afterAll(() => checker.close());

const ATTRIBUTION = `
WITH touches AS (
  SELECT c.transaction_id AS tx, c.price, i.campaign_id, i.creative_id,
         ROW_NUMBER() OVER (PARTITION BY c.transaction_id ORDER BY i.date DESC) AS rn
  FROM conversions c
  JOIN impressions i ON i.email_address = c.email_address
   AND i.date <= c.date AND i.date >= c.date - 7
)
SELECT t.campaign_id, t.creative_id, COUNT(*) AS conversions, SUM(t.price) AS revenue
FROM touches t WHERE t.rn = 1
GROUP BY t.campaign_id, t.creative_id
ORDER BY revenue DESC`;

const LIFT = `
WITH exposed AS (SELECT DISTINCT i.email_address, TRUE AS seen FROM impressions i),
     converters AS (SELECT v.email_address, COUNT(*) AS orders FROM conversions v GROUP BY v.email_address)
SELECT CASE WHEN e.seen THEN 'exposed' ELSE 'unexposed' END AS grp,
       COUNT(DISTINCT cu.email_address) AS users,
       COUNT(DISTINCT cv.email_address) AS converters,
       COUNT(DISTINCT cv.email_address) * 1.0 / NULLIF(COUNT(DISTINCT cu.email_address), 0) AS rate
FROM customers cu
LEFT JOIN exposed e ON e.email_address = cu.email_address
LEFT JOIN converters cv ON cv.email_address = cu.email_address
GROUP BY 1`;

const TWO_PLATFORMS = `
WITH reach AS (
  SELECT 'A' AS platform, i.email_address FROM impressions i
  UNION ALL
  SELECT 'B', b.email_address FROM impressions_b b
)
SELECT r.platform, COUNT(DISTINCT r.email_address) AS reach FROM reach r GROUP BY r.platform`;

describe('validateCustom: rich analytics are accepted', () => {
  it('last-touch attribution with a window function in a CTE and date arithmetic', async () => {
    const v = await checker.accepted(ATTRIBUTION);
    expect(v.outputColumns).toEqual(['campaign_id', 'creative_id', 'conversions', 'revenue']);
    expect(v.aliases.map((a) => `${a.alias}:${a.table.sqlName}`)).toEqual(['c:conversions', 'i:impressions']);
    expect(v.outputConstraints).toEqual([]);
  });
  it('lift with CASE, LEFT JOINs and CTEs', async () => {
    await checker.accepted(LIFT);
  });
  it('a UNION ALL of two platforms', async () => {
    await checker.accepted(TWO_PLATFORMS);
  });
  it('correlated subqueries, FULL and CROSS joins, INTERSECT and EXCEPT', async () => {
    await checker.accepted(`SELECT c.state, (SELECT COUNT(*) FROM conversions v WHERE v.email_address = c.email_address) AS orders
      FROM customers c WHERE EXISTS (SELECT 1 FROM impressions i WHERE i.email_address = c.email_address)`);
    await checker.accepted(`WITH tot AS (SELECT COUNT(*) AS n FROM impressions i)
      SELECT a.campaign_id, COUNT(*) * 1.0 / MAX(t.n) AS share
      FROM impressions a FULL JOIN impressions_b b ON a.email_address = b.email_address CROSS JOIN tot t GROUP BY a.campaign_id`);
    await checker.accepted(`SELECT COUNT(*) AS both_platforms FROM (SELECT i.email_address FROM impressions i
      INTERSECT SELECT b.email_address FROM impressions_b b) x`);
    await checker.accepted(`SELECT COUNT(*) AS only_a FROM (SELECT i.email_address FROM impressions i
      EXCEPT SELECT b.email_address FROM impressions_b b) x`);
  });
  it('runs an approved template for any runner, ad-hoc SQL for providers only', async () => {
    const approved = customRule({ allowedAnalyses: ['tpl_1'], allowedAnalysisProviders: [] });
    const ctx = customContext({ impressions: approved }, 'platform');
    const v = await checker.accepted('SELECT i.campaign_id, COUNT(*) AS n FROM impressions i GROUP BY 1', ctx, { templateId: 'tpl_1' });
    expect(v.templateId).toBe('tpl_1');
  });
});

describe('validateCustom: tables and names', () => {
  it('refuses an unknown table', async () => {
    const e = await checker.refused('SELECT COUNT(*) FROM nosuch');
    expect(e).toMatchObject({ code: 'unknown-table', fragment: 'nosuch' });
  });
  it('refuses a CTE named like an association', async () => {
    const e = await checker.refused('WITH customers AS (SELECT i.campaign_id FROM impressions i) SELECT COUNT(*) FROM customers');
    expect(e).toMatchObject({ code: 'cte-shadows-table', table: 'customers', rule: 'custom' });
    expect(e.message).toBe('custom rule: the CTE name "customers" is the name of the associated table customers');
  });
  it('resolves CTE names by scope: a CTE of a subquery is unknown outside it', async () => {
    const u = await checker.refused(`SELECT s.n FROM (WITH x AS (SELECT COUNT(*) AS n FROM impressions i) SELECT x.n FROM x) s
      CROSS JOIN x`);
    expect(u).toMatchObject({ code: 'unknown-table', fragment: 'x' });
  });
  it('refuses __cr_ names anywhere', async () => {
    for (const sql of [
      'SELECT COUNT(*) AS __cr_n FROM impressions i',
      'WITH __cr_t AS (SELECT i.campaign_id FROM impressions i) SELECT COUNT(*) FROM __cr_t',
      'SELECT COUNT(*) FROM impressions __cr_i',
      'SELECT COUNT(i.__cr_row_id) FROM impressions i',
      'SELECT COUNT(*) FROM (SELECT i.campaign_id FROM impressions i) __CR_S',
    ]) {
      const e = await checker.refused(sql);
      expect(e.code, sql).toBe('reserved-name');
      expect(e.message).toContain('reserved prefix __cr_');
    }
  });
  it('refuses an unbound parameter', async () => {
    const e = await checker.refused('SELECT COUNT(*) FROM impressions i WHERE i.date >= $since');
    expect(e).toMatchObject({ code: 'unbound-parameter', rule: 'custom' });
    expect(e.message).toBe('custom rule: the parameter $since has no value');
  });
  it('refuses a table with another rule type, found anywhere in the statement', async () => {
    const ctx = aggregationContext();
    const mixed = { ...ctx, tables: ctx.tables.map((t) => (t.sqlName === 'customers' ? { ...t, rule: customRule() } : t)) };
    const e = await checker.refused('SELECT COUNT(*) FROM customers c WHERE c.email_address IN (SELECT i.email_address FROM impressions i)', mixed);
    expect(e).toMatchObject({ code: 'mixed-rule-types' });
  });
  it('refuses SELECT *', async () => {
    const e = await checker.refused('SELECT * FROM impressions i');
    expect(e.code).toBe('select-star-not-allowed');
  });
  it('refuses a FROM subquery that reads a sibling relation (implicit LATERAL)', async () => {
    const e = await checker.refused('SELECT COUNT(*) FROM impressions i, (SELECT b.campaign_id FROM impressions_b b WHERE b.email_address = i.email_address) s');
    expect(e).toMatchObject({ code: 'lateral-reference-not-allowed', fragment: 'i.email_address' });
  });
  it('refuses a sibling reference even when an outer query has the same name; allows correlation', async () => {
    const e = await checker.refused(`SELECT COUNT(*) FROM customers c WHERE EXISTS (
      SELECT 1 FROM conversions c, (SELECT c.price AS p) s)`);
    expect(e.code).toBe('lateral-reference-not-allowed');
    await checker.accepted(`SELECT COUNT(*) AS n FROM customers c WHERE EXISTS (
      SELECT 1 FROM (SELECT v.price FROM conversions v WHERE v.email_address = c.email_address) s)`);
  });
  it('refuses a name only an output alias explains in SELECT or WHERE', async () => {
    const e = await checker.refused('SELECT lower(i.placement) AS p, upper(p) AS q FROM impressions i');
    expect(e).toMatchObject({ code: 'alias-reference-not-allowed', fragment: 'p' });
  });
  it('resolves unknown and ambiguous columns against CTE and subquery outputs', async () => {
    expect((await checker.refused('WITH t AS (SELECT i.campaign_id FROM impressions i) SELECT COUNT(t.placement) FROM t')).code).toBe('unknown-column');
    expect((await checker.refused('SELECT COUNT(*) FROM impressions i JOIN impressions_b b ON campaign_id = b.campaign_id')).code).toBe('ambiguous-column');
    expect((await checker.refused('SELECT COUNT(*) FROM (SELECT i.campaign_id, b.campaign_id FROM impressions i, impressions_b b) s WHERE s.campaign_id = 1')).code)
      .toBe('ambiguous-column');
  });
  it('refuses comparisons and arithmetic that need an implicit cast', async () => {
    expect((await checker.refused("SELECT COUNT(*) FROM impressions i WHERE i.cost = '1'")).code).toBe('type-mismatch');
    expect((await checker.refused('SELECT COUNT(*) FROM conversions v JOIN impressions i ON v.price = i.cost')).code).toBe('type-mismatch');
    expect((await checker.refused('SELECT SUM(i.placement + 1) FROM impressions i')).code).toBe('type-mismatch');
    expect((await checker.refused('WITH t AS (SELECT i.placement AS p FROM impressions i) SELECT COUNT(*) FROM t WHERE t.p > 3')).code).toBe('type-mismatch');
    expect((await checker.refused("SELECT COUNT(*) FROM (SELECT i.cost FROM impressions i UNION ALL SELECT b.placement FROM impressions_b b) u")).code)
      .toBe('type-mismatch');
  });
});

describe('checkCustomAuthorization through validateQuery', () => {
  const templateOnly = customRule({ allowedAnalyses: ['tpl_1'], allowedAnalysisProviders: [] });
  const SQL = 'SELECT i.campaign_id, COUNT(*) AS n FROM impressions i JOIN customers c ON c.email_address = i.email_address GROUP BY 1';
  it('refuses ad-hoc SQL from a member who is not an allowed analysis provider', async () => {
    const e = await checker.refused(SQL, customContext({}, 'platform'));
    expect(e).toMatchObject({ code: 'analysis-not-allowed', table: 'impressions', rule: 'custom' });
    expect(e.message).toBe('custom rule: impressions does not allow ad-hoc queries by platform (its rule allows any query by brand)');
  });
  it('refuses a template that one table has not approved, naming that table', async () => {
    const ctx = customContext({ impressions: templateOnly, customers: customRule({ allowedAnalyses: ['tpl_2'], allowedAnalysisProviders: [] }) }, 'platform');
    const e = await checker.refused(SQL, ctx, { templateId: 'tpl_1' });
    expect(e).toMatchObject({ code: 'analysis-not-allowed', table: 'customers' });
    expect(e.message).toContain('does not allow the analysis template tpl_1 (its rule allows the templates tpl_2)');
  });
  it('refuses ad-hoc SQL on a table that only approves templates, even for its owner', async () => {
    const e = await checker.refused(SQL, customContext({ impressions: templateOnly }, 'brand'));
    expect(e).toMatchObject({ code: 'analysis-not-allowed', table: 'impressions' });
  });
  it('accepts when each table allows it: one by the template id, one by ANY_QUERY for this provider', async () => {
    await checker.accepted(SQL, customContext({ impressions: templateOnly }, 'brand'), { templateId: 'tpl_1' });
  });
  it('still refuses custom-rule tables when the caller gives no invocation', async () => {
    const { QueryChecker } = await import('./test-fixtures.ts');
    const plain = await QueryChecker.create();
    const r = await plain.check('SELECT COUNT(*) FROM impressions i', customContext());
    plain.close();
    expect(!r.ok && r.error.code).toBe('rule-not-supported');
  });
});

describe('validateCustom: differentially private tables never answer exactly', () => {
  it('hands a query on a table with differentialPrivacy to the DP planner', async () => {
    const ctx = customContext({ impressions: customRule({ differentialPrivacy: { columns: [{ name: 'email_address' }] } }) });
    const v = await checker.accepted('SELECT i.campaign_id, COUNT(*) AS n FROM impressions i GROUP BY i.campaign_id', ctx);
    expect(v.dp?.tables).toEqual(['impressions']);
  });
});
