/**
 * Custom-rule attack suite 2/2 — bypasses of `disallowedOutputColumns` and of the
 * custom rule's authorization, each through the real parser, converter and validator.
 * brand (the runner, an ANY_QUERY provider everywhere) owns customers and conversions;
 * platform owns impressions, platform_b impressions_b; email_address is disallowed on
 * every table (customers also first_name, last_name, zip).
 *
 * Decided readings (RULES.md "Custom rule": "Joins, filters and counts stay allowed"):
 * - A plain equality join is join knowledge, also inside a correlated subquery
 *   (`v.email_address = c.email_address`). Outputting the *other* side of an equality
 *   join is allowed when that side's own rule allows it: the runner sees its own (or a
 *   permissive owner's) values for the matching rows, i.e. the overlap, which a filter
 *   would give too. The protected column itself never reaches the output.
 * - A correlated subquery that reads an outer disallowed column in any other way
 *   (`LIKE`, `<`, functions) computes a value per outer row from it: tainted, like CASE.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomChecker, customContext, customRule } from '../../src/rules/custom-test-fixtures.ts';

let checker: CustomChecker;
beforeAll(async () => {
  checker = await CustomChecker.create();
});
afterAll(() => checker.close());

async function tainted(sql: string, path: string): Promise<void> {
  const e = await checker.refused(sql);
  expect(e).toMatchObject({ code: 'disallowed-output-column', rule: 'custom' });
  expect(e.message).toContain(path);
}

describe('disallowedOutputColumns cannot be smuggled out', () => {
  it('BYPASS (fixed): a correlated subquery that tests the outer row\'s disallowed column', async () => {
    // Before the fix each of these was accepted and gave one bit (or a rank) of the e-mail per row.
    await tainted(`SELECT i.campaign_id, (SELECT COUNT(*) FROM customers d WHERE i.email_address LIKE 'a%') AS bit FROM impressions i`,
      'impressions.email_address -> correlated reference -> scalar subquery -> SELECT item "bit"');
    await tainted(`SELECT i.campaign_id, (SELECT COUNT(*) FROM customers d WHERE d.state < i.email_address) AS rk FROM impressions i`,
      'impressions.email_address -> correlated reference -> scalar subquery');
    await tainted(`SELECT i.campaign_id, EXISTS (SELECT 1 FROM customers d WHERE substring(i.email_address, 1, 1) = d.state) AS b FROM impressions i`,
      'impressions.email_address -> correlated reference -> EXISTS -> SELECT item "b"');
    await tainted(`SELECT i.campaign_id, i.campaign_id IN (SELECT d.state FROM customers d WHERE length(i.email_address) > 10) AS b FROM impressions i`,
      'impressions.email_address -> correlated reference -> IN subquery');
    await tainted(`SELECT i.campaign_id, COUNT(*) AS n FROM impressions i
      GROUP BY i.campaign_id, (SELECT COUNT(*) FROM customers d WHERE i.email_address > 'm')`, 'GROUP BY key');
  });
  it('still accepts equality correlation (a join) and uncorrelated EXISTS (a filter-like fact)', async () => {
    await checker.accepted(`SELECT c.state, (SELECT COUNT(*) FROM conversions v WHERE v.email_address = c.email_address) AS orders FROM customers c`);
    await checker.accepted(`SELECT c.state, EXISTS (SELECT 1 FROM impressions i WHERE i.email_address LIKE 'a%') AS any_a FROM customers c`);
  });
  it('window LAG/LEAD of the column, and window ORDER BY it', async () => {
    await tainted('SELECT c.state, LAG(c.email_address) OVER (ORDER BY c.state) AS e FROM customers c', 'customers.email_address -> SELECT item "e"');
    await tainted("SELECT c.state, LEAD(c.zip, 1, 'none') OVER (ORDER BY c.state) AS e FROM customers c", 'customers.zip -> SELECT item "e"');
    await tainted('SELECT c.state, COUNT(*) OVER (ORDER BY c.email_address) AS r FROM customers c', 'window ORDER BY');
  });
  it('value-carrying aggregates; ARG_MAX/FIRST/NTILE are not on the allowlist at all', async () => {
    await tainted('SELECT c.state, MAX(c.email_address > \'m\') AS n FROM customers c GROUP BY 1', 'MAX()');
    await tainted("SELECT c.state, STRING_AGG(c.state, c.email_address) AS r FROM customers c GROUP BY 1", 'STRING_AGG()');
    for (const f of ['ARG_MAX(c.email_address, c.state)', 'FIRST(c.email_address)', 'LAST(c.zip)']) {
      await expect(checker.check(`SELECT c.state, ${f} AS v FROM customers c GROUP BY 1`)).rejects.toThrow(/function-not-allowed/);
    }
  });
  it('string functions of the column: substring, concat, lower, length (length leaks too)', async () => {
    for (const f of ['substring(c.email_address, 1, 1)', 'concat(c.state, c.email_address)', 'lower(c.email_address)', 'length(c.email_address)']) {
      await tainted(`SELECT c.state, ${f} AS e FROM customers c`, 'customers.email_address -> SELECT item "e"');
    }
  });
  it('CASE on the column in a GROUP BY key, selected or not', async () => {
    await tainted("SELECT CASE WHEN c.email_address LIKE 'a%' THEN 1 ELSE 0 END AS k, COUNT(*) AS n FROM customers c GROUP BY 1", 'SELECT item "k"');
    await tainted("SELECT COUNT(*) AS n FROM customers c GROUP BY CASE WHEN c.email_address LIKE 'a%' THEN 1 ELSE 0 END", 'GROUP BY key -> output rows');
  });
  it('UNION with a literal column, EXCEPT/INTERSECT, a CTE renamed twice', async () => {
    await tainted("SELECT 'x' AS s FROM customers d UNION ALL SELECT c.email_address FROM customers c", 'UNION ALL branch 2, column 1');
    await tainted('SELECT c.state AS s FROM customers c EXCEPT SELECT d.email_address FROM customers d', 'EXCEPT branch 2');
    await tainted(`SELECT s.state FROM (SELECT c.state, c.email_address FROM customers c
      INTERSECT SELECT d.state, d.email_address FROM customers d) s`, 'INTERSECT (removes duplicate rows)');
    await tainted('WITH a AS (SELECT c.email_address AS x FROM customers c), b AS (SELECT a.x AS y FROM a) SELECT b.y AS z FROM b',
      'customers.email_address -> CTE a.x -> CTE b.y -> SELECT item "z"');
  });
  it('ORDER BY + LIMIT 1, a scalar subquery with MAX', async () => {
    await tainted('SELECT c.state FROM customers c ORDER BY c.email_address LIMIT 1', 'ORDER BY -> output rows');
    await tainted('SELECT x.s FROM (SELECT c.state AS s FROM customers c ORDER BY c.email_address LIMIT 1) x', 'ORDER BY -> rows of subquery x');
    await tainted('SELECT (SELECT MAX(c.email_address) FROM customers c) AS m', 'MAX() -> scalar subquery -> SELECT item "m"');
  });
  it('LIMIT from the data is refused (a negative subquery value fails the query)', async () => {
    const e = await checker.refused('SELECT c.state FROM customers c LIMIT (SELECT COUNT(*) FROM impressions i)');
    expect(e).toMatchObject({ code: 'limit-not-constant', message: 'custom rule: LIMIT and OFFSET take a number, not a value computed from the data' });
  });
  it('equality propagation: the other side of an equality join is the other table\'s column', async () => {
    // impressions.email_address is disallowed; customers.email_address is too (brand protects its own) ...
    await tainted('SELECT c.email_address AS e FROM impressions i JOIN customers c ON i.email_address = c.email_address', 'customers.email_address');
    // ... but where the runner's own table allows it, it sees its own values for the overlap (join knowledge).
    const open = customContext({ customers: customRule({ disallowedOutputColumns: ['zip'] }) });
    await checker.accepted('SELECT c.email_address AS e FROM impressions i JOIN customers c ON i.email_address = c.email_address', open);
  });
  it('__cr_ names anywhere, a CTE shadowing an association, an unassociated table', async () => {
    expect((await checker.refused('SELECT c.state, COUNT(*) AS n FROM customers c WHERE c.__cr_rowid > 0 GROUP BY 1')))
      .toMatchObject({ code: 'reserved-name', message: 'custom rule: the column "__cr_rowid" uses the reserved prefix __cr_' });
    expect((await checker.refused('SELECT c.state AS __cr_x FROM customers c')).code).toBe('reserved-name');
    expect((await checker.refused('WITH impressions AS (SELECT c.state FROM customers c) SELECT x.state FROM impressions x')))
      .toMatchObject({ code: 'cte-shadows-table', message: 'custom rule: the CTE name "impressions" is the name of the associated table impressions' });
    expect((await checker.refused('SELECT c.state FROM customers c WHERE c.email_address IN (SELECT e.email_address FROM unknown_t e)')))
      .toMatchObject({ code: 'unknown-table' });
  });
});

describe('who may run custom SQL', () => {
  it('an ANY_QUERY provider on one table cannot run SQL over a table where it is not a provider', async () => {
    const ctx = customContext({ impressions: customRule({ allowedAnalysisProviders: ['platform_b'] }) });
    const e = await checker.refused('SELECT i.campaign_id, COUNT(*) AS n FROM impressions i JOIN customers c ON i.email_address = c.email_address GROUP BY 1', ctx);
    expect(e).toMatchObject({ code: 'analysis-not-allowed', table: 'impressions' });
    expect(e.message).toBe('custom rule: impressions does not allow ad-hoc queries by brand (its rule allows any query by platform_b)');
  });
  it('an approval names one template id: a template of another collaboration (another id) is refused', async () => {
    const approved = customRule({ allowedAnalyses: ['tpl_collab_a'], allowedAnalysisProviders: [] });
    const ctx = customContext({ impressions: approved, customers: approved }, 'brand');
    const sql = 'SELECT i.campaign_id, COUNT(*) AS n FROM impressions i GROUP BY 1';
    await checker.accepted(sql, ctx, { templateId: 'tpl_collab_a' });
    const e = await checker.refused(sql, ctx, { templateId: 'tpl_collab_b' });
    expect(e.message).toBe('custom rule: impressions does not allow the analysis template tpl_collab_b (its rule allows the templates tpl_collab_a)');
  });
  it('a revoked template (its id removed from allowedAnalyses) is refused at once', async () => {
    const revoked = customRule({ allowedAnalyses: [], allowedAnalysisProviders: [] });
    const e = await checker.refused('SELECT i.campaign_id, COUNT(*) AS n FROM impressions i GROUP BY 1', customContext({ impressions: revoked }), { templateId: 'tpl_1' });
    expect(e).toMatchObject({ code: 'analysis-not-allowed', message: 'custom rule: impressions does not allow the analysis template tpl_1 (its rule allows no analysis yet)' });
  });
  it('a parameter can only be a value: in identifier position it does not parse', async () => {
    await expect(checker.check('SELECT c.$col FROM customers c')).rejects.toThrow();
    await expect(checker.check('SELECT c.state FROM $tbl c')).rejects.toThrow();
  });
});
