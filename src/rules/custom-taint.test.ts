import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomChecker } from './custom-test-fixtures.ts';

let checker: CustomChecker;
beforeAll(async () => {
  checker = await CustomChecker.create();
});
afterAll(() => checker.close());

async function tainted(sql: string): Promise<string> {
  const e = await checker.refused(sql);
  expect(e).toMatchObject({ code: 'disallowed-output-column', rule: 'custom' });
  return e.message;
}

describe('disallowedOutputColumns: refused outputs name the column and its path', () => {
  it('through an alias', async () => {
    const e = await checker.refused('SELECT c.email_address AS id FROM customers c');
    expect(e).toMatchObject({ code: 'disallowed-output-column', table: 'customers', fragment: 'c.email_address' });
    expect(e.message).toBe('custom rule: customers.email_address is a disallowed output column of customers and reaches the output: customers.email_address -> SELECT item "id"');
  });
  it('through an expression', async () => {
    expect(await tainted("SELECT lower(c.first_name) || '@' AS n FROM customers c"))
      .toContain('customers.first_name -> SELECT item "n"');
  });
  it('through CASE, conditions included', async () => {
    expect(await tainted("SELECT CASE WHEN c.zip LIKE '9%' THEN 'west' ELSE 'other' END AS region FROM customers c"))
      .toContain('customers.zip -> SELECT item "region"');
  });
  it('through a CTE and a subquery', async () => {
    const m = await tainted(`WITH base AS (SELECT c.email_address AS email FROM customers c)
      SELECT s.e AS id FROM (SELECT b.email AS e FROM base b) s`);
    expect(m).toContain('customers.email_address -> CTE base.email -> subquery s.e -> SELECT item "id"');
  });
  it('through a scalar subquery', async () => {
    expect(await tainted(`SELECT c.state, (SELECT MIN(v.transaction_id) FROM conversions v WHERE v.email_address = c.email_address) AS t
      FROM customers c`)).toContain('conversions.transaction_id -> MIN() -> scalar subquery -> SELECT item "t"');
  });
  it('through window PARTITION BY and ORDER BY', async () => {
    expect(await tainted('SELECT c.state, ROW_NUMBER() OVER (PARTITION BY c.email_address ORDER BY c.date_created) AS n FROM customers c'))
      .toContain('customers.email_address -> window PARTITION BY -> SELECT item "n"');
    expect(await tainted('SELECT c.state, RANK() OVER (ORDER BY c.zip) AS r FROM customers c'))
      .toContain('customers.zip -> window ORDER BY -> SELECT item "r"');
    expect(await tainted('SELECT c.state, COUNT(*) OVER (PARTITION BY c.last_name) AS k FROM customers c'))
      .toContain('customers.last_name -> window PARTITION BY -> SELECT item "k"');
  });
  it('through the second branch of a UNION only', async () => {
    const e = await checker.refused('SELECT i.campaign_id AS id FROM impressions i UNION ALL SELECT b.email_address FROM impressions_b b');
    expect(e).toMatchObject({ code: 'disallowed-output-column', table: 'impressions_b' });
    expect(e.message).toContain('impressions_b.email_address -> UNION ALL branch 2, column 1 -> output column 1 "id"');
  });
  it('through a GROUP BY key that is not selected', async () => {
    const e = await checker.refused('SELECT c.state, COUNT(*) AS n FROM customers c GROUP BY c.state, c.email_address');
    expect(e.message).toBe('custom rule: customers.email_address is a disallowed output column of customers and shapes the output rows: customers.email_address -> GROUP BY key -> output rows');
  });
  it('through DISTINCT in a subquery whose rows reach the output', async () => {
    expect(await tainted('SELECT s.state FROM (SELECT DISTINCT c.state, c.email_address FROM customers c) s'))
      .toContain('customers.email_address -> DISTINCT -> rows of subquery s -> output rows');
  });
  it('through ORDER BY', async () => {
    expect(await tainted('SELECT c.state FROM customers c ORDER BY c.email_address LIMIT 10'))
      .toContain('customers.email_address -> ORDER BY -> output rows');
  });
  it('through value-carrying aggregates: MIN, MAX, STRING_AGG, ANY_VALUE, LIST', async () => {
    for (const f of ['MIN(c.email_address)', 'MAX(c.zip)', "STRING_AGG(c.first_name, ',')", 'ANY_VALUE(c.last_name)', 'LIST(c.zip)']) {
      expect(await tainted(`SELECT c.state, ${f} AS v FROM customers c GROUP BY c.state`)).toMatch(/-> (MIN|MAX|STRING_AGG|ANY_VALUE|LIST)\(\) -> SELECT item "v"/);
    }
  });
  it('through SUM and AVG (stricter: a sum gives a value by differencing)', async () => {
    expect(await tainted('SELECT v.currency, SUM(v.version) AS s FROM conversions v GROUP BY v.currency'))
      .toContain('conversions.version -> SUM() -> SELECT item "s"');
    expect(await tainted('SELECT AVG(v.version) FROM conversions v')).toContain('conversions.version -> AVG()');
  });
  it('through a GROUP BY output alias and an ordinal', async () => {
    expect(await tainted('SELECT s.st FROM (SELECT c.state AS st, lower(c.zip) AS z FROM customers c GROUP BY st, z) s'))
      .toContain('customers.zip -> GROUP BY key -> rows of subquery s -> output rows');
    expect(await tainted('SELECT s.st FROM (SELECT c.state AS st, c.zip FROM customers c GROUP BY 1, 2) s'))
      .toContain('customers.zip -> GROUP BY key');
  });
  it('through an INTERSECT that deduplicates on a dropped column', async () => {
    expect(await tainted(`SELECT u.campaign_id FROM (SELECT i.campaign_id, i.email_address FROM impressions i
      INTERSECT SELECT b.campaign_id, b.email_address FROM impressions_b b) u`)).toContain('INTERSECT (removes duplicate rows)');
  });
});

describe('disallowedOutputColumns: joins, filters and counts stay allowed', () => {
  it('in JOIN ON, WHERE, HAVING and COUNT(DISTINCT)', async () => {
    await checker.accepted(`SELECT c.state, COUNT(DISTINCT c.email_address) AS people, COUNT(v.transaction_id) AS orders
      FROM customers c LEFT JOIN conversions v ON v.email_address = c.email_address
      WHERE c.zip LIKE '9%' AND c.email_address NOT IN (SELECT b.email_address FROM impressions_b b)
      GROUP BY c.state HAVING COUNT(DISTINCT c.first_name) > 1`);
  });
  it('a window over a disallowed column used only as a filter', async () => {
    await checker.accepted(`SELECT t.campaign_id, COUNT(*) AS n FROM (
        SELECT i.campaign_id, ROW_NUMBER() OVER (PARTITION BY i.email_address ORDER BY i.date DESC) AS rn FROM impressions i) t
      WHERE t.rn = 1 GROUP BY t.campaign_id`);
  });
  it('a GROUP BY on a disallowed column inside a CTE that an outer aggregate counts', async () => {
    await checker.accepted(`WITH per_user AS (SELECT i.email_address, COUNT(*) AS freq FROM impressions i GROUP BY i.email_address)
      SELECT LEAST(p.freq, 10) AS bucket, COUNT(*) AS users FROM per_user p GROUP BY 1 ORDER BY 1`);
  });
  it('an EXISTS on a disallowed column in the projection', async () => {
    await checker.accepted(`SELECT c.state, CASE WHEN EXISTS (SELECT 1 FROM impressions i WHERE i.email_address = c.email_address)
      THEN 'exposed' ELSE 'unexposed' END AS grp FROM customers c`);
  });
});
