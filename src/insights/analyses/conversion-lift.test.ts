import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOLDOUT_CAVEAT, conversionLift } from './conversion-lift.ts';
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

describe('conversion-lift', () => {
  it('converts through the allowlisted AST with its parameter', async () => {
    expect(await convertTemplate(conversionLift)).toContain('$design');
  });

  it('reads only the holdout and the conversions; the exposure design is its fallback analysis', () => {
    expect(conversionLift.tables).toEqual(['conversions', 'campaign_audience']);
    expect(conversionLift.parameters.find((p) => p.name === 'design')?.allowed).toEqual(['holdout']);
  });

  it('golden: randomised holdout, with the statistics worked out by hand', async () => {
    // Converters (any conversion): a, b, c, e.
    // cmp-1: test a, b, c, d -> 4 users, converters a, b, c = 3; control e, f -> 2 users, converter e = 1.
    //   p1 = 3/4 = 0.75, p2 = 1/2 = 0.5, lift 0.25, relative 0.25 / 0.5 = 0.5.
    //   unpooled SE = sqrt(0.75*0.25/4 + 0.5*0.5/2) = sqrt(0.046875 + 0.125) = sqrt(0.171875) = 0.4145781;
    //   CI = 0.25 ± 1.959964 * 0.4145781 = 0.25 ± 0.8125583 = (−0.5625583, 1.0625583).
    //   pooled p = 4/6; pooled SE = sqrt(2/3 * 1/3 * (1/4 + 1/2)) = sqrt(1/6) = 0.4082483;
    //   z = 0.25 / 0.4082483 = 0.6123724; p = 2 (1 − Φ(0.6123724)) = 2 (1 − 0.7298545) = 0.5402911.
    //   incremental = 0.25 * 4 = 1.
    // cmp-2: test a, b -> 2 users, 2 converters; control f -> 1 user, 0 converters.
    //   p1 = 1, p2 = 0, lift 1, relative NULL (control rate 0); unpooled SE 0 -> CI (1, 1);
    //   pooled p = 2/3, SE = sqrt(2/3 * 1/3 * (1/2 + 1)) = sqrt(1/3) = 0.5773503; z = 1.7320508;
    //   p = 2 (1 − Φ(1.7320508)) = 2 (1 − 0.9583677) = 0.0832645; incremental = 1 * 2 = 2.
    const { raw, result } = await runAnalysis(db, conversionLift, golden, { design: 'holdout' });
    expect(raw.rows).toEqual([['holdout', 'cmp-1', 4, 3, 2, 1], ['holdout', 'cmp-2', 2, 2, 1, 0]]);
    const [one, two] = objects(result);
    expect(one?.['test_rate']).toBe(0.75);
    expect(one?.['control_rate']).toBe(0.5);
    expect(one?.['absolute_lift']).toBe(0.25);
    expect(one?.['relative_lift']).toBe(0.5);
    expect(one?.['ci95_low']).toBeCloseTo(-0.5625583, 6);
    expect(one?.['ci95_high']).toBeCloseTo(1.0625583, 6);
    expect(one?.['z']).toBeCloseTo(0.6123724, 6);
    expect(one?.['p_value']).toBeCloseTo(0.5402911, 6);
    expect(one?.['incremental_conversions']).toBe(1);
    expect(one?.['caveat']).toBe(HOLDOUT_CAVEAT);
    expect(two?.['absolute_lift']).toBe(1);
    expect(two?.['relative_lift']).toBeNull();
    expect([two?.['ci95_low'], two?.['ci95_high']]).toEqual([1, 1]);
    expect(two?.['z']).toBeCloseTo(1.7320508, 6);
    expect(two?.['p_value']).toBeCloseTo(0.0832645, 6);
    expect(two?.['incremental_conversions']).toBe(2);
  });

  it('generated data: equals an independent IN-subquery answer', async () => {
    const converted = 'email_address IN (SELECT email_address FROM g_conversions)';
    const holdout = await rowsOf(db, `
      SELECT 'holdout', campaign_id,
        count(DISTINCT email_address) FILTER (WHERE test_group = 'test'),
        count(DISTINCT email_address) FILTER (WHERE test_group = 'test' AND ${converted}),
        count(DISTINCT email_address) FILTER (WHERE test_group = 'control'),
        count(DISTINCT email_address) FILTER (WHERE test_group = 'control' AND ${converted})
      FROM g_campaign_audience GROUP BY campaign_id`);
    const h = await runAnalysis(db, conversionLift, generated.tables, { design: 'holdout' });
    expect(h.raw.rows.length).toBe(5);
    expect(sortedRows(h.raw)).toEqual(sortedRows(holdout));
  });
});
