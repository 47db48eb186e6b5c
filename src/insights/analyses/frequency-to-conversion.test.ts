import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frequencyToConversion } from './frequency-to-conversion.ts';
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

describe('frequency-to-conversion', () => {
  it('converts through the allowlisted AST', async () => {
    expect(await convertTemplate(frequencyToConversion)).toMatch(/^WITH/);
  });

  it('golden: buckets of total frequency, conversions at or after the first impression', async () => {
    // Reached: a 3 impressions (first 03-01 10:00), b 2 (first 03-02 08:00), c 1 (03-20 00:00), d 1, g 11.
    // Conversions at/after first impression: a C1, C2 -> 2; b C3 (same instant) -> 1; c C4 is before -> 0; d, g 0.
    // '1': c, d -> 2 people, 0 converters, rate 0, 0 conversions.   '2': b -> 1, 1, 1, 1.
    // '3': a -> 1, 1, 1, 2.   '10+': g -> 1, 0, 0, 0.
    const { result } = await runAnalysis(db, frequencyToConversion, golden);
    expect(result.rows).toEqual([
      ['1', 1, 2, 0, 0, 0],
      ['2', 2, 1, 1, 1, 1],
      ['3', 3, 1, 1, 1, 2],
      ['10+', 10, 1, 0, 0, 0],
    ]);
  });

  it('generated data: equals an independent correlated-subquery answer', async () => {
    const expected = await rowsOf(db, `
      WITH p AS (
        SELECT e.email_address,
               (SELECT count(*) FROM g_impressions i WHERE i.email_address = e.email_address) AS f,
               (SELECT count(*) FROM g_conversions c WHERE c.email_address = e.email_address
                  AND c.date >= (SELECT min(i.date) FROM g_impressions i WHERE i.email_address = e.email_address)) AS k
        FROM (SELECT DISTINCT email_address FROM g_impressions) e)
      SELECT CASE WHEN f > 9 THEN '10+' ELSE f::VARCHAR END, CASE WHEN f > 9 THEN 10 ELSE f END,
             count(*), count(*) FILTER (WHERE k > 0), sum(k)
      FROM p GROUP BY ALL`);
    const { result } = await runAnalysis(db, frequencyToConversion, generated.tables);
    const picked = pick(result, [0, 1, 2, 3, 5]);
    expect(picked.rows.length).toBe(10);
    expect(sortedRows(picked)).toEqual(sortedRows(expected));
  });
});
