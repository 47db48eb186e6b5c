import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversionOverlap } from './conversion-overlap.ts';
import {
  closeMeasurementData, convertTemplate, openMeasurementData, pick, rowsOf, runAnalysis, sortedRows,
  type GeneratedData, type TestTables,
} from './measurement-test-kit.ts';

let db: DuckDBConnection;
let golden: TestTables;
let generated: GeneratedData;

beforeAll(async () => {
  ({ db, golden, generated } = await openMeasurementData());
});
afterAll(() => closeMeasurementData({ db, generated }));

describe('conversion-overlap', () => {
  it('converts through the allowlisted AST with its parameter', async () => {
    expect(await convertTemplate(conversionOverlap)).toContain('$by');
  });

  it('golden: overall', async () => {
    // Converters a (C1, C2), b (C3), c (C4), e (C5): 4 people, 5 conversions.
    // First impressions: a 03-01 10:00, b 03-02 08:00, c 03-20 00:00, e none.
    // Exposed converters: a, b, c = 3. After exposure (first impression <= a conversion): a yes, b yes (same instant),
    // c no (impression after C4) = 2. Exposed conversions: C1..C4 = 4; after exposure: C1, C2, C3 = 3.
    // exposed_share 3 / 4 = 0.75.
    const { result } = await runAnalysis(db, conversionOverlap, golden, { by: 'overall' });
    expect(result.rows).toEqual([['overall', 'all', 4, 3, 2, 5, 4, 3, 0.75]]);
  });

  it('golden: by price', async () => {
    // 10.00: C1 (a, exposed, after) and C5 (e, not exposed): 2 converters, 1 exposed, 1 after; 2 / 1 / 1 conversions;
    //        share 1/2.
    // 20.00: C2 (a, after): 1, 1, 1; 1, 1, 1; share 1.   30.00: C4 (c, exposed but later): 1, 1, 0; 1, 1, 0; share 1.
    // 5.00: C3 (b, same instant): 1, 1, 1; 1, 1, 1; share 1.  Values sort as text.
    const { result } = await runAnalysis(db, conversionOverlap, golden, { by: 'price' });
    expect(result.rows).toEqual([
      ['price', '10.00', 2, 1, 1, 2, 1, 1, 0.5],
      ['price', '20.00', 1, 1, 1, 1, 1, 1, 1],
      ['price', '30.00', 1, 1, 0, 1, 1, 0, 1],
      ['price', '5.00', 1, 1, 1, 1, 1, 1, 1],
    ]);
  });

  it('golden: by creative (a converter is in the row of every creative seen; NULL = saw none)', async () => {
    // First exposure per creative: a cr-1 03-01 10:00, cr-2 03-05 12:00, cr-3 03-10 09:00; b cr-1 and cr-3 03-02 08:00;
    // c cr-2 03-20 00:00; e none.
    // cr-1: C1 a, C2 a, C3 b -> converters a, b = 2, all after exposure; 3 conversions all after.
    // cr-2: C1 a, C2 a, C4 c -> 2 converters, after: a only = 1; 3 conversions, after: C1, C2 = 2.
    // cr-3: C1 a (same instant as I3), C2 a, C3 b (same instant) -> 2, 2 after; 3 conversions, 3 after.
    // NULL: C5 e -> 1 converter, none exposed; 1 conversion; exposed_share 0.
    const { result } = await runAnalysis(db, conversionOverlap, golden, { by: 'creative' });
    expect(result.rows).toEqual([
      ['creative', 'cr-1', 2, 2, 2, 3, 3, 3, 1],
      ['creative', 'cr-2', 2, 2, 1, 3, 3, 2, 1],
      ['creative', 'cr-3', 2, 2, 2, 3, 3, 3, 1],
      ['creative', null, 1, 0, 0, 1, 0, 0, 0],
    ]);
  });

  it('generated data: equals an independent EXISTS-based answer for each breakdown', async () => {
    const exposed = (extra: string): string => `EXISTS (SELECT 1 FROM g_impressions j WHERE j.email_address = c.email_address ${extra})`;
    const counts = (cond: string): string => `count(DISTINCT c.email_address) FILTER (WHERE ${cond}), `;
    const agg = (cExposed: string, cAfter: string): string =>
      `count(DISTINCT c.email_address), ${counts(cExposed)}${counts(cAfter)}count(*),
       count(*) FILTER (WHERE ${cExposed}), count(*) FILTER (WHERE ${cAfter})`;
    const cases: Record<string, string> = {
      overall: `SELECT 'all', ${agg(exposed(''), exposed('AND j.date <= c.date'))} FROM g_conversions c`,
      price: `SELECT CAST(c.price AS VARCHAR), ${agg(exposed(''), exposed('AND j.date <= c.date'))} FROM g_conversions c GROUP BY 1`,
      creative: `SELECT p.creative_id, ${agg('TRUE', exposed('AND j.creative_id = p.creative_id AND j.date <= c.date'))}
                   FROM g_conversions c JOIN (SELECT DISTINCT email_address, creative_id FROM g_impressions) p ON p.email_address = c.email_address
                   GROUP BY 1
                 UNION ALL
                 SELECT NULL, ${agg('FALSE', 'FALSE')} FROM g_conversions c WHERE NOT ${exposed('')}`,
    };
    for (const [by, sql] of Object.entries(cases)) {
      const expected = await rowsOf(db, sql);
      const { result } = await runAnalysis(db, conversionOverlap, generated.tables, { by });
      const seven = pick(result, [1, 2, 3, 4, 5, 6, 7]);
      expect(seven.rows.length, by).toBeGreaterThan(0);
      expect(sortedRows(seven), by).toEqual(sortedRows(expected));
    }
  });
});
