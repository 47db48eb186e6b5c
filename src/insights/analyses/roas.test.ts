import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roas } from './roas.ts';
import {
  closeMeasurementData, convertTemplate, objects, openMeasurementData, rowsOf, runAnalysis, sortedRows,
  type GeneratedData, type TestTables,
} from './measurement-test-kit.ts';

let db: DuckDBConnection;
let golden: TestTables;
let generated: GeneratedData;

beforeAll(async () => {
  ({ db, golden, generated } = await openMeasurementData());
});
afterAll(() => closeMeasurementData({ db, generated }));

describe('roas', () => {
  it('converts through the allowlisted AST with its parameters', async () => {
    const printed = await convertTemplate(roas);
    expect(printed).toContain('$lookback_days');
    expect(printed).toContain('$currency');
  });

  it('golden: spend, attributed revenue in the chosen currency, other currencies in their own rows', async () => {
    // Spend: cmp-1 = I1 0.01 + I2 0.02 + I5 0.01 + I6 0.05 + I7 0.004 + G0..G10 11 x 0 = 0.094000 over 5 + 11 = 16
    //        impressions; cmp-2 = I3 0.03 + I4 0.01 = 0.040000 over 2 impressions.
    // Attribution (lookback 7, see attribution.test.ts): C1 -> cmp-2 (USD 10.00), C3 -> cmp-1 (CAD 5.00), others none.
    // USD: cmp-1 main row: 0 conversions, revenue 0.00, ROAS 0 / 0.094 = 0, CPA 0.094 / 0 -> NULL,
    //        CPM 0.094 * 1000 / 16 = 5.875; plus a CAD row: 1 conversion, 5.00.
    //      cmp-2 main row: 1 conversion, 10.00, ROAS 10 / 0.04 = 250, CPA 0.04 / 1 = 0.04, CPM 0.04 * 1000 / 2 = 20.
    const usd = objects((await runAnalysis(db, roas, golden, { lookback_days: 7, currency: 'USD' })).result);
    expect(usd.map((r) => [r['campaign_id'], r['currency'], r['impressions'], r['spend'], r['attributed_conversions'], r['attributed_revenue']])).toEqual([
      ['cmp-1', 'USD', 16, '0.094000', 0, '0.00'],
      ['cmp-1', 'CAD', null, null, 1, '5.00'],
      ['cmp-2', 'USD', 2, '0.040000', 1, '10.00'],
    ]);
    expect(usd[0]?.['roas']).toBe(0);
    expect(usd[0]?.['cpa']).toBeNull();
    expect(usd[0]?.['cpm']).toBeCloseTo(5.875, 12);
    expect([usd[1]?.['roas'], usd[1]?.['cpa'], usd[1]?.['cpm']]).toEqual([null, null, null]);
    expect(usd[2]?.['roas']).toBeCloseTo(250, 10);
    expect(usd[2]?.['cpa']).toBeCloseTo(0.04, 12);
    expect(usd[2]?.['cpm']).toBeCloseTo(20, 10);

    // CAD: cmp-1 main row: 1 conversion, 5.00, ROAS 5 / 0.094 = 53.1914893617..., CPA 0.094, CPM 5.875;
    //      cmp-2 main row: 0 conversions, ROAS 0, CPA NULL, CPM 20; plus a USD row: 1 conversion, 10.00.
    const cad = objects((await runAnalysis(db, roas, golden, { lookback_days: 7, currency: 'CAD' })).result);
    expect(cad.map((r) => [r['campaign_id'], r['currency'], r['impressions'], r['spend'], r['attributed_conversions'], r['attributed_revenue'], r['cpa']])).toEqual([
      ['cmp-1', 'CAD', 16, '0.094000', 1, '5.00', 0.094],
      ['cmp-2', 'CAD', 2, '0.040000', 0, '0.00', null],
      ['cmp-2', 'USD', null, null, 1, '10.00', null],
    ]);
    expect(cad[0]?.['roas']).toBeCloseTo(53.19148936170213, 10);
  });

  it('generated data: equals spend and attribution computed separately with correlated subqueries', async () => {
    const lookback = 14;
    const currency = 'USD';
    const expected = await rowsOf(db, `
      WITH credited AS (
        SELECT c.price, c.currency,
               (SELECT i.campaign_id FROM g_impressions i
                 WHERE i.email_address = c.email_address AND i.date <= c.date AND i.date >= c.date - to_days(${lookback})
                 ORDER BY i.date DESC, i.campaign_id, i.creative_id LIMIT 1) AS campaign_id
        FROM g_conversions c),
      att AS (SELECT campaign_id, currency, count(*) AS k, sum(price) AS r FROM credited WHERE campaign_id IS NOT NULL GROUP BY ALL),
      spend AS (SELECT campaign_id, count(*) AS n, sum(cost) AS s FROM g_impressions GROUP BY ALL)
      SELECT s.campaign_id, '${currency}', s.n, s.s, coalesce(a.k, 0), coalesce(a.r, 0),
             CAST(coalesce(a.r, 0) AS DOUBLE) / CAST(s.s AS DOUBLE), CAST(s.s AS DOUBLE) / CAST(a.k AS DOUBLE),
             CAST(s.s AS DOUBLE) * 1000 / CAST(s.n AS DOUBLE)
      FROM spend s LEFT JOIN att a ON a.campaign_id = s.campaign_id AND a.currency = '${currency}'
      UNION ALL
      SELECT a.campaign_id, a.currency, NULL, NULL, a.k, a.r, NULL, NULL, NULL FROM att a WHERE a.currency <> '${currency}'`);
    const { result } = await runAnalysis(db, roas, generated.tables, { lookback_days: lookback, currency });
    expect(result.rows.length).toBeGreaterThan(5);
    expect(sortedRows(result)).toEqual(sortedRows(expected));
  });
});
