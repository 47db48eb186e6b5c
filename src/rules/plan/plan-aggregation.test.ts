import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aggTable, asc, avg, c, count, countDistinct, countStar, desc, item, join, num, op, out, sorted, str, sum, t,
  TestDb, validated,
} from './test-fixtures.ts';
import { SETUP_SQL } from './test-data.ts';
import { printQuery } from '../../sql/print.ts';
import { duckdbDialect } from '../../sql/dialect.ts';

let db: TestDb;
beforeAll(async () => { db = await TestDb.create(SETUP_SQL); });
afterAll(() => db.close());

const imp = (min = 2) => ({ alias: 'i', table: aggTable('impressions', 'pub', { user_id: min }) });
const conv = (min = 2) => ({ alias: 'cv', table: aggTable('conversions', 'brand', { user_id: min }) });
const impJoinConv = join(t('impressions', 'i'), t('conversions', 'cv'), op('=', c('i', 'user_id'), c('cv', 'user_id')));

describe('single table', () => {
  it('applies a constraint on a column the query does not select; NULL group key kept', async () => {
    // users per campaign: A {u1,u2}, B {u3,u4} (+NULL), NULL {u5,u6}, C {u7} -> C removed
    const { rows, planned } = await db.plan(validated('aggregation', {
      items: [item(c('i', 'campaign')), item(sum(c('i', 'cost')), 'cost')],
      from: t('impressions', 'i'), groupBy: [c('i', 'campaign')],
    }, [imp()]));
    expect(planned.outputColumns).toEqual(['campaign', 'cost']);
    expect(sorted(rows)).toEqual(sorted([['A', 22], ['B', 55], [null, 10]]));
  });

  it('does not count NULLs toward the minimum', async () => {
    // B has u3, u4 and a NULL user: 2 distinct, not 3
    const { rows } = await db.plan(validated('aggregation', {
      items: [item(c('i', 'campaign')), item(count(c('i', 'cost')))],
      from: t('impressions', 'i'), groupBy: [c('i', 'campaign')],
    }, [imp(3)]));
    expect(rows).toEqual([]);
  });

  it('keeps or removes the single total row without GROUP BY', async () => {
    const total = await db.plan(validated('aggregation', {
      items: [item(sum(c('i', 'cost')), 'total'), item(countStar, 'n')], from: t('impressions', 'i'),
    }, [imp()]));
    expect(total.rows).toEqual([[96, 9]]);
    const onlyC = await db.plan(validated('aggregation', {
      items: [item(sum(c('i', 'cost')), 'total')], from: t('impressions', 'i'), where: op('=', c('i', 'campaign'), str('C')),
    }, [imp()]));
    expect(onlyC.rows).toEqual([]);
  });
});

describe('joins: each row counts once per output row', () => {
  it('aggregates distinct rows of each alias and checks both tables', async () => {
    // A: impression rows 1,2,3 (22) x conversion rows 1,2,3 (90); naive join sums 37 / 140.
    // B: only u3 joins -> 1 user -> removed. NULL: rows 7,8 (10) x 5,6 (30). C: 1 user -> removed.
    const { rows, planned } = await db.plan(validated('aggregation', {
      items: [item(c('i', 'campaign'), 'campaign'), item(sum(c('i', 'cost'))), item(sum(c('cv', 'revenue'))),
        item(countDistinct(c('cv', 'user_id')), 'buyers'), item(avg(c('cv', 'revenue')), 'avg_rev')],
      from: impJoinConv, groupBy: [c('i', 'campaign')],
    }, [imp(), conv()]));
    expect(planned.outputColumns).toEqual(['campaign', 'sum', 'sum_2', 'buyers', 'avg_rev']);
    expect(await db.columns(printQuery(planned.query, duckdbDialect))).toEqual(planned.outputColumns);
    expect(sorted(rows)).toEqual(sorted([['A', 22, 90, 2, 30], [null, 10, 30, 2, 15]]));
  });

  it('a runner repeating one person 1000 times does not multiply SUM or COUNT', async () => {
    // repeated: u1 x1000, u2 x1. Group A: impression rows 1,2,3 -> 22 and 3, never 15007.
    const rep = { alias: 'r', table: aggTable('repeated', 'brand', { user_id: 2 }) };
    const { rows } = await db.plan(validated('aggregation', {
      items: [item(c('i', 'campaign')), item(sum(c('i', 'cost'))), item(count(c('i', 'creative_id'))), item(sum(c('r', 'revenue')))],
      from: join(t('impressions', 'i'), t('repeated', 'r'), op('=', c('i', 'user_id'), c('r', 'user_id'))),
      groupBy: [c('i', 'campaign')],
    }, [imp(), rep]));
    expect(rows).toEqual([['A', 22, 3, 1001]]);
  });

  it('no GROUP BY: one total row over distinct rows, or none below the minimum', async () => {
    // impression rows reaching a conversion: 1,2,3,4,7,8,9 -> 44; conversions 1..7 -> 136
    const all = await db.plan(validated('aggregation', {
      items: [item(sum(c('i', 'cost')), 'cost'), item(sum(c('cv', 'revenue')), 'rev')], from: impJoinConv,
    }, [imp(), conv()]));
    expect(all.rows).toEqual([[44, 136]]);
    const onlyC = await db.plan(validated('aggregation', {
      items: [item(sum(c('i', 'cost')), 'cost')], from: impJoinConv, where: op('=', c('i', 'campaign'), str('C')),
    }, [imp(), conv()]));
    expect(onlyC.rows).toEqual([]);
  });

  it('arithmetic of aggregates; division by zero is NULL', async () => {
    // A: 3 impression rows / 2 users = 1.5; cost 22 / (3 - 3) -> NULL.  NULL: 2/2 = 1; 10 / (2 - 3) = -10
    const { rows } = await db.plan(validated('aggregation', {
      items: [item(c('i', 'campaign')), item(op('/', count(c('i', 'creative_id')), countDistinct(c('i', 'user_id'))), 'freq'),
        item(op('/', sum(c('i', 'cost')), op('-', count(c('i', 'cost')), num(3))), 'odd')],
      from: impJoinConv, groupBy: [c('i', 'campaign')],
    }, [imp(), conv()]));
    expect(sorted(rows)).toEqual(sorted([['A', 1.5, null], [null, 1, -10]]));
  });

  it('HAVING on an output alias, then ORDER BY', async () => {
    // north: conversion rows 1,2,3,7 -> 91 (users u1,u2,u7); south: rows 4,5,6 -> 45 (u3,u5,u6)
    const spec = (having: number, dir: typeof asc) => validated('aggregation', {
      items: [item(c('cv', 'region'), 'region'), item(sum(c('cv', 'revenue')), 'rev')],
      from: impJoinConv, groupBy: [out('region')], having: op('>', out('rev'), num(having)), orderBy: [dir(out('rev'))],
    }, [imp(3), conv(3)]);
    expect((await db.plan(spec(10, asc))).rows).toEqual([['south', 45], ['north', 91]]);
    expect((await db.plan(spec(10, desc))).rows).toEqual([['north', 91], ['south', 45]]);
    expect((await db.plan(spec(50, desc))).rows).toEqual([['north', 91]]);
  });

  it('self-join checks the constraint under each alias', async () => {
    // pairs of visits in one household, grouped by (v1.page, v2.page), constraint person >= 2:
    // home-home v2 rows {1,3,5,6} = 150; home-shop {2,4} = 60; shop-home {1,3} = 40;
    // shop-shop {2,4,7,8} = 210; shop-cart fails on v2 ({p8}), cart-shop on v1, cart-cart on both.
    const vt = aggTable('visits', 'pub', { person: 2 });
    const { rows, planned, stats } = await db.plan(validated('aggregation', {
      items: [item(c('v1', 'page'), 'p1'), item(c('v2', 'page'), 'p2'), item(sum(c('v2', 'secs')), 'secs')],
      from: join(t('visits', 'v1'), t('visits', 'v2'), op('=', c('v1', 'hh'), c('v2', 'hh'))),
      groupBy: [c('v1', 'page'), c('v2', 'page')],
    }, [{ alias: 'v1', table: vt }, { alias: 'v2', table: vt }], 'pub'));
    expect(sorted(rows)).toEqual(sorted([['home', 'home', 150], ['home', 'shop', 60], ['shop', 'home', 40], ['shop', 'shop', 210]]));
    expect(planned.staged?.stats?.columns.map((x) => x.column)).toEqual(['removed_groups_v1', 'removed_groups_v2']);
    expect(stats).toEqual([2, 2]);
  });
});
