import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CellValue } from '../../engine/engine.ts';
import {
  asObjects, closeTestData, converterRefusal, customRuleCheck, openTestData, runAnalysis, type GeneratedTestData, type TestDb,
} from '../test-support.ts';
import { incrementalReach } from './incremental-reach.ts';

let db: TestDb;
let data: GeneratedTestData;

async function createHandTables(db: TestDb): Promise<void> {
  await db.run(`CREATE TABLE imp_a AS SELECT * FROM (VALUES
    ('a@x.com', 'cmp-1'), ('a@x.com', 'cmp-1'), ('b@x.com', 'cmp-1'), ('c@x.com', 'cmp-2'),
    ('d@x.com', 'cmp-1'), ('d@x.com', 'cmp-2')
  ) t(email_address, campaign_id)`);
  await db.run(`CREATE TABLE imp_b AS SELECT * FROM (VALUES
    ('b@x.com', 'cmp-1'), ('c@x.com', 'cmp-1'), ('e@x.com', 'cmp-1'), ('e@x.com', 'cmp-2'),
    ('f@x.com', 'cmp-2'), ('d@x.com', 'cmp-2')
  ) t(email_address, campaign_id)`);
  await db.run(`CREATE TABLE customers AS SELECT * FROM (VALUES
    ('a@x.com'), ('b@x.com'), ('e@x.com'), ('f@x.com'), ('x@x.com')
  ) t(email_address)`);
}

beforeAll(async () => {
  ({ db, data } = await openTestData({
    seed: 34, platforms: 2, setup: createHandTables,
    views: { gen_a: 'impressions', gen_b: 'impressions_b', gen_customers: 'customers' },
  }));
});

afterAll(() => closeTestData({ db, data }));

const hand = { impressions: 'imp_a', impressions_b: 'imp_b', customers: 'customers' };

describe('incremental-reach', () => {
  it('passes the custom rule (email_address not output; its COUNT_DISTINCT constraint reaches every output row)', async () => {
    for (const by of ['total', 'campaign']) {
      const r = await customRuleCheck(incrementalReach, { by, brand_customers_only: 'true' });
      expect(r.refusal).toBeUndefined();
      expect([...r.carriers].sort()).toEqual(['impressions.email_address -> r.a_email', 'impressions_b.email_address -> r.b_email', 'customers.email_address -> c.email_address'].sort());
    }
  });

  it('uses only allowlisted functions and syntax', async () => {
    expect(await converterRefusal(incrementalReach)).toBeUndefined();
  });

  it('golden: total', async () => {
    // A = {a,b,c,d} = 4 (a twice counts once); B = {b,c,d,e,f} = 5
    // A ∩ B = {b,c,d} = 3; A ∪ B = {a,b,c,d,e,f} = 6; incremental = 6 - 4 = 2 (e, f)
    // duplication 3/6; incremental share of B 2/5; gain over A 2/4
    const out = asObjects(await runAnalysis(db, incrementalReach, hand));
    expect(out).toEqual([
      {
        campaign_id: 'all', reach_a: 4, reach_b: 5, overlap: 3, combined_reach: 6, incremental_reach_b: 2,
        duplication_rate: 3 / 6, incremental_share_of_b: 2 / 5, reach_gain_over_a: 2 / 4,
      },
    ]);
  });

  it('golden: by campaign', async () => {
    // cmp-1: A = {a,b,d} = 3; B = {b,c,e} = 3; A ∩ B = {b} = 1; A ∪ B = {a,b,c,d,e} = 5; incremental 5 - 3 = 2 (c, e)
    //        (c was reached by A in cmp-2 only: per campaign it is incremental for cmp-1)
    // cmp-2: A = {c,d} = 2; B = {d,e,f} = 3; A ∩ B = {d} = 1; A ∪ B = {c,d,e,f} = 4; incremental 4 - 2 = 2 (e, f)
    const out = asObjects(await runAnalysis(db, incrementalReach, hand, { by: 'campaign' }));
    expect(out).toEqual([
      {
        campaign_id: 'cmp-1', reach_a: 3, reach_b: 3, overlap: 1, combined_reach: 5, incremental_reach_b: 2,
        duplication_rate: 1 / 5, incremental_share_of_b: 2 / 3, reach_gain_over_a: 2 / 3,
      },
      {
        campaign_id: 'cmp-2', reach_a: 2, reach_b: 3, overlap: 1, combined_reach: 4, incremental_reach_b: 2,
        duplication_rate: 1 / 4, incremental_share_of_b: 2 / 3, reach_gain_over_a: 1,
      },
    ]);
  });

  it('golden: brand customers only', async () => {
    // customers {a,b,e,f,x}: A -> {a,b} = 2; B -> {b,e,f} = 3; A ∩ B = {b} = 1; A ∪ B = {a,b,e,f} = 4;
    // incremental 4 - 2 = 2 (e, f); duplication 1/4; share of B 2/3; gain over A 2/2
    const out = asObjects(await runAnalysis(db, incrementalReach, hand, { brand_customers_only: 'true' }));
    expect(out).toEqual([
      {
        campaign_id: 'all', reach_a: 2, reach_b: 3, overlap: 1, combined_reach: 4, incremental_reach_b: 2,
        duplication_rate: 1 / 4, incremental_share_of_b: 2 / 3, reach_gain_over_a: 1,
      },
    ]);
  });

  it('generated data (two platforms): agrees with plain SQL (INTERSECT / UNION / EXCEPT)', async () => {
    const count = async (sql: string): Promise<CellValue> => (await db.query(`SELECT count(*) FROM (${sql})`)).rows[0]?.[0] ?? null;
    const expected = async (filter: string, customersOnly: boolean, label: string): Promise<Record<string, CellValue>> => {
      const only = customersOnly ? 'AND email_address IN (SELECT email_address FROM gen_customers)' : '';
      const a = `SELECT email_address FROM gen_a WHERE ${filter} ${only}`;
      const b = `SELECT email_address FROM gen_b WHERE ${filter} ${only}`;
      return {
        campaign_id: label,
        reach_a: await count(`${a} UNION ${a}`),
        reach_b: await count(`${b} UNION ${b}`),
        overlap: await count(`${a} INTERSECT ${b}`),
        combined_reach: await count(`${a} UNION ${b}`),
        incremental_reach_b: await count(`${b} EXCEPT ${a}`),
      };
    };
    const strip = (rows: Record<string, CellValue>[]): Record<string, CellValue | undefined>[] =>
      rows.map(({ campaign_id, reach_a, reach_b, overlap, combined_reach, incremental_reach_b }) =>
        ({ campaign_id, reach_a, reach_b, overlap, combined_reach, incremental_reach_b }));

    for (const customersOnly of [false, true]) {
      const params = { brand_customers_only: String(customersOnly) };
      const gen = { impressions: 'gen_a', impressions_b: 'gen_b', customers: 'gen_customers' };
      const total = strip(asObjects(await runAnalysis(db, incrementalReach, gen, params)));
      expect(total).toEqual([await expected('true', customersOnly, 'all')]);
      expect(Number(total[0]?.['overlap'])).toBeGreaterThan(100);
      expect(Number(total[0]?.['incremental_reach_b'])).toBeGreaterThan(100);

      const campaigns = (await db.query('SELECT campaign_id FROM gen_a UNION SELECT campaign_id FROM gen_b ORDER BY 1')).rows
        .map((r) => String(r[0]));
      const plain: Record<string, CellValue>[] = [];
      for (const c of campaigns) plain.push(await expected(`campaign_id = '${c}'`, customersOnly, c));
      const byCampaign = strip(asObjects(await runAnalysis(db, incrementalReach, gen, { ...params, by: 'campaign' })));
      expect(byCampaign).toEqual(plain);
    }
  });
});
