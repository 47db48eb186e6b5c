import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_COLUMNS, IMPRESSION_COLUMNS, QueryChecker, table } from '../../rules/test-fixtures.ts';
import type { QueryContext } from '../../rules/rule-types.ts';
import {
  bindForTest, closeTestData, converterRefusal, openTestData, runAnalysis, type GeneratedTestData, type TestDb,
} from '../test-support.ts';
import { segmentExport } from './segment-export.ts';

let db: TestDb;
let data: GeneratedTestData;

async function createHandTables(db: TestDb): Promise<void> {
  await db.run(`CREATE TABLE customers AS SELECT email_address, status, CAST(date_created AS DATE) AS date_created FROM (VALUES
    ('a@x.com', 'active', '2020-01-01'),
    ('b@x.com', 'active', '2022-06-01'),
    ('c@x.com', 'active', '2023-03-01'),
    ('d@x.com', 'churned', '2021-01-01'),
    ('e@x.com', 'active', NULL),
    ('f@x.com', 'active', '2024-01-01')
  ) t(email_address, status, date_created)`);
  // The platform saw a (3 times), b, d, e, x, y; it never saw c or f.
  await db.run(`CREATE TABLE impressions AS SELECT * FROM (VALUES
    ('a@x.com'), ('a@x.com'), ('a@x.com'), ('b@x.com'), ('d@x.com'), ('e@x.com'), ('x@x.com'), ('y@x.com')
  ) t(email_address)`);
}

beforeAll(async () => {
  ({ db, data } = await openTestData({
    seed: 35, platforms: 1, setup: createHandTables,
    views: { gen_customers: 'customers', gen_impressions: 'impressions' },
  }));
});

afterAll(() => closeTestData({ db, data }));

const hand = { customers: 'customers', impressions: 'impressions' };
const sorted = async (sql: string): Promise<string[]> => (await db.query(sql)).rows.map((r) => String(r[0])).sort();

describe('segment-export', () => {
  it('is a plain list-rule query: DISTINCT, one INNER join, no functions or subqueries', async () => {
    expect(segmentExport.rule).toBe('list');
    expect(segmentExport.sql).toMatch(/^SELECT DISTINCT /);
    expect(segmentExport.sql).not.toContain('('); // no function call, aggregate or subquery
    expect(await converterRefusal(segmentExport)).toBeUndefined();
  });

  it("passes the list rule's validator once its parameters are bound to literals", async () => {
    const checker = await QueryChecker.create();
    try {
      const ctx: QueryContext = {
        runner: 'brand',
        tables: [
          table('customers', 'brand', CUSTOMER_COLUMNS, {
            kind: 'list', joinColumns: ['email_address'], listColumns: ['status', 'date_created'],
            allowedJoinOperators: ['AND'], minimumListSize: 0,
          }),
          table('impressions', 'platform', IMPRESSION_COLUMNS, {
            kind: 'list', joinColumns: ['email_address'], listColumns: ['email_address'],
            allowedJoinOperators: ['AND'], minimumListSize: 0,
          }),
        ],
      };
      const sql = segmentExport.sql
        .replace(':status', "'active'")
        .replace(':created_since', "DATE '2021-01-01'")
        .replaceAll(/\{\{(\w+)\}\}/g, '$1');
      const r = await checker.check(sql, ctx);
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.kind).toBe('list');
    } finally {
      checker.close();
    }
  });

  it('golden: active customers (default), in the overlap only', async () => {
    // active customers: a, b, c, e, f; the platform saw a, b, d, e, x, y
    // overlap & active = a, b, e (c and f were never seen; d is churned; x, y are not customers)
    // created_since defaults to 1900-01-01, so e (no date_created) is excluded: NULL >= date is not true
    // -> a, b (a once, although it has 3 impressions)
    const out = await runAnalysis(db, segmentExport, hand);
    expect(out.columns).toEqual(['email_address']);
    expect(out.rows.map((r) => r[0]).sort()).toEqual(['a@x.com', 'b@x.com']);
  });

  it('golden: churned; and active since 2021', async () => {
    // churned: d, seen -> d
    const churned = await runAnalysis(db, segmentExport, hand, { status: 'churned' });
    expect(churned.rows).toEqual([['d@x.com']]);
    // active and created on/after 2021-01-01: b (2022-06-01), c (2023, not seen), f (2024, not seen) -> b
    const recent = await runAnalysis(db, segmentExport, hand, { created_since: '2021-01-01' });
    expect(recent.rows).toEqual([['b@x.com']]);
  });

  it('refuses a status outside the declared values (test binder)', () => {
    expect(() => bindForTest(segmentExport, hand, { status: "active' OR 1=1 --" })).toThrow(/must be one of/);
  });

  it('generated data: agrees with plain SQL (INTERSECT) and stays inside the overlap', async () => {
    const gen = { customers: 'gen_customers', impressions: 'gen_impressions' };
    for (const [status, since] of [['active', '1900-01-01'], ['inactive', '2021-01-01'], ['churned', '2019-06-15']] as const) {
      const plain = await sorted(`
        SELECT email_address FROM gen_customers WHERE status = '${status}' AND date_created >= DATE '${since}'
        INTERSECT
        SELECT email_address FROM gen_impressions`);
      const analysed = (await runAnalysis(db, segmentExport, gen, { status, created_since: since })).rows.map((r) => String(r[0])).sort();
      expect(analysed).toEqual(plain);
      expect(analysed.length).toBeGreaterThan(10);
      expect(new Set(analysed).size).toBe(analysed.length);
    }
    // Brand customers the platform never saw exist, and none of them is ever delivered.
    const unseen = await sorted('SELECT email_address FROM gen_customers EXCEPT SELECT email_address FROM gen_impressions');
    expect(unseen.length).toBeGreaterThan(100);
    const all = new Set((await runAnalysis(db, segmentExport, gen)).rows.map((r) => String(r[0])));
    expect(unseen.some((e) => all.has(e))).toBe(false);
  });
});
