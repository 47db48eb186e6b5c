import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attribution } from './attribution.ts';
import { PLATFORM_CARRIERS, withThreshold } from '../test-support.ts';
import {
  bindForTest, closeMeasurementData, convertTemplate, objects, openMeasurementData, rowsOf, runAnalysis, sortedRows,
  type GeneratedData, type TestTables,
} from './measurement-test-kit.ts';

let db: DuckDBConnection;
let golden: TestTables;
let generated: GeneratedData;

beforeAll(async () => {
  ({ db, golden, generated } = await openMeasurementData());
});
afterAll(() => closeMeasurementData({ db, generated }));

describe('attribution', () => {
  it('converts through the allowlisted AST with its parameter', async () => {
    expect(await convertTemplate(attribution)).toContain('$lookback_days');
  });

  it('golden: last touch at or before the conversion, within the window, ties by campaign', async () => {
    // lookback 7 days:
    // C1 a 03-10 09:00: a's impressions <= C1 and >= 03-03 09:00 are I2 (03-05 12:00) and
    //    I3 (03-10 09:00, same instant counts as before) -> the last is I3 = cmp-2/cr-3, USD 10.00.
    // C2 a 03-20 09:00: window starts 03-13 09:00; a's last impression I3 03-10 -> unattributed, USD 20.00.
    // C3 b 03-02 08:00: I4 (cmp-2/cr-3) and I5 (cmp-1/cr-1) both at the same instant -> tie to the
    //    smallest campaign_id: cmp-1/cr-1, CAD 5.00.
    // C4 c 03-19 23:00: c's only impression is 03-20 00:00, after -> unattributed, USD 30.00.
    // C5 e: no impressions -> unattributed, USD 10.00.
    // Unattributed USD: C2 + C4 + C5 = 3 conversions, people a, c, e = 3, revenue 20 + 30 + 10 = 60.00.
    const { result } = await runAnalysis(db, attribution, golden, { lookback_days: 7 });
    expect(objects(result)).toEqual([
      { campaign_id: 'cmp-1', creative_id: 'cr-1', currency: 'CAD', attributed: true, conversions: 1, converters: 1, revenue: '5.00' },
      { campaign_id: 'cmp-2', creative_id: 'cr-3', currency: 'USD', attributed: true, conversions: 1, converters: 1, revenue: '10.00' },
      { campaign_id: null, creative_id: null, currency: 'USD', attributed: false, conversions: 3, converters: 3, revenue: '60.00' },
    ]);
  });

  it('golden: the window boundary is inclusive (exactly lookback_days x 24 h before counts)', async () => {
    // lookback 10: C2 (03-20 09:00) window starts 03-10 09:00 = I3 exactly -> C2 credited to cmp-2/cr-3.
    // cmp-2/cr-3 USD: C1 + C2 = 2 conversions, 1 person (a), 10 + 20 = 30.00; unattributed: C4, C5 = 40.00.
    const ten = await runAnalysis(db, attribution, golden, { lookback_days: 10 });
    expect(objects(ten.result)).toEqual([
      { campaign_id: 'cmp-1', creative_id: 'cr-1', currency: 'CAD', attributed: true, conversions: 1, converters: 1, revenue: '5.00' },
      { campaign_id: 'cmp-2', creative_id: 'cr-3', currency: 'USD', attributed: true, conversions: 2, converters: 1, revenue: '30.00' },
      { campaign_id: null, creative_id: null, currency: 'USD', attributed: false, conversions: 2, converters: 2, revenue: '40.00' },
    ]);
    // lookback 9: the window of C2 starts 03-11 09:00, one day after I3 -> C2 unattributed again (as with 7).
    const nine = await runAnalysis(db, attribution, golden, { lookback_days: 9 });
    expect(nine.result.rows.at(-1)).toEqual([null, null, 'USD', false, 3, 3, '60.00']);
  });

  it('golden: under an impressions constraint the unattributed row counts the reached people among its converters', async () => {
    // lookback 7, unattributed USD row: C2 (a), C4 (c), C5 (e). a and c have impressions
    // (outside the window), e has none: the row carries 2 distinct impression people.
    // The clean room adds HAVING count(DISTINCT k.impression_email_address) >= minimum.
    const sql = bindForTest(attribution, golden, { lookback_days: 7 });
    const at = async (minimum: number): Promise<readonly (readonly unknown[])[]> =>
      (await rowsOf(db, withThreshold(sql, PLATFORM_CARRIERS['attribution'] ?? [], minimum))).rows;
    expect(await at(2)).toEqual([[null, null, 'USD', false, 3, 3, '60.00']]);
    expect(await at(3)).toEqual([]);
    // With a minimum of 1, the attributed rows (one credited person each) are back too.
    expect((await at(1)).length).toBe(3);
  });

  it('generated data: equals an independent correlated-subquery answer', async () => {
    for (const lookback of [7, 30]) {
      const last = (col: string): string => `(SELECT i.${col} FROM g_impressions i
          WHERE i.email_address = c.email_address AND i.date <= c.date AND i.date >= c.date - to_days(${lookback})
          ORDER BY i.date DESC, i.campaign_id, i.creative_id LIMIT 1)`;
      const expected = await rowsOf(db, `
        WITH credited AS (
          SELECT c.email_address, c.price, c.currency, ${last('campaign_id')} AS campaign_id, ${last('creative_id')} AS creative_id,
                 EXISTS (SELECT 1 FROM g_impressions i WHERE i.email_address = c.email_address AND i.date <= c.date
                           AND i.date >= c.date - to_days(${lookback})) AS attributed
          FROM g_conversions c)
        SELECT campaign_id, creative_id, currency, attributed, count(*), count(DISTINCT email_address), sum(price)
        FROM credited GROUP BY ALL`);
      const { result } = await runAnalysis(db, attribution, generated.tables, { lookback_days: lookback });
      expect(result.rows.length).toBeGreaterThan(5);
      expect(sortedRows(result)).toEqual(sortedRows(expected));
    }
  });
});
