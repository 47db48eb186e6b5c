import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExactRows } from '../engine/engine.ts';
import {
  aggTable, avg, c, count, countDistinct, desc, item, join as innerJoin, num, op, out, sum, t, TestDb, validated,
} from '../rules/plan/test-fixtures.ts';
import { SETUP_SQL } from '../rules/plan/test-data.ts';
import type { Expr } from '../sql/ast.ts';
import { duckdbDialect } from '../sql/dialect.ts';
import { printQuery } from '../sql/print.ts';
import { createCollaboration } from './collaborations.ts';
import { planDifferenceCheck, releaseChecked } from './difference-checks.ts';
import { double, truth } from './difference-evaluate.ts';
import type { MeasureValue } from './difference-store.ts';
import { createMember } from './members.ts';
import { Workspace } from './workspace.ts';

const SECRET = 'f'.repeat(64);
const ids = (name: string): number => ({ impressions: 7, conversions: 8 })[name as 'impressions'] ?? 0;
const m = (key: string): Expr => ({ kind: 'column', table: '__cr_measure', name: key });
const values = (entries: Record<string, string | number | null>): Map<string, MeasureValue> =>
  new Map(Object.entries(entries).map(([k, v]) => [k, { type: 'DOUBLE', value: v }]));
const lit = (v: string): Expr => ({ kind: 'literal', value: { type: 'decimal', value: v } });

describe('aggregate expressions over released measures (DuckDB semantics after numeric-safety.ts)', () => {
  const x = values({ a: 6, b: 0, n: null, nan: 'NaN', inf: 'Infinity' });
  it('computes in DOUBLE, with x / 0 and NULL operands giving NULL', () => {
    expect(double(op('/', m('a'), num(4)), x)).toBe(1.5);
    expect(double(op('/', m('a'), m('b')), x)).toBeNull();
    expect(double(op('+', m('a'), m('n')), x)).toBeNull();
    expect(double({ kind: 'unary', op: '-', operand: m('a') }, x)).toBe(-6);
    expect(double(op('*', m('inf'), num(0)), x)).toBeNaN();
  });

  it('evaluates HAVING three-valued, NaN above everything and equal to itself', () => {
    expect(truth(op('>', m('nan'), m('inf')), x)).toBe(true);
    expect(truth(op('=', m('nan'), m('nan')), x)).toBe(true);
    expect(truth(op('>', m('n'), num(1)), x)).toBeNull();
    expect(truth({ kind: 'binary', op: 'OR', left: op('>', m('n'), num(1)), right: op('>', m('a'), num(1)) }, x)).toBe(true);
    expect(truth({ kind: 'binary', op: 'AND', left: op('>', m('n'), num(1)), right: op('<', m('a'), num(1)) }, x)).toBe(false);
    expect(truth({ kind: 'in-list', operand: m('a'), list: [num(1), { kind: 'literal', value: { type: 'null' } }], negated: false }, x)).toBeNull();
    expect(truth({ kind: 'in-list', operand: m('a'), list: [num(6)], negated: true }, x)).toBe(false);
    expect(truth({ kind: 'between', operand: m('a'), low: lit('5.5'), high: num(6), negated: false }, x)).toBe(true);
    expect(truth({ kind: 'is-null', operand: op('/', m('a'), m('b')), negated: false }, x)).toBe(true);
  });
});

describe('planDifferenceCheck', () => {
  const typed = { columns: [{ name: 'user_id', type: 'VARCHAR' }, { name: 'cost', type: 'BIGINT' }, { name: 'value', type: 'BIGINT' }] };
  const imp = (alias: string) => ({ alias, table: { ...aggTable('impressions', 'pub', { user_id: 3 }), ...typed } });
  const conv = { alias: 'cv', table: { ...aggTable('conversions', 'brand', { user_id: 2 }), ...typed } };

  it('names measures and users by table, never by alias or output name', () => {
    const plan = (alias: string, name: string) => planDifferenceCheck(validated('aggregation', {
      items: [item(c(alias, 'campaign')), item(avg(c(alias, 'cost')), name), item(countDistinct(c(alias, 'user_id')))],
      from: t('impressions', alias), groupBy: [c(alias, 'campaign')],
    }, [imp(alias)]), ids, SECRET);
    const a = plan('i', 'x');
    const b = plan('imp', 'y');
    expect(a.measures).toEqual(['sum:7#0.cost', 'count:7#0.cost', 'count_distinct:7#0.user_id']);
    expect(b.measures).toEqual(a.measures);
    expect(b.keys).toEqual(a.keys);
    expect(a.users).toEqual([['7.user_id']]);
    expect(a.minimums).toEqual(new Map([['7.user_id', 3]]));
  });

  it('keeps the secret out of the stage and the owner-only counts; users of columns equated by the join are listed once', () => {
    const plan = planDifferenceCheck(validated('aggregation', {
      items: [item(sum(c('cv', 'value')), 'revenue'), item(count(c('i', 'cost')), 'n')],
      from: innerJoin(t('impressions', 'i'), t('conversions', 'cv'), op('=', c('i', 'user_id'), c('cv', 'user_id'))),
    }, [imp('i'), conv]), ids, SECRET);
    expect(plan.users).toEqual([['7.user_id', '8.user_id']]);
    // Joined on another column, the two tables' users are listed apart.
    const apart = planDifferenceCheck(validated('aggregation', {
      items: [item(sum(c('cv', 'value')), 'revenue')],
      from: innerJoin(t('impressions', 'i'), t('conversions', 'cv'), op('=', c('i', 'cost'), c('cv', 'value'))),
    }, [imp('i'), conv]), ids, SECRET);
    expect(apart.users).toEqual([['7.user_id'], ['8.user_id']]);
    expect(printQuery(plan.query, duckdbDialect)).toContain(SECRET);
    expect(plan.stage && printQuery(plan.stage.query, duckdbDialect)).not.toContain(SECRET);
    expect(plan.stats && printQuery(plan.stats, duckdbDialect)).not.toContain(SECRET);
  });

  it('runs on DuckDB: one row per released group, with its users hashed below 2^52', async () => {
    const db = await TestDb.create(SETUP_SQL);
    try {
      const plan = planDifferenceCheck(validated('aggregation', {
        items: [item(c('i', 'campaign')), item(sum(c('i', 'cost')), 'cost')],
        from: t('impressions', 'i'), groupBy: [c('i', 'campaign')], orderBy: [desc(out('cost'))],
      }, [{ alias: 'i', table: aggTable('impressions', 'pub', { user_id: 2 }) }]), ids, SECRET);
      const stage = plan.stage;
      if (stage === undefined) throw new Error('expected a staged plan');
      await db.conn.run(`CREATE TEMP TABLE ${duckdbDialect.quoteIdentifier(stage.table)} AS ${printQuery(stage.query, duckdbDialect)}`);
      const reader = await db.conn.runAndReadAll(printQuery(plan.query, duckdbDialect));
      const names = reader.columnNames();
      const rows = reader.getRowsJson();
      // The planner's own answer: campaigns A, B and NULL pass the minimum of 2 users.
      expect(rows).toHaveLength(3);
      for (const r of rows) {
        const users = r[names.indexOf('__cr_du0')] as number[];
        expect(users.length).toBeGreaterThanOrEqual(2);
        for (const h of users.filter((u) => u !== null)) expect(Number.isSafeInteger(h) && h >= 0 && h < 2 ** 52).toBe(true);
      }
    } finally {
      db.close();
    }
  });
});

describe('releaseChecked: HAVING and ORDER BY see the released values, not the fresh ones', () => {
  let dir: string;
  let ws: Workspace;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cr-dchecks-'));
    ws = await Workspace.open(join(dir, 'home'), { threads: 1, memoryLimit: '1GB' });
    await createMember(ws.db, 'brand');
  });
  afterAll(async () => {
    await ws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a group that sticks to an earlier big answer is ordered and filtered by that answer', async () => {
    const { id } = await createCollaboration(ws.db, 'brand', 'c', [{ member: 'brand', query: true, receive: true }], true, { differenceChecks: true });
    const query = (having?: Expr) => planDifferenceCheck(validated('aggregation', {
      items: [item(c('i', 'campaign')), item(sum(c('i', 'cost')), 'spend')],
      from: t('impressions', 'i'), groupBy: [c('i', 'campaign')], orderBy: [desc(out('spend'))],
      ...(having === undefined ? {} : { having }),
    }, [{ alias: 'i', table: aggTable('impressions', 'pub', { user_id: 3 }) }]), ids, SECRET);
    const exact = (rows: [string, number, number[]][]): ExactRows => ({
      columns: [
        { name: '__cr_dx0', type: 'VARCHAR' }, { name: '__cr_dk0', type: 'VARCHAR' },
        { name: '__cr_p0', type: 'DOUBLE' }, { name: '__cr_du0', type: 'DOUBLE[]' },
      ],
      rows: rows.map(([k, v, users]) => [k, k, v, JSON.stringify(users)]),
    });
    const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    const released = async (having: Expr | undefined, rows: [string, number, number[]][]) => {
      const r = await releaseChecked(ws, id, 'q', query(having), exact(rows));
      return r.rows.map((x) => [rows[x.index]?.[0], x.values[0]]);
    };
    expect(await released(undefined, [['early', 500, range(1, 10)]])).toEqual([['early', 500]]);
    // Fresh, `a` (10) would sort after `b` (20) and pass HAVING spend < 100; released, it is 500.
    const fresh: [string, number, number[]][] = [['a', 10, range(1, 11)], ['b', 20, range(50, 70)]];
    expect(await released(undefined, fresh)).toEqual([['a', 500], ['b', 20]]);
    expect(await released(op('<', sum(c('i', 'cost')), num(100)), fresh)).toEqual([['b', 20]]);
  });
});
