import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeToConversion } from './time-to-conversion.ts';
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

describe('time-to-conversion', () => {
  it('converts through the allowlisted AST', async () => {
    expect(await convertTemplate(timeToConversion)).toContain("date_diff('day'");
  });

  it('golden: days from the first and from the last impression at or before each conversion', async () => {
    // C1 a 03-10 09:00: first I1 03-01 -> 9 days ('8-14 days'); last I3 03-10 09:00 (same instant) -> 'same day'.
    // C2 a 03-20 09:00: first 03-01 -> 19 days ('15-30 days'); last I3 03-10 -> 10 days ('8-14 days').
    // C3 b 03-02 08:00: first = last = 03-02 08:00 -> 'same day' for both.
    // C4 (impression only after it) and C5 (no impression) are left out.
    // first: same day 1 (b), 8-14 1 (a), 15-30 1 (a): 3 conversions, shares 1/3 each.
    // last: same day 2 (a, b), 8-14 1 (a): shares 2/3, 1/3.
    const { result } = await runAnalysis(db, timeToConversion, golden);
    expect(result.rows).toEqual([
      ['first', 'same day', 0, 1, 1, 1 / 3],
      ['first', '8-14 days', 5, 1, 1, 1 / 3],
      ['first', '15-30 days', 6, 1, 1, 1 / 3],
      ['last', 'same day', 0, 2, 2, 2 / 3],
      ['last', '8-14 days', 5, 1, 1, 1 / 3],
    ]);
  });

  it('generated data: equals an independent answer from correlated MIN/MAX and DATE subtraction', async () => {
    const bucket = (d: string): string => `CASE WHEN ${d} < 4 THEN ${d} WHEN ${d} < 8 THEN 4 WHEN ${d} < 15 THEN 5 WHEN ${d} < 31 THEN 6 ELSE 7 END`;
    const expected = await rowsOf(db, `
      WITH x AS (
        SELECT c.email_address, c.date,
          (SELECT min(i.date) FROM g_impressions i WHERE i.email_address = c.email_address AND i.date <= c.date) AS f,
          (SELECT max(i.date) FROM g_impressions i WHERE i.email_address = c.email_address AND i.date <= c.date) AS l
        FROM g_conversions c),
      d AS (
        SELECT email_address, 'first' AS anchor, CAST(date AS DATE) - CAST(f AS DATE) AS days FROM x WHERE f IS NOT NULL
        UNION ALL
        SELECT email_address, 'last', CAST(date AS DATE) - CAST(l AS DATE) FROM x WHERE l IS NOT NULL)
      SELECT anchor, ${bucket('days')}, count(*), count(DISTINCT email_address) FROM d GROUP BY ALL`);
    const { result } = await runAnalysis(db, timeToConversion, generated.tables);
    const picked = pick(result, [0, 2, 3, 4]);
    expect(picked.rows.length).toBeGreaterThan(8);
    expect(sortedRows(picked)).toEqual(sortedRows(expected));
  });
});
