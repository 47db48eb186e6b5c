import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { c, item, join, listTable, op, sorted, str, t, TestDb, validated, type QuerySpec } from './test-fixtures.ts';
import { SETUP_SQL } from './test-data.ts';
import { printQuery } from '../../sql/print.ts';
import { duckdbDialect } from '../../sql/dialect.ts';
import type { ValidatedQuery } from '../validated-query.ts';

let db: TestDb;
beforeAll(async () => { db = await TestDb.create(SETUP_SQL); });
afterAll(() => db.close());

// Join rows: e1 -> crm 1,5 x audience 1; e2 -> crm 2 x audience 2; e3 -> crm 3 x audience 3,5.
// The runner (brand) owns crm; audience (pub) is the other owner's table.
const from = join(t('crm', 'c'), t('audience', 'a'), op('=', c('c', 'email'), c('a', 'email')));
function list(spec: Partial<QuerySpec>, audienceMin: number, crmMin = 0): ValidatedQuery {
  return validated('list', { distinct: true, items: [item(c('c', 'segment'))], from, ...spec }, [
    { alias: 'c', table: listTable('crm', 'brand', ['email'], crmMin) },
    { alias: 'a', table: listTable('audience', 'pub', ['email'], audienceMin) },
  ]);
}
async function check(v: ValidatedQuery): Promise<boolean | undefined> {
  const q = (await db.plan(v)).planned.listSizeCheck;
  if (q === undefined) return undefined;
  const rows = await db.rows(printQuery(q, duckdbDialect));
  expect(await db.columns(printQuery(q, duckdbDialect))).toEqual(['list_size_ok']);
  expect(rows).toHaveLength(1);
  return rows[0]?.[0] === true;
}

describe('list queries', () => {
  it('without a minimum: plain DISTINCT list and no check query', async () => {
    const { rows, planned } = await db.plan(list({}, 0));
    expect(sorted(rows)).toEqual([['gold'], ['silver']]);
    expect(planned.listSizeCheck).toBeUndefined();
    expect(planned.outputColumns).toEqual(['segment']);
  });

  it('counts the other owner\'s join keys behind the list even when not selected', async () => {
    // gold <- e1, e2; silver <- e3: 3 distinct audience keys behind 2 delivered rows
    const ok = await db.plan(list({}, 3));
    expect(sorted(ok.rows)).toEqual([['gold'], ['silver']]);
    expect(await check(list({}, 3))).toBe(true);
    const small = await db.plan(list({}, 4));
    expect(small.rows).toEqual([]);
    expect(await check(list({}, 4))).toBe(false);
  });

  it('counts after LIMIT, on the rows actually delivered', async () => {
    // LIMIT 1 keeps gold (first in order), backed by e1, e2 only
    expect((await db.plan(list({ limit: 1 }, 3))).rows).toEqual([]);
    expect(await check(list({ limit: 1 }, 3))).toBe(false);
    expect((await db.plan(list({ limit: 1 }, 2))).rows).toEqual([['gold']]);
    expect(await check(list({ limit: 1 }, 2))).toBe(true);
  });

  it('the most restrictive minimum wins, counted on the other owner\'s keys only', async () => {
    // crm (runner) asks for 4; audience has 3 keys behind the list -> not delivered.
    // crm's own keys (e1, e2, e3) are not what is counted.
    expect((await db.plan(list({}, 0, 4))).rows).toEqual([]);
    expect((await db.plan(list({}, 0, 3))).rows).toHaveLength(2);
  });

  it('an empty list under a minimum reports too-small, not empty', async () => {
    const v = list({ where: op('=', c('c', 'segment'), str('none')) }, 1);
    expect((await db.plan(v)).rows).toEqual([]);
    expect(await check(v)).toBe(false);
  });

  it('delivers the join key itself as an overlap list', async () => {
    const v = list({ items: [item(c('c', 'email'), 'email')] }, 3);
    expect(sorted((await db.plan(v)).rows)).toEqual([['e1'], ['e2'], ['e3']]);
  });
});
