import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../sql/diagnostic.ts';
import type { QueryContext } from './rule-types.ts';
import { listContext, QueryChecker } from './test-fixtures.ts';

let checker: QueryChecker;
beforeAll(async () => {
  checker = await QueryChecker.create();
});
afterAll(() => checker.close());

const JOIN = 'FROM customers cu INNER JOIN impressions i ON cu.email_address = i.email_address';

async function refused(sql: string, ctx: QueryContext = listContext()): Promise<Diagnostic> {
  const r = await checker.check(sql, ctx);
  if (r.ok) throw new Error(`accepted: ${sql}`);
  return r.error;
}

async function expectRefusal(sql: string, code: string, table: string | undefined, text: string, ctx?: QueryContext): Promise<void> {
  const e = await refused(sql, ctx);
  expect({ code: e.code, table: e.table, rule: e.rule }).toEqual({ code, table, rule: 'list' });
  expect(e.message).toContain(text);
  expect(e.hint).toBeTruthy();
}

describe('list: accepted forms', () => {
  it('an overlap list of identifiers with list columns of both sides', async () => {
    const sql = `SELECT DISTINCT cu.email_address, cu.state AS st, i.placement ${JOIN} WHERE i.device_type = 'ios' AND cu.zip LIKE '9%' LIMIT 1000`;
    const r = await checker.check(sql, listContext());
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.kind).toBe('list');
    expect(r.value.aliases.map((a) => a.alias)).toEqual(['cu', 'i']);
  });
  it('arithmetic of list columns', async () => {
    const r = await checker.check(`SELECT DISTINCT cu.email_address, i.cost * 100 + 1 AS cents ${JOIN}`, listContext());
    expect(r.ok).toBe(true);
  });
  it('a three-table join where each table reaches the runner', async () => {
    const r = await checker.check(`SELECT DISTINCT c.creative_id ${JOIN} INNER JOIN conversions c ON i.email_address = c.email_address`, listContext());
    expect(r.ok).toBe(true);
  });
});

describe('list: refusals', () => {
  it('DISTINCT is required', async () => {
    await expectRefusal(`SELECT cu.email_address ${JOIN}`, 'distinct-required', undefined, 'SELECT DISTINCT');
  });
  it('items are list columns', async () => {
    await expectRefusal(`SELECT DISTINCT cu.city ${JOIN}`, 'column-not-listed', 'customers', 'not a list column of customers');
  });
  it('a join column that is not a list column stays out of the output', async () => {
    await expectRefusal(`SELECT DISTINCT i.email_address ${JOIN}`, 'join-column-in-output', 'impressions', 'not a list column of impressions');
  });
  it('no aggregates', async () => {
    await expectRefusal(`SELECT DISTINCT COUNT(cu.email_address) ${JOIN}`, 'function-not-allowed', undefined, 'functions are not allowed');
  });
  it('no other functions', async () => {
    await expectRefusal(`SELECT DISTINCT LOWER(cu.email_address) ${JOIN}`, 'function-not-allowed', undefined, 'LOWER');
  });
  it('no CAST', async () => {
    await expectRefusal(`SELECT DISTINCT CAST(i.cost AS INTEGER) ${JOIN}`, 'function-not-allowed', undefined, 'CAST');
  });
  it('arithmetic needs numbers (no implicit text-to-number cast)', async () => {
    await expectRefusal(`SELECT DISTINCT cu.zip - 1 AS z ${JOIN}`, 'type-mismatch', 'customers', 'arithmetic needs numbers');
  });
  it('WHERE uses list columns', async () => {
    await expectRefusal(`SELECT DISTINCT cu.state ${JOIN} WHERE cu.city = 'Paris'`, 'column-not-listed', 'customers', 'city');
  });
  it('WHERE compares one table at a time', async () => {
    await expectRefusal(`SELECT DISTINCT cu.state ${JOIN} WHERE cu.state = i.placement`, 'cross-table-comparison', 'customers', 'one table');
  });
  it('WHERE comparisons need one type', async () => {
    await expectRefusal(`SELECT DISTINCT cu.state ${JOIN} WHERE i.cost = 'x'`, 'type-mismatch', 'impressions', 'numeric with text');
  });
  it('a single-table list query on another member’s table', async () => {
    await expectRefusal('SELECT DISTINCT i.placement FROM impressions i', 'join-required', 'impressions', 'overlap list');
  });
  it('a single-table list query on the runner’s own table still needs a join', async () => {
    await expectRefusal('SELECT DISTINCT cu.state FROM customers cu', 'join-required', 'customers', 'must inner-join');
  });
  it('a join among other members’ tables only', async () => {
    await expectRefusal(`SELECT DISTINCT i.placement ${JOIN}`, 'join-required', 'customers', 'overlap list', listContext('agency'));
  });
  it('joins follow the aggregation join restrictions', async () => {
    await expectRefusal('SELECT DISTINCT cu.state FROM customers cu LEFT JOIN impressions i ON cu.email_address = i.email_address', 'join-not-allowed', 'impressions', 'LEFT JOIN');
    await expectRefusal('SELECT DISTINCT cu.state FROM customers cu INNER JOIN impressions i ON cu.state = i.placement', 'join-condition-not-allowed', 'customers', 'not a join column');
  });
  const shapes: [string, string, string][] = [
    [`SELECT DISTINCT cu.state ${JOIN} GROUP BY cu.state`, 'group-by-not-allowed', 'GROUP BY'],
    [`SELECT DISTINCT cu.state ${JOIN} HAVING cu.state = 'x'`, 'having-not-allowed', 'HAVING'],
    [`SELECT DISTINCT cu.state ${JOIN} ORDER BY cu.state`, 'order-by-not-allowed', 'ORDER BY'],
    [`SELECT DISTINCT cu.state ${JOIN} LIMIT 10 OFFSET 5`, 'offset-not-allowed', 'OFFSET'],
    [`SELECT DISTINCT cu.state ${JOIN} LIMIT 10 + 1`, 'limit-invalid', 'LIMIT'],
    [`WITH x AS (SELECT * FROM customers) SELECT DISTINCT state FROM x`, 'cte-not-allowed', 'WITH'],
    [`SELECT DISTINCT cu.state ${JOIN} WHERE cu.state IN (SELECT c.creative_id FROM conversions c)`, 'subquery-not-allowed', 'subqueries'],
  ];
  for (const [sql, code, text] of shapes) {
    it(`${code}`, async () => {
      const e = await refused(sql);
      expect(e.code).toBe(code);
      expect(e.rule).toBe('list');
      expect(e.message).toContain(text);
    });
  }
});
