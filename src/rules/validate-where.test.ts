import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../sql/diagnostic.ts';
import type { AnalysisRule, QueryContext } from './rule-types.ts';
import {
  aggregationContext, conversionsAgg, CUSTOMER_COLUMNS, customersList, IMPRESSION_COLUMNS, impressionsAgg, impressionsList, listContext,
  QueryChecker, table,
} from './test-fixtures.ts';

/*
 * WHERE of aggregation and list rules (validate-where.ts), COALESCE in dimension
 * expressions (aggregation-columns.ts): no condition that is not a comparison, and no
 * implicit cast that fails on some values (a one-bit oracle: whether the query fails
 * would depend on rows the runner cannot see; test/attacks/engine-errors.test.ts).
 */

let checker: QueryChecker;
beforeAll(async () => {
  checker = await QueryChecker.create();
});
afterAll(() => checker.close());

const JOIN = 'FROM impressions i INNER JOIN conversions c ON i.email_address = c.email_address';
const DT = 'mixes DATE and TIMESTAMP; the engine would convert one side implicitly, which fails on values outside the other type\'s range';

/** Every table also grants CAST, DATEADD and CURRENT_DATE. */
function dated(): QueryContext {
  const more = (r: AnalysisRule): AnalysisRule => (r.kind === 'aggregation'
    ? { ...r, scalarFunctions: [...new Set([...r.scalarFunctions, 'CAST', 'COALESCE', 'DATEADD', 'CURRENT_DATE'] as const)] }
    : r);
  return aggregationContext({ impressions: more(impressionsAgg), conversions: more(conversionsAgg) });
}

async function check(sql: string, ctx: QueryContext): Promise<Diagnostic | undefined> {
  const r = await checker.check(sql, ctx);
  return r.ok ? undefined : r.error;
}

async function refused(sql: string, ctx: QueryContext): Promise<Diagnostic> {
  const e = await check(sql, ctx);
  if (e === undefined) throw new Error(`accepted: ${sql}`);
  return e;
}

async function accepted(sql: string, ctx: QueryContext): Promise<void> {
  const e = await check(sql, ctx);
  if (e !== undefined) throw new Error(`refused: ${e.code} ${e.message}`);
}

describe('aggregation rule: WHERE and HAVING take comparisons only, never a bare value', () => {
  it('refuses a text column as a condition, alone, under NOT or inside AND', async () => {
    for (const where of ['i.device_type', 'NOT i.device_type', "i.placement = 'feed' AND i.device_type", "NOT (i.placement = 'feed' OR i.device_type)"]) {
      const e = await refused(`SELECT COUNT(DISTINCT i.email_address) ${JOIN} WHERE ${where}`, aggregationContext());
      expect({ code: e.code, rule: e.rule, table: e.table }, where).toEqual({ code: 'filter-not-allowed', rule: 'aggregation', table: 'impressions' });
      expect(e.message).toContain('WHERE allows only comparisons combined with AND, OR and NOT');
    }
  });
  it('refuses an aggregate as a HAVING condition', async () => {
    const e = await refused(`SELECT COUNT(DISTINCT i.email_address) ${JOIN} HAVING SUM(i.cost)`, aggregationContext());
    expect(e.code).toBe('having-not-allowed');
  });
});

describe('aggregation rule: no implicit cast that fails on some values', () => {
  it('refuses DATE vs TIMESTAMP in WHERE comparisons, IN and BETWEEN (DATEADD returns a TIMESTAMP)', async () => {
    const cases: [string, string][] = [
      ['i.date >= DATEADD(day, -30, CURRENT_DATE)', `this comparison ${DT}`],
      ["i.date BETWEEN TIMESTAMP '2024-01-01 00:00:00' AND TIMESTAMP '2024-02-01 00:00:00'", `this BETWEEN ${DT}`],
      ["i.date IN (TIMESTAMP '2024-01-01 00:00:00')", `this IN list ${DT}`],
      ['c.date < CAST(c.date AS TIMESTAMP)', `this comparison ${DT}`],
    ];
    for (const [where, message] of cases) {
      const e = await refused(`SELECT COUNT(DISTINCT i.email_address) ${JOIN} WHERE ${where}`, dated());
      expect({ code: e.code, rule: e.rule }, where).toEqual({ code: 'type-mismatch', rule: 'aggregation' });
      expect(e.message, where).toBe(`aggregation rule: ${message}`);
      expect(e.hint).toBe('cast one side explicitly, e.g. CAST(d AS TIMESTAMP): CAST(x AS type) is printed as TRY_CAST and cannot fail');
    }
  });
  it('accepts the explicit casts', async () => {
    for (const where of [
      'CAST(i.date AS TIMESTAMP) >= DATEADD(day, -30, CURRENT_DATE)', 'i.date >= CAST(DATEADD(day, -30, CURRENT_DATE) AS DATE)',
      "i.date BETWEEN DATE '2024-01-01' AND DATE '2024-02-01'",
    ]) {
      await accepted(`SELECT COUNT(DISTINCT i.email_address) ${JOIN} WHERE ${where}`, dated());
    }
  });
  it('refuses COALESCE of a DATE and a TIMESTAMP as a dimension expression, in SELECT and GROUP BY', async () => {
    const e = await refused(`SELECT COALESCE(i.date, CAST(i.date AS TIMESTAMP)) AS k, COUNT(DISTINCT i.email_address) ${JOIN} GROUP BY k`, dated());
    expect({ code: e.code, rule: e.rule, table: e.table }).toEqual({ code: 'type-mismatch', rule: 'aggregation', table: 'impressions' });
    expect(e.message).toBe(`aggregation rule: this COALESCE ${DT}`);
    await accepted(`SELECT COALESCE(CAST(i.date AS TIMESTAMP), CAST(c.date AS TIMESTAMP)) AS k, COUNT(DISTINCT i.email_address) ${JOIN} GROUP BY k`, dated());
  });
  it('refuses numbers whose common DECIMAL type cannot hold both, and literals that do not fit', async () => {
    for (const [where, message] of [
      ['CAST(c.version AS DECIMAL(38,30)) = c.version', 'this comparison mixes DECIMAL(38,30) and INTEGER'],
      ['CAST(c.version AS DECIMAL(38,30)) = 123456789', 'this comparison mixes DECIMAL(38,30) and an integer literal of 9 digits'],
      ['CAST(c.version AS DECIMAL(38,30)) IN (1, 123456789)', 'this IN list mixes DECIMAL(38,30) and an integer literal of 9 digits'],
    ] as const) {
      const e = await refused(`SELECT COUNT(DISTINCT i.email_address) ${JOIN} WHERE ${where}`, dated());
      expect({ code: e.code, rule: e.rule, table: e.table }, where).toEqual({ code: 'type-mismatch', rule: 'aggregation', table: 'conversions' });
      expect(e.message).toContain(message);
      expect(e.hint).toContain('CAST(x AS DOUBLE)');
    }
    for (const where of ['CAST(c.version AS DECIMAL(38,30)) = 12345678', 'CAST(c.version AS DECIMAL(38,30)) = 1.5', 'CAST(c.version AS DECIMAL(12,2)) = c.version']) {
      await accepted(`SELECT COUNT(DISTINCT i.email_address) ${JOIN} WHERE ${where}`, dated());
    }
  });
});

describe('list rule: WHERE takes comparisons only and needs no failing implicit cast', () => {
  const LIST_JOIN = 'FROM customers cu INNER JOIN impressions i ON cu.email_address = i.email_address';
  it('refuses a text column as a condition', async () => {
    for (const where of ['i.device_type', "NOT i.device_type", "i.placement = 'feed' OR i.device_type"]) {
      const e = await refused(`SELECT DISTINCT cu.email_address ${LIST_JOIN} WHERE ${where}`, listContext());
      expect({ code: e.code, rule: e.rule }, where).toEqual({ code: 'filter-not-allowed', rule: 'list' });
    }
  });
  it('refuses a DATE list column compared with a TIMESTAMP', async () => {
    const base = listContext();
    const ctx: QueryContext = {
      ...base,
      tables: [
        table('customers', 'brand', CUSTOMER_COLUMNS, { ...customersList, listColumns: [...(customersList.kind === 'list' ? customersList.listColumns : []), 'date_created'] } as AnalysisRule),
        table('impressions', 'platform', IMPRESSION_COLUMNS, impressionsList),
      ],
    };
    const e = await refused(`SELECT DISTINCT cu.email_address ${LIST_JOIN} WHERE cu.date_created >= TIMESTAMP '2024-01-01 00:00:00'`, ctx);
    expect({ code: e.code, rule: e.rule, table: e.table }).toEqual({ code: 'type-mismatch', rule: 'list', table: 'customers' });
    expect(e.message).toBe(`list rule: this comparison ${DT}`);
    await accepted(`SELECT DISTINCT cu.email_address ${LIST_JOIN} WHERE cu.date_created >= DATE '2024-01-01'`, ctx);
  });
});
