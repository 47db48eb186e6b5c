import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asObjects, closeTestData, converterRefusal, customRuleCheck, openTestData, runAnalysis, type GeneratedTestData, type TestDb,
} from '../test-support.ts';
import { reachFrequency } from './reach-frequency.ts';

let db: TestDb;
let data: GeneratedTestData;

async function createHandTables(db: TestDb): Promise<void> {
  // cmp-1: a 1 impression, b 2, c 3, d 12; cmp-2: a 2, e 2.
  await db.run(`CREATE TABLE impressions AS
    SELECT * FROM (VALUES
      ('a@x.com', 'cmp-1', 'cr-1a', 'feed'),
      ('b@x.com', 'cmp-1', 'cr-1a', 'feed'), ('b@x.com', 'cmp-1', 'cr-1b', 'video'),
      ('c@x.com', 'cmp-1', 'cr-1a', 'feed'), ('c@x.com', 'cmp-1', 'cr-1a', 'feed'), ('c@x.com', 'cmp-1', 'cr-1b', 'feed'),
      ('a@x.com', 'cmp-2', 'cr-2a', 'display'), ('a@x.com', 'cmp-2', 'cr-2a', 'display'),
      ('e@x.com', 'cmp-2', 'cr-2a', 'display'), ('e@x.com', 'cmp-2', 'cr-2a', 'search')
    ) t(email_address, campaign_id, creative_id, placement)
    UNION ALL
    SELECT 'd@x.com', 'cmp-1', 'cr-1a', 'feed' FROM range(12)`);
}

beforeAll(async () => {
  ({ db, data } = await openTestData({
    seed: 33, platforms: 1, setup: createHandTables,
    views: { gen_impressions: 'impressions' },
  }));
});

afterAll(() => closeTestData({ db, data }));

const hand = { impressions: 'impressions' };

describe('reach-frequency', () => {
  it('passes the custom rule (email_address not output; its COUNT_DISTINCT constraint reaches every output row)', async () => {
    for (const by of ['campaign', 'creative', 'placement']) {
      const r = await customRuleCheck(reachFrequency, { by });
      expect(r.refusal).toBeUndefined();
      expect([...r.carriers].sort()).toEqual(['impressions.email_address -> u.email_address'].sort());
    }
  });

  it('uses only allowlisted functions and syntax', async () => {
    expect(await converterRefusal(reachFrequency)).toBeUndefined();
  });

  it('golden: by campaign, effective frequency 3', async () => {
    // cmp-1: frequencies a 1, b 2, c 3, d 12 -> reach 4, impressions 1+2+3+12 = 18, average 18/4 = 4.5,
    //        effective (>= 3): c, d = 2; buckets '1': a, '2': b, '3': c, '10+': d (one user each)
    // cmp-2: a 2, e 2 -> reach 2, impressions 4, average 2, effective 0; bucket '2': 2 users
    const out = asObjects(await runAnalysis(db, reachFrequency, hand));
    const cmp1 = { campaign_id: 'cmp-1', breakdown: 'all', reach: 4, impressions: 18, average_frequency: 4.5, effective_reach: 2 };
    const cmp2 = { campaign_id: 'cmp-2', breakdown: 'all', reach: 2, impressions: 4, average_frequency: 2, effective_reach: 0 };
    expect(out).toEqual([
      { ...cmp1, frequency_bucket: '1', users: 1 },
      { ...cmp1, frequency_bucket: '2', users: 1 },
      { ...cmp1, frequency_bucket: '3', users: 1 },
      { ...cmp1, frequency_bucket: '10+', users: 1 },
      { ...cmp2, frequency_bucket: '2', users: 2 },
    ]);
    expect(out.map((r) => Object.keys(r))[0]).toEqual([
      'campaign_id', 'breakdown', 'frequency_bucket', 'users', 'reach', 'impressions', 'average_frequency', 'effective_reach',
    ]);
  });

  it('golden: effective frequency at the boundary (d has exactly 12)', async () => {
    // cmp-1 effective at 12+: d only = 1; at 13+: nobody.
    const at12 = asObjects(await runAnalysis(db, reachFrequency, hand, { effective_frequency: '12' }));
    expect(at12.filter((r) => r['campaign_id'] === 'cmp-1').map((r) => r['effective_reach'])).toEqual([1, 1, 1, 1]);
    const at13 = asObjects(await runAnalysis(db, reachFrequency, hand, { effective_frequency: '13' }));
    expect(at13.filter((r) => r['campaign_id'] === 'cmp-1').map((r) => r['effective_reach'])).toEqual([0, 0, 0, 0]);
  });

  it('golden: by creative, effective frequency 2', async () => {
    // cmp-1 cr-1a: a 1, b 1, c 2, d 12 -> reach 4, impressions 16, average 4, effective (>= 2) c, d = 2
    //              buckets '1': a, b = 2; '2': c = 1; '10+': d = 1
    // cmp-1 cr-1b: b 1, c 1 -> reach 2, impressions 2, average 1, effective 0; '1': 2
    // cmp-2 cr-2a: a 2, e 2 -> reach 2, impressions 4, average 2, effective 2; '2': 2
    const out = asObjects(await runAnalysis(db, reachFrequency, hand, { by: 'creative', effective_frequency: '2' }));
    const a = { campaign_id: 'cmp-1', breakdown: 'cr-1a', reach: 4, impressions: 16, average_frequency: 4, effective_reach: 2 };
    const b = { campaign_id: 'cmp-1', breakdown: 'cr-1b', reach: 2, impressions: 2, average_frequency: 1, effective_reach: 0 };
    const c = { campaign_id: 'cmp-2', breakdown: 'cr-2a', reach: 2, impressions: 4, average_frequency: 2, effective_reach: 2 };
    expect(out).toEqual([
      { ...a, frequency_bucket: '1', users: 2 },
      { ...a, frequency_bucket: '2', users: 1 },
      { ...a, frequency_bucket: '10+', users: 1 },
      { ...b, frequency_bucket: '1', users: 2 },
      { ...c, frequency_bucket: '2', users: 2 },
    ]);
  });

  it('golden: by placement', async () => {
    // cmp-1 feed: a 1, b 1, c 3, d 12 -> reach 4, impressions 17, average 4.25, effective (>= 3) 2
    // cmp-1 video: b 1 -> reach 1, impressions 1, average 1, effective 0
    // cmp-2 display: a 2, e 1 -> reach 2, impressions 3, average 1.5, effective 0
    // cmp-2 search: e 1 -> reach 1, impressions 1, average 1, effective 0
    const out = asObjects(await runAnalysis(db, reachFrequency, hand, { by: 'placement' }));
    const feed = { campaign_id: 'cmp-1', breakdown: 'feed', reach: 4, impressions: 17, average_frequency: 4.25, effective_reach: 2 };
    const video = { campaign_id: 'cmp-1', breakdown: 'video', reach: 1, impressions: 1, average_frequency: 1, effective_reach: 0 };
    const display = { campaign_id: 'cmp-2', breakdown: 'display', reach: 2, impressions: 3, average_frequency: 1.5, effective_reach: 0 };
    const search = { campaign_id: 'cmp-2', breakdown: 'search', reach: 1, impressions: 1, average_frequency: 1, effective_reach: 0 };
    expect(out).toEqual([
      { ...feed, frequency_bucket: '1', users: 2 },
      { ...feed, frequency_bucket: '3', users: 1 },
      { ...feed, frequency_bucket: '10+', users: 1 },
      { ...video, frequency_bucket: '1', users: 1 },
      { ...display, frequency_bucket: '1', users: 1 },
      { ...display, frequency_bucket: '2', users: 1 },
      { ...search, frequency_bucket: '1', users: 1 },
    ]);
  });

  it('generated data: agrees with plain SQL (window functions) for every breakdown', async () => {
    const cases = [
      { by: 'campaign', column: "'all'", n: 3 },
      { by: 'creative', column: 'creative_id', n: 2 },
      { by: 'placement', column: 'placement', n: 5 },
    ];
    for (const { by, column, n } of cases) {
      const plain = asObjects(await db.query(`
        WITH f AS (
          SELECT DISTINCT campaign_id, ${column} AS breakdown, email_address,
            count(*) OVER (PARTITION BY campaign_id, ${column}, email_address) AS n
          FROM gen_impressions
        )
        SELECT campaign_id, breakdown, CASE WHEN n > 9 THEN '10+' ELSE n::VARCHAR END AS frequency_bucket,
          count(*) AS users,
          sum(count(*)) OVER w::BIGINT AS reach,
          sum(sum(n)) OVER w::BIGINT AS impressions,
          (sum(sum(n)) OVER w) / (sum(count(*)) OVER w) AS average_frequency,
          sum(count(*) FILTER (WHERE n >= ${n})) OVER w::BIGINT AS effective_reach
        FROM f
        GROUP BY campaign_id, breakdown, CASE WHEN n > 9 THEN 10 ELSE n END, frequency_bucket
        WINDOW w AS (PARTITION BY campaign_id, breakdown)
        ORDER BY campaign_id, breakdown, CASE WHEN n > 9 THEN 10 ELSE n END`));
      const analysed = asObjects(await runAnalysis(db, reachFrequency, { impressions: 'gen_impressions' }, { by, effective_frequency: String(n) }));
      expect(analysed.length).toBeGreaterThan(10);
      expect(analysed).toEqual(plain);
    }
  });
});
