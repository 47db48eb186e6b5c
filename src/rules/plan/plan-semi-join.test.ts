/**
 * join-rewrite.ts must not change any result. Each query is planned twice: with the
 * tables' column types (merging and semi-joins apply) and without (the planner knows
 * no types, so it merges nothing: the plain join plan). Both must return the same rows,
 * and a few are also checked against independent plain SQL or hand-worked numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Expr, Relation } from '../../sql/ast.ts';
import type { QueryTable } from '../rule-types.ts';
import type { ResolvedAlias } from '../validated-query.ts';
import {
  aggTable, asc, avg, c, count, countDistinct, desc, item, join, num, op, out, sorted, str, sum, t, TestDb, validated,
  type QuerySpec, type Row,
} from './test-fixtures.ts';
import { SETUP_SQL } from './test-data.ts';

// a and b share keys with duplicates on both sides, NULL keys, NULL values and NULL
// dimensions; cc is a third table; d has a DOUBLE key (never merged).
const SETUP = `${SETUP_SQL}
CREATE TABLE ta AS SELECT i::BIGINT AS __cr_rowid,
  CASE WHEN i % 17 = 0 THEN NULL ELSE (i * 7) % 41 END::INTEGER AS k,
  CASE WHEN i % 13 = 0 THEN NULL ELSE 'g' || (i % 4) END AS g,
  CASE WHEN i % 9 = 0 THEN NULL ELSE (i % 11)::DOUBLE END AS x,
  CASE WHEN i % 7 = 0 THEN NULL ELSE i % 5 END::INTEGER AS y
  FROM range(300) t(i);
CREATE TABLE tb AS SELECT i::BIGINT AS __cr_rowid,
  CASE WHEN i % 19 = 0 THEN NULL ELSE (i * 3) % 47 END::INTEGER AS k,
  CASE WHEN i % 11 = 0 THEN NULL ELSE 'h' || (i % 3) END AS h,
  (i % 23)::DOUBLE AS z,
  i % 4 AS w
  FROM range(160) t(i);
CREATE TABLE tc AS SELECT i::BIGINT AS __cr_rowid, (i % 29)::INTEGER AS k, 'f' || (i % 2) AS f FROM range(90) t(i);
CREATE TABLE td AS SELECT i::BIGINT AS __cr_rowid, ((i * 3) % 47)::DOUBLE AS k, 'e' || (i % 2) AS e FROM range(80) t(i);`;

type Types = Record<string, string>;
const TYPES: Record<string, Types> = {
  ta: { k: 'INTEGER', g: 'VARCHAR', x: 'DOUBLE', y: 'INTEGER' },
  tb: { k: 'INTEGER', h: 'VARCHAR', z: 'DOUBLE', w: 'INTEGER' },
  tc: { k: 'INTEGER', f: 'VARCHAR' },
  td: { k: 'DOUBLE', e: 'VARCHAR' },
  impressions: { user_id: 'VARCHAR', campaign: 'VARCHAR', cost: 'DOUBLE', creative_id: 'INTEGER' },
  repeated: { user_id: 'VARCHAR', region: 'VARCHAR', revenue: 'DOUBLE' },
};

function tableOf(name: string, owner: string, constraints: Record<string, number>, typed: boolean): QueryTable {
  const base = aggTable(name, owner, constraints);
  if (!typed) return base;
  return { ...base, columns: Object.entries(TYPES[name] ?? {}).map(([n, type]) => ({ name: n, type })) };
}

interface Case {
  readonly name: string;
  readonly spec: QuerySpec;
  /** alias -> [table, constraints] */
  readonly aliases: Record<string, [string, Record<string, number>]>;
  /** How many semi-joins the typed plan must contain. */
  readonly semis: number;
}

const aliasesOf = (cs: Case, typed: boolean): ResolvedAlias[] =>
  Object.entries(cs.aliases).map(([alias, [name, cons]]) => ({ alias, table: tableOf(name, alias === 'b' ? 'brand' : 'pub', cons, typed) }));

const eq = (l: Expr, r: Expr): Expr => op('=', l, r);
const or = (l: Expr, r: Expr): Expr => ({ kind: 'binary', op: 'OR', left: l, right: r });
const ab: Relation = join(t('ta', 'a'), t('tb', 'b'), eq(c('a', 'k'), c('b', 'k')));
const ba: Relation = join(t('tb', 'b'), t('ta', 'a'), eq(c('b', 'k'), c('a', 'k')));
const AB = (ma: number, mb: number): Case['aliases'] => ({ a: ['ta', { k: ma }], b: ['tb', { k: mb }] });

function cases(): Case[] {
  const list: Case[] = [];
  for (const m of [2, 12, 25, 30, 34, 38, 45]) {
    list.push(
      { name: `overlap count, min ${m}`, semis: 1, aliases: AB(m, m),
        spec: { items: [item(countDistinct(c('a', 'k')), 'n')], from: ab } },
      { name: `a dims, b filters, min ${m}`, semis: 1, aliases: AB(m, m + 1),
        spec: { items: [item(c('a', 'g')), item(countDistinct(c('b', 'k')), 'n'), item(sum(c('a', 'x')), 's'),
          item(count(c('a', 'y')), 'cy'), item(avg(c('a', 'x')), 'ax'), item(op('/', count(c('a', 'y')), countDistinct(c('a', 'k'))), 'f')],
        from: ab, groupBy: [c('a', 'g')] } },
      { name: `b dims, a filters with its own WHERE, min ${m}`, semis: 1, aliases: AB(m, m),
        spec: { items: [item(c('b', 'h')), item(sum(c('b', 'z')), 's'), item(countDistinct(c('a', 'k')), 'n'), item(count(c('b', 'w')), 'cw')],
          from: ab, where: op('AND', op('>', c('a', 'y'), num(0)), { kind: 'is-null', operand: c('b', 'h'), negated: true }),
          groupBy: [c('b', 'h')] } },
      { name: `both sides aggregated (merge only), min ${m}`, semis: 0, aliases: AB(m, m),
        spec: { items: [item(c('a', 'g')), item(c('b', 'h')), item(sum(c('a', 'x')), 'sx'), item(sum(c('b', 'z')), 'sz'),
          item(countDistinct(c('a', 'k')), 'na'), item(countDistinct(c('b', 'k')), 'nb'), item(count(c('a', 'k')), 'ck')],
        from: ab, groupBy: [c('a', 'g'), c('b', 'h')] } },
      { name: `HAVING and ORDER BY, min ${m}`, semis: 1, aliases: AB(m, 2),
        spec: { items: [item(c('a', 'g'), 'g'), item(sum(c('a', 'x')), 's')], from: ba, groupBy: [out('g')],
          having: op('>', out('s'), num(10)), orderBy: [desc(out('s')), asc(out('g'))] } },
      { name: `OR across tables in WHERE blocks, min ${m}`, semis: 0, aliases: AB(m, m),
        spec: { items: [item(c('a', 'g')), item(sum(c('a', 'x')), 's')], from: ab,
          where: or(eq(c('a', 'g'), str('g1')), eq(c('b', 'h'), str('h1'))), groupBy: [c('a', 'g')] } },
      { name: `OR in ON blocks, min ${m}`, semis: 0, aliases: AB(m, m),
        spec: { items: [item(c('a', 'g')), item(sum(c('a', 'x')), 's'), item(countDistinct(c('b', 'k')), 'n')],
          from: join(t('ta', 'a'), t('tb', 'b'), or(eq(c('a', 'k'), c('b', 'k')), eq(c('a', 'y'), c('b', 'w')))),
          groupBy: [c('a', 'g')] } },
      { name: `two-column ON blocks, min ${m}`, semis: 0, aliases: AB(m, m),
        spec: { items: [item(c('a', 'g')), item(sum(c('a', 'x')), 's')],
          from: join(t('ta', 'a'), t('tb', 'b'), op('AND', eq(c('a', 'k'), c('b', 'k')), eq(c('a', 'y'), c('b', 'w')))),
          groupBy: [c('a', 'g')] } },
      { name: `constraint on another column blocks, min ${m}`, semis: 0, aliases: { a: ['ta', { k: m }], b: ['tb', { k: m, h: 2 }] },
        spec: { items: [item(c('a', 'g')), item(sum(c('a', 'x')), 's')], from: ab, groupBy: [c('a', 'g')] } },
      { name: `DOUBLE key never merged, min ${m}`, semis: 0, aliases: { a: ['ta', { k: m }], d: ['td', { k: m }] },
        spec: { items: [item(c('a', 'g')), item(sum(c('a', 'x')), 's'), item(countDistinct(c('d', 'k')), 'n')],
          from: join(t('ta', 'a'), t('td', 'd'), eq(c('a', 'x'), c('d', 'k'))), groupBy: [c('a', 'g')] } },
      { name: `three tables in a chain, min ${m}`, semis: 2, aliases: { ...AB(m, m), cc: ['tc', { k: m }] },
        spec: { items: [item(c('a', 'g')), item(sum(c('a', 'x')), 's'), item(countDistinct(c('cc', 'k')), 'n')],
          from: join(ab, t('tc', 'cc'), eq(c('b', 'k'), c('cc', 'k'))), where: eq(c('cc', 'f'), str('f1')), groupBy: [c('a', 'g')] } },
      { name: `three tables, two aggregated, min ${m}`, semis: 1, aliases: { ...AB(m, m), cc: ['tc', { k: m }] },
        spec: { items: [item(c('a', 'g')), item(c('cc', 'f')), item(sum(c('a', 'x')), 's'), item(count(c('cc', 'f')), 'n')],
          from: join(ab, t('tc', 'cc'), eq(c('a', 'k'), c('cc', 'k'))), groupBy: [c('a', 'g'), c('cc', 'f')] } },
      { name: `self-join, min ${m}`, semis: 1, aliases: { a1: ['ta', { k: m }], a2: ['ta', { k: m }] },
        spec: { items: [item(c('a1', 'g')), item(sum(c('a1', 'x')), 's'), item(count(c('a1', 'y')), 'n')],
          from: join(t('ta', 'a1'), t('ta', 'a2'), eq(c('a1', 'k'), c('a2', 'k'))), where: eq(c('a2', 'g'), str('g2')),
          groupBy: [c('a1', 'g')] } },
      { name: `self-join on both sides' dimensions, min ${m}`, semis: 0, aliases: { a1: ['ta', { k: m }], a2: ['ta', { k: m }] },
        spec: { items: [item(c('a1', 'g')), item(c('a2', 'g')), item(sum(c('a2', 'x')), 's')],
          from: join(t('ta', 'a1'), t('ta', 'a2'), eq(c('a1', 'k'), c('a2', 'k'))), groupBy: [c('a1', 'g'), c('a2', 'g')] } },
    );
  }
  return list;
}

let db: TestDb;
beforeAll(async () => { db = await TestDb.create(SETUP); });
afterAll(() => db.close());

const semiCount = (sql: string): number => sql.split(' IN (SELECT ').length - 1;
const rounded = (rows: Row[]): Row[] => rows.map((r) => r.map((v) => (typeof v === 'number' ? Math.round(v * 1e9) / 1e9 : v)));

describe('semi-joins and merged distinct counts keep the plain plan\'s rows', () => {
  const all = cases();
  it('the cases exercise kept and suppressed groups', async () => {
    // per query shape, the row count must change with the minimum: groups just above
    // one threshold and below the next
    const counts = new Map<string, Set<number>>();
    let empty = 0;
    for (const cs of all) {
      const rows = (await db.plan(validated('aggregation', cs.spec, aliasesOf(cs, false)))).rows;
      const base = cs.name.replace(/, min \d+$/, '');
      counts.set(base, (counts.get(base) ?? new Set()).add(rows.length));
      if (rows.length === 0) empty += 1;
    }
    expect([...counts.values()].filter((n) => n.size >= 2).length).toBeGreaterThanOrEqual(13);
    expect([...counts.values()].filter((n) => n.size >= 3).length).toBeGreaterThanOrEqual(6);
    expect(empty).toBeGreaterThan(0);
  });
  for (const cs of all) {
    it(cs.name, async () => {
      const typed = await db.plan(validated('aggregation', cs.spec, aliasesOf(cs, true)));
      const plain = await db.plan(validated('aggregation', cs.spec, aliasesOf(cs, false)));
      expect(semiCount(typed.sql)).toBe(cs.semis);
      expect(semiCount(plain.sql)).toBe(0);
      expect(typed.planned.outputColumns).toEqual(plain.planned.outputColumns);
      const ordered = (cs.spec.orderBy ?? []).length > 0;
      expect(rounded(ordered ? typed.rows : sorted(typed.rows))).toEqual(rounded(ordered ? plain.rows : sorted(plain.rows)));
      if (cs.semis > 0 && Object.keys(cs.aliases).length - cs.semis === 1) {
        // one table left: the single-table plan, no dedupe stage
        expect(typed.sql).not.toContain('__cr_d');
      }
    });
  }
});

describe('against independent plain SQL', () => {
  it('a dims, b filters: rows of a that join some b row, each once', async () => {
    const min = 25;
    const cs = all2(min);
    const { rows, sql, stats } = await db.plan(validated('aggregation', cs.spec, aliasesOf(cs, true)));
    expect(semiCount(sql)).toBe(1);
    // owner-only counts from the staged form: groups failing each alias's minimum
    const [[failing]] = await db.rows(`SELECT count(*) FROM (SELECT a.g FROM ta a JOIN tb b ON a.k = b.k WHERE b.w <> 0
      GROUP BY a.g HAVING COUNT(DISTINCT a.k) < ${min})`) as [[number]];
    expect(failing).toBeGreaterThan(0);
    expect(stats).toEqual([failing, failing]);
    const expected = await db.rows(`
      SELECT a.g, COUNT(DISTINCT a.k), SUM(a.x), COUNT(a.y) FROM ta a
      WHERE EXISTS (SELECT 1 FROM tb b WHERE b.k = a.k AND b.w <> 0)
      GROUP BY a.g HAVING COUNT(DISTINCT a.k) >= ${min}`);
    expect(expected.length).toBeGreaterThan(0);
    expect(rounded(sorted(rows))).toEqual(rounded(sorted(expected)));
  });

  it('both sides aggregated: COUNT over each side\'s distinct rows, no semi-join possible', async () => {
    const min = 9;
    const { rows, sql } = await db.plan(validated('aggregation', {
      items: [item(c('a', 'g')), item(c('b', 'h')), item(sum(c('a', 'x'))), item(count(c('a', 'y'))), item(count(c('b', 'w'))),
        item(avg(c('b', 'z'))), item(countDistinct(c('b', 'k')))],
      from: ab, groupBy: [c('a', 'g'), c('b', 'h')],
    }, aliasesOf({ name: '', spec: { items: [], from: ab }, aliases: AB(min, min), semis: 0 }, true)));
    expect(semiCount(sql)).toBe(0);
    expect(sql).toContain('count(DISTINCT CASE WHEN');
    const expected = await db.rows(`
      WITH groups AS (SELECT DISTINCT a.g, b.h FROM ta a JOIN tb b ON a.k = b.k),
      ar AS (SELECT gr.g AS gg, gr.h AS gh, a.* FROM groups gr JOIN ta a ON a.g IS NOT DISTINCT FROM gr.g
        WHERE EXISTS (SELECT 1 FROM tb b WHERE b.k = a.k AND b.h IS NOT DISTINCT FROM gr.h)),
      br AS (SELECT gr.g AS gg, gr.h AS gh, b.* FROM groups gr JOIN tb b ON b.h IS NOT DISTINCT FROM gr.h
        WHERE EXISTS (SELECT 1 FROM ta a WHERE a.k = b.k AND a.g IS NOT DISTINCT FROM gr.g)),
      x AS (SELECT gg, gh, SUM(x) AS sx, COUNT(y) AS cy, COUNT(DISTINCT k) AS n FROM ar GROUP BY gg, gh),
      y AS (SELECT gg, gh, COUNT(w) AS cw, AVG(z) AS az, COUNT(DISTINCT k) AS n FROM br GROUP BY gg, gh)
      SELECT x.gg, x.gh, x.sx, x.cy, y.cw, y.az, y.n FROM x JOIN y ON x.gg IS NOT DISTINCT FROM y.gg AND x.gh IS NOT DISTINCT FROM y.gh
      WHERE x.n >= ${min} AND y.n >= ${min}`);
    const all = await db.rows('SELECT DISTINCT a.g, b.h FROM ta a JOIN tb b ON a.k = b.k');
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(all.length);
    expect(expected.some((r) => r[0] === null || r[1] === null)).toBe(true);
    expect(rounded(sorted(rows))).toEqual(rounded(sorted(expected)));
  });

  it('the repeated-key attack: 1000 copies of u1 do not multiply SUM or COUNT', async () => {
    // repeated: u1 x1000, u2 x1. Group A: impression rows 1,2,3 (u1, u1, u2) -> cost 22, 3 rows, 2 users.
    for (const typed of [true, false]) {
      const { rows, sql } = await db.plan(validated('aggregation', {
        items: [item(c('i', 'campaign')), item(sum(c('i', 'cost'))), item(count(c('i', 'creative_id'))),
          item(countDistinct(c('r', 'user_id')))],
        from: join(t('impressions', 'i'), t('repeated', 'r'), eq(c('i', 'user_id'), c('r', 'user_id'))),
        groupBy: [c('i', 'campaign')],
      }, [{ alias: 'i', table: tableOf('impressions', 'pub', { user_id: 2 }, typed) },
        { alias: 'r', table: tableOf('repeated', 'brand', { user_id: 2 }, typed) }]));
      expect(semiCount(sql)).toBe(typed ? 1 : 0);
      expect(rows).toEqual([['A', 22, 3, 2]]);
    }
  });
});

function all2(min: number): Case {
  return {
    name: 'oracle', semis: 1, aliases: AB(min, min),
    spec: { items: [item(c('a', 'g')), item(countDistinct(c('b', 'k')), 'n'), item(sum(c('a', 'x')), 's'), item(count(c('a', 'y')), 'cy')],
      from: ab, where: { kind: 'binary', op: '<>', left: c('b', 'w'), right: num(0) }, groupBy: [c('a', 'g')] },
  };
}
