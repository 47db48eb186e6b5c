import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPOSURE_CAVEAT, LIFT_OUTPUT } from './conversion-lift.ts';
import { conversionLiftExposure } from './conversion-lift-exposure.ts';
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

/** The first six output columns (the arms) of the finished rows. */
function arms(rows: { rows: readonly (readonly unknown[])[] }): unknown[][] {
  return rows.rows.map((r) => r.slice(0, 6));
}

describe('conversion-lift-exposure', () => {
  it('converts through the allowlisted AST', async () => {
    expect(await convertTemplate(conversionLiftExposure)).toContain('UNION ALL');
  });

  it('has the output columns of conversion-lift', () => {
    expect(conversionLiftExposure.output).toBe(LIFT_OUTPUT);
  });

  it('golden: exposed vs unexposed customers, flagged as biased', async () => {
    // Customers a..f (g is reached but not a customer). Converters (any conversion): a, b, c, e.
    // SQL rows: test arms = customers with an impression of the campaign, and all customers.
    //   cmp-1 exposed customers: a, b, c, d -> 4 users, converters a, b, c = 3.
    //   cmp-2 exposed customers: a, b -> 2 users, converters a, b = 2.
    //   all customers: a..f -> 6 users, converters a, b, c, e = 4.
    // finish: control = all − test.
    //   cmp-1: control 6 − 4 = 2 users (e, f), 4 − 3 = 1 converter (e).
    //   cmp-2: control 6 − 2 = 4 users (c, d, e, f), 4 − 2 = 2 converters (c, e).
    //   cmp-2: p1 = 1, p2 = 0.5, lift 0.5, relative 1, incremental 0.5 * 2 = 1.
    const { raw, result } = await runAnalysis(db, conversionLiftExposure, golden);
    expect(raw.rows).toEqual([
      ['exposure', 'test', 'cmp-1', 4, 3],
      ['exposure', 'test', 'cmp-2', 2, 2],
      ['exposure', 'all customers', null, 6, 4],
    ]);
    expect(arms(result)).toEqual([['exposure', 'cmp-1', 4, 3, 2, 1], ['exposure', 'cmp-2', 2, 2, 4, 2]]);
    const two = objects(result)[1];
    expect([two?.['absolute_lift'], two?.['relative_lift'], two?.['incremental_conversions']]).toEqual([0.5, 1, 1]);
    expect(objects(result).every((r) => r['caveat'] === EXPOSURE_CAVEAT)).toBe(true);
    expect(EXPOSURE_CAVEAT).toMatch(/BIASED/);
  });

  it('golden: without the all-customers row (suppressed), the control arms are NULL', () => {
    const finish = conversionLiftExposure.finish;
    if (!finish) throw new Error('no finish');
    const out = finish({ columns: ['design', 'scope', 'campaign_id', 'users', 'converters'], rows: [['exposure', 'test', 'cmp-1', 4, 3]] });
    expect(arms(out)).toEqual([['exposure', 'cmp-1', 4, 3, null, null]]);
    expect(objects(out)[0]?.['absolute_lift']).toBeNull();
  });

  it('generated data: equals an independent customers × campaigns answer', async () => {
    const converted = 'email_address IN (SELECT email_address FROM g_conversions)';
    const exposure = await rowsOf(db, `
      WITH pairs AS (
        SELECT cu.email_address, k.campaign_id,
               EXISTS (SELECT 1 FROM g_impressions i WHERE i.email_address = cu.email_address AND i.campaign_id = k.campaign_id) AS exposed
        FROM g_customers cu, (SELECT DISTINCT campaign_id FROM g_impressions) k)
      SELECT 'exposure', campaign_id,
        count(DISTINCT email_address) FILTER (WHERE exposed),
        count(DISTINCT email_address) FILTER (WHERE exposed AND ${converted}),
        count(DISTINCT email_address) FILTER (WHERE NOT exposed),
        count(DISTINCT email_address) FILTER (WHERE NOT exposed AND ${converted})
      FROM pairs GROUP BY campaign_id`);
    const e = await runAnalysis(db, conversionLiftExposure, generated.tables);
    expect(e.result.rows.length).toBe(5);
    expect(arms(e.result).map((r) => JSON.stringify(r)).sort()).toEqual(sortedRows(exposure));
  });
});
