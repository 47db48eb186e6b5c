import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asObjects, closeTestData, converterRefusal, createAudienceTables, customRuleCheck, openTestData, runAnalysis, type GeneratedTestData, type TestDb,
} from '../test-support.ts';
import { audienceOverlap } from './audience-overlap.ts';

let db: TestDb;
let data: GeneratedTestData;

beforeAll(async () => {
  ({ db, data } = await openTestData({
    seed: 31, platforms: 1, setup: createAudienceTables,
    views: { gen_customers: 'customers', gen_impressions: 'impressions' },
  }));
});

afterAll(() => closeTestData({ db, data }));

const hand = { customers: 'customers', impressions: 'impressions' };

describe('audience-overlap', () => {
  it('passes the custom rule (email_address not output; its COUNT_DISTINCT constraint reaches every output row)', async () => {
    for (const segment of ['none', 'state', 'birth_country', 'status', 'device_type']) {
      const r = await customRuleCheck(audienceOverlap, { segment });
      expect(r.refusal).toBeUndefined();
      expect([...r.carriers].sort()).toEqual(['customers.email_address -> x.brand_email', 'impressions.email_address -> x.platform_email'].sort());
    }
  });

  it('uses only allowlisted functions and syntax', async () => {
    expect(await converterRefusal(audienceOverlap)).toBeUndefined();
  });

  it('golden: no segment', async () => {
    // brand = {a,b,c,d,e,f,g} = 7; platform = {a,b,d,e,x,y,z} = 7; overlap = {a,b,d,e} = 4
    // share of brand 4/7, share of platform 4/7, jaccard 4 / (7 + 7 - 4) = 4/10
    const out = asObjects(await runAnalysis(db, audienceOverlap, hand));
    expect(out).toEqual([
      {
        segment: 'all', brand_customers: 7, platform_audience: 7, overlap: 4,
        overlap_share_of_brand: 4 / 7, overlap_share_of_platform: 4 / 7, jaccard: 4 / 10,
      },
    ]);
  });

  it('golden: by state (customer dimension, platform side is the total 7)', async () => {
    // (missing): g -> brand 1, overlap 0, jaccard 0 / (1 + 7 - 0) = 0
    // CA: a,b,f -> brand 3, overlap a,b = 2; jaccard 2 / (3 + 7 - 2) = 2/8
    // NY: c,d   -> brand 2, overlap d = 1;   jaccard 1 / (2 + 7 - 1) = 1/8
    // TX: e     -> brand 1, overlap e = 1;   jaccard 1 / (1 + 7 - 1) = 1/7
    // x, y, z are not customers: they have no state and make no row.
    const out = asObjects(await runAnalysis(db, audienceOverlap, hand, { segment: 'state' }));
    expect(out).toEqual([
      { segment: '(missing)', brand_customers: 1, platform_audience: 7, overlap: 0, overlap_share_of_brand: 0, overlap_share_of_platform: 0, jaccard: 0 },
      { segment: 'CA', brand_customers: 3, platform_audience: 7, overlap: 2, overlap_share_of_brand: 2 / 3, overlap_share_of_platform: 2 / 7, jaccard: 2 / 8 },
      { segment: 'NY', brand_customers: 2, platform_audience: 7, overlap: 1, overlap_share_of_brand: 1 / 2, overlap_share_of_platform: 1 / 7, jaccard: 1 / 8 },
      { segment: 'TX', brand_customers: 1, platform_audience: 7, overlap: 1, overlap_share_of_brand: 1, overlap_share_of_platform: 1 / 7, jaccard: 1 / 7 },
    ]);
  });

  it('golden: by device_type (platform dimension, brand side is the total 7)', async () => {
    // ctv: d            -> platform 1, overlap d = 1;       jaccard 1 / (7 + 1 - 1) = 1/7
    // desktop: a, y     -> platform 2, overlap a = 1;       jaccard 1 / (7 + 2 - 1) = 1/8
    // mobile: a,b,e,x,z -> platform 5 (a twice, z twice count once), overlap a,b,e = 3; jaccard 3 / (7 + 5 - 3) = 3/9
    // tablet: e         -> platform 1, overlap 1;           jaccard 1/7
    // c, f, g were never seen and make no row.
    const out = asObjects(await runAnalysis(db, audienceOverlap, hand, { segment: 'device_type' }));
    expect(out).toEqual([
      { segment: 'ctv', brand_customers: 7, platform_audience: 1, overlap: 1, overlap_share_of_brand: 1 / 7, overlap_share_of_platform: 1, jaccard: 1 / 7 },
      { segment: 'desktop', brand_customers: 7, platform_audience: 2, overlap: 1, overlap_share_of_brand: 1 / 7, overlap_share_of_platform: 1 / 2, jaccard: 1 / 8 },
      { segment: 'mobile', brand_customers: 7, platform_audience: 5, overlap: 3, overlap_share_of_brand: 3 / 7, overlap_share_of_platform: 3 / 5, jaccard: 3 / 9 },
      { segment: 'tablet', brand_customers: 7, platform_audience: 1, overlap: 1, overlap_share_of_brand: 1 / 7, overlap_share_of_platform: 1, jaccard: 1 / 7 },
    ]);
  });

  it('generated data: agrees with plain SQL (set operations) for every segment', async () => {
    const gen = { customers: 'gen_customers', impressions: 'gen_impressions' };
    const total = asObjects(await db.query(`
      SELECT 'all' AS segment,
        (SELECT count(*) FROM (SELECT email_address FROM gen_customers UNION SELECT email_address FROM gen_customers)) AS brand_customers,
        (SELECT count(*) FROM (SELECT email_address FROM gen_impressions GROUP BY email_address)) AS platform_audience,
        (SELECT count(*) FROM (SELECT email_address FROM gen_customers INTERSECT SELECT email_address FROM gen_impressions)) AS overlap`));
    const all = asObjects(await runAnalysis(db, audienceOverlap, gen));
    expect(all.map(({ segment, brand_customers, platform_audience, overlap }) => ({ segment, brand_customers, platform_audience, overlap })))
      .toEqual(total);
    const t = total[0];
    if (t === undefined) throw new Error('no total');
    expect(Number(t['overlap'])).toBeGreaterThan(100);

    for (const dimension of ['state', 'birth_country', 'status']) {
      const plain = asObjects(await db.query(`
        SELECT ${dimension} AS segment, count(DISTINCT email_address) AS brand_customers,
          ${Number(t['platform_audience'])} AS platform_audience,
          count(DISTINCT email_address) FILTER (WHERE EXISTS (SELECT 1 FROM gen_impressions i WHERE i.email_address = c.email_address)) AS overlap
        FROM gen_customers c GROUP BY ${dimension} ORDER BY ${dimension}`));
      const analysed = asObjects(await runAnalysis(db, audienceOverlap, gen, { segment: dimension }));
      expect(analysed.map(({ segment, brand_customers, platform_audience, overlap }) => ({ segment, brand_customers, platform_audience, overlap })))
        .toEqual(plain);
      for (const row of analysed) {
        const b = Number(row['brand_customers']);
        const p = Number(row['platform_audience']);
        const o = Number(row['overlap']);
        expect(row['jaccard']).toBe(o / (b + p - o));
      }
    }

    const byDevice = asObjects(await db.query(`
      SELECT i.device_type AS segment, ${Number(t['brand_customers'])} AS brand_customers,
        count(DISTINCT i.email_address) AS platform_audience,
        count(DISTINCT c.email_address) AS overlap
      FROM gen_impressions i LEFT JOIN gen_customers c USING (email_address)
      GROUP BY i.device_type ORDER BY i.device_type`));
    const analysed = asObjects(await runAnalysis(db, audienceOverlap, gen, { segment: 'device_type' }));
    expect(analysed.map(({ segment, brand_customers, platform_audience, overlap }) => ({ segment, brand_customers, platform_audience, overlap })))
      .toEqual(byDevice);
  });
});
