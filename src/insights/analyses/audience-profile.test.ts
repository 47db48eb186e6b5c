import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asObjects, closeTestData, converterRefusal, createAudienceTables, customRuleCheck, openTestData, runAnalysis, type GeneratedTestData, type TestDb,
} from '../test-support.ts';
import { audienceProfile } from './audience-profile.ts';

let db: TestDb;
let data: GeneratedTestData;

beforeAll(async () => {
  ({ db, data } = await openTestData({
    seed: 32, platforms: 1, setup: createAudienceTables,
    views: { gen_customers: 'customers', gen_impressions: 'impressions' },
  }));
});

afterAll(() => closeTestData({ db, data }));

const hand = { customers: 'customers', impressions: 'impressions' };
const index = (overlap: number, overlapTotal: number, base: number, baseTotal: number): number =>
  (overlap / overlapTotal / (base / baseTotal)) * 100;

describe('audience-profile', () => {
  it('passes the custom rule (email_address not output; its COUNT_DISTINCT constraint reaches every output row)', async () => {
    for (const dimension of ['state', 'birth_country', 'status', 'device_type']) {
      const r = await customRuleCheck(audienceProfile, { dimension });
      expect(r.refusal).toBeUndefined();
      expect([...r.carriers].sort()).toEqual(['customers.email_address -> x.brand_email', 'impressions.email_address -> x.platform_email'].sort());
    }
  });

  it('uses only allowlisted functions and syntax', async () => {
    expect(await converterRefusal(audienceProfile)).toBeUndefined();
  });

  it('golden: state (base = brand customers)', async () => {
    // base = 7 customers; overlap = customers seen by the platform = {a,b,d,e} = 4
    // (missing): g       base 1, overlap 0 -> 0/4 vs 1/7, index 0
    // CA: a,b,f          base 3, overlap a,b = 2 -> 2/4 vs 3/7, index 0.5 / 0.428571 * 100 = 116.67
    // NY: c,d            base 2, overlap d = 1   -> 1/4 vs 2/7, index 87.5
    // TX: e              base 1, overlap e = 1   -> 1/4 vs 1/7, index 175
    const out = asObjects(await runAnalysis(db, audienceProfile, hand, { dimension: 'state' }));
    expect(out).toEqual([
      { value: '(missing)', overlap_people: 0, overlap_total: 4, base_people: 1, base_total: 7, share_of_overlap: 0, share_of_base: 1 / 7, index: 0 },
      { value: 'CA', overlap_people: 2, overlap_total: 4, base_people: 3, base_total: 7, share_of_overlap: 2 / 4, share_of_base: 3 / 7, index: index(2, 4, 3, 7) },
      { value: 'NY', overlap_people: 1, overlap_total: 4, base_people: 2, base_total: 7, share_of_overlap: 1 / 4, share_of_base: 2 / 7, index: index(1, 4, 2, 7) },
      { value: 'TX', overlap_people: 1, overlap_total: 4, base_people: 1, base_total: 7, share_of_overlap: 1 / 4, share_of_base: 1 / 7, index: index(1, 4, 1, 7) },
    ]);
    expect(index(2, 4, 3, 7)).toBeCloseTo(116.6667, 4);
    expect(index(1, 4, 2, 7)).toBeCloseTo(87.5, 10);
    expect(index(1, 4, 1, 7)).toBeCloseTo(175, 10);
  });

  it('golden: device_type (base = platform audience)', async () => {
    // base = platform audience {a,b,d,e,x,y,z} = 7; overlap = those who are customers {a,b,d,e} = 4
    // ctv: d             base 1, overlap 1 -> 1/4 vs 1/7, index 175
    // desktop: a,y       base 2, overlap a = 1 -> 1/4 vs 2/7, index 87.5
    // mobile: a,b,e,x,z  base 5, overlap a,b,e = 3 -> 3/4 vs 5/7, index 105
    // tablet: e          base 1, overlap 1 -> 175
    // (shares add up to more than 1: a and e were seen on two devices)
    const out = asObjects(await runAnalysis(db, audienceProfile, hand, { dimension: 'device_type' }));
    expect(out).toEqual([
      { value: 'ctv', overlap_people: 1, overlap_total: 4, base_people: 1, base_total: 7, share_of_overlap: 1 / 4, share_of_base: 1 / 7, index: index(1, 4, 1, 7) },
      { value: 'desktop', overlap_people: 1, overlap_total: 4, base_people: 2, base_total: 7, share_of_overlap: 1 / 4, share_of_base: 2 / 7, index: index(1, 4, 2, 7) },
      { value: 'mobile', overlap_people: 3, overlap_total: 4, base_people: 5, base_total: 7, share_of_overlap: 3 / 4, share_of_base: 5 / 7, index: index(3, 4, 5, 7) },
      { value: 'tablet', overlap_people: 1, overlap_total: 4, base_people: 1, base_total: 7, share_of_overlap: 1 / 4, share_of_base: 1 / 7, index: index(1, 4, 1, 7) },
    ]);
    expect(index(3, 4, 5, 7)).toBeCloseTo(105, 10);
  });

  it('generated data: agrees with plain SQL for every dimension', async () => {
    const gen = { customers: 'gen_customers', impressions: 'gen_impressions' };
    // The plain SQL below counts rows, which is right only if the file has one row per customer.
    const dup = await db.query('SELECT count(*) - count(DISTINCT email_address) FROM gen_customers');
    expect(dup.rows[0]?.[0]).toBe(0);
    for (const dimension of ['state', 'birth_country', 'status']) {
      const plain = asObjects(await db.query(`
        WITH seen AS (SELECT DISTINCT email_address FROM gen_impressions),
        flagged AS (
          SELECT coalesce(${dimension}, '(missing)') AS value, email_address IN (SELECT email_address FROM seen) AS matched
          FROM gen_customers
        ),
        counted AS (
          SELECT value, sum(matched::INT) AS overlap_people, sum(sum(matched::INT)) OVER () AS overlap_total,
            count(*) AS base_people, sum(count(*)) OVER () AS base_total
          FROM flagged GROUP BY value
        )
        SELECT value, overlap_people::BIGINT AS overlap_people, overlap_total::BIGINT AS overlap_total,
          base_people, base_total::BIGINT AS base_total,
          overlap_people / overlap_total AS share_of_overlap, base_people / base_total AS share_of_base,
          (overlap_people / overlap_total) / (base_people / base_total) * 100 AS index
        FROM counted ORDER BY value`));
      const analysed = asObjects(await runAnalysis(db, audienceProfile, gen, { dimension }));
      expect(analysed).toEqual(plain);
      expect(analysed.length).toBeGreaterThan(1);
    }
    const plainDevice = asObjects(await db.query(`
      WITH pairs AS (SELECT DISTINCT email_address, device_type FROM gen_impressions),
      customer_set AS (SELECT email_address FROM gen_customers)
      SELECT device_type AS value,
        count(*) FILTER (WHERE email_address IN (SELECT email_address FROM customer_set)) AS overlap_people,
        (SELECT count(DISTINCT email_address) FROM gen_impressions WHERE email_address IN (SELECT email_address FROM customer_set)) AS overlap_total,
        count(*) AS base_people,
        (SELECT count(DISTINCT email_address) FROM gen_impressions) AS base_total
      FROM pairs GROUP BY device_type ORDER BY device_type`));
    const analysedDevice = asObjects(await runAnalysis(db, audienceProfile, gen, { dimension: 'device_type' }));
    expect(analysedDevice.map(({ value, overlap_people, overlap_total, base_people, base_total }) => ({ value, overlap_people, overlap_total, base_people, base_total })))
      .toEqual(plainDevice);
  });
});
