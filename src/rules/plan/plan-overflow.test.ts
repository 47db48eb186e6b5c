/**
 * No data-dependent failure (RULES.md): aggregates, aggregate arithmetic and literal
 * comparisons over huge values must run, on real DuckDB, whatever the data. A runner
 * that plants huge values keyed on a target must not turn "the target matched" into
 * "the query failed".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Expr } from '../../sql/ast.ts';
import type { QueryTable } from '../rule-types.ts';
import type { ResolvedAlias } from '../validated-query.ts';
import {
  aggTable, avg, c, count, countStar, item, join, listTable, num, op, out, str, t, TestDb, validated, type Row,
} from './test-fixtures.ts';
import { planQuery } from './plan-query.ts';
import { printQuery } from '../../sql/print.ts';
import { duckdbDialect } from '../../sql/dialect.ts';
import { sumArgument } from './numeric-safety.ts';

// 9e37 fits DECIMAL(38,0); two of them overflow DuckDB's HUGEINT accumulator.
const D38 = '90000000000000000000000000000000000000';
const H_MAX = '170141183460469231731687303715884105727';
const SETUP = `
CREATE TABLE big AS SELECT * FROM (VALUES
  (1::BIGINT, 'e1', 'g', ${D38}::DECIMAL(38,0), ${H_MAX}::HUGEINT, 9223372036854775807::BIGINT, 999999999999999999::DECIMAL(18,0), INTERVAL 2147483647 MONTH),
  (2, 'e2', 'g', ${D38}::DECIMAL(38,0), ${H_MAX}::HUGEINT, 9223372036854775807::BIGINT, 999999999999999999::DECIMAL(18,0), INTERVAL 2147483647 MONTH),
  (3, 'e3', 'g', ${D38}::DECIMAL(38,0), ${H_MAX}::HUGEINT, 9223372036854775807::BIGINT, 999999999999999999::DECIMAL(18,0), INTERVAL 2147483647 MONTH)
) v(__cr_rowid, email, grp, d38, h, b, d18, dur);
-- the runner's own table: huge values planted on the target's email (e3) and on e1
CREATE TABLE planted AS SELECT * FROM (VALUES
  (1::BIGINT, 'e1', ${D38}::DECIMAL(38,0)),
  (2, 'e3', ${D38}::DECIMAL(38,0)),
  (3, 'e2', 1::DECIMAL(38,0))
) v(__cr_rowid, email, w);
`;

const BIG_COLUMNS = [
  { name: 'email', type: 'VARCHAR' }, { name: 'grp', type: 'VARCHAR' }, { name: 'd38', type: 'DECIMAL(38,0)' },
  { name: 'h', type: 'HUGEINT' }, { name: 'b', type: 'BIGINT' }, { name: 'd18', type: 'DECIMAL(18,0)' },
  { name: 'dur', type: 'INTERVAL' },
];
const typed = (table: QueryTable, columns: { name: string; type: string }[]): QueryTable => ({ ...table, columns });
const big = (min = 2): ResolvedAlias => ({ alias: 'b', table: typed(aggTable('big', 'pub', { email: min }), BIG_COLUMNS) });
const planted = (): ResolvedAlias => ({
  alias: 'p', table: typed(aggTable('planted', 'brand', {}), [{ name: 'email', type: 'VARCHAR' }, { name: 'w', type: 'DECIMAL(38,0)' }]),
});
const fnCall = (name: string, arg: Expr, distinct = false): Expr => ({ kind: 'function', name, args: [arg], distinct });
const sum = (e: Expr): Expr => fnCall('sum', e);
const dec = (value: string): Expr => ({ kind: 'literal', value: { type: 'decimal', value } });
const neg = (e: Expr): Expr => ({ kind: 'unary', op: '-', operand: e });

let db: TestDb;
beforeAll(async () => { db = await TestDb.create(SETUP); });
afterAll(() => db.close());

/** Relative closeness for huge doubles. */
function near(actual: Row[number] | undefined, expected: number): void {
  expect(typeof actual).toBe('number');
  const a = actual as number;
  if (!Number.isFinite(expected)) { expect(a).toBe(expected); return; }
  expect(Math.abs(a - expected) / Math.abs(expected)).toBeLessThan(1e-9);
}

const single = (items: Expr[], extra: { having?: Expr; groupBy?: Expr[] } = {}) => validated('aggregation', {
  items: items.map((e, i) => item(e, `x${i}`)), from: t('big', 'b'), ...extra,
}, [big()]);

describe('SUM/AVG over types whose sum can overflow run over DOUBLE', () => {
  it('sums and averages DECIMAL(38,0) and HUGEINT columns without an overflow error', async () => {
    // DuckDB raises "Overflow in HUGEINT addition" for each of these without the cast.
    const { rows, sql } = await db.plan(single([sum(c('b', 'd38')), avg(c('b', 'd38')), sum(c('b', 'h')), avg(c('b', 'h')),
      fnCall('sum', c('b', 'd38'), true)]));
    expect(sql).toContain('sum(TRY_CAST("b"."d38" AS DOUBLE))');
    expect(rows).toHaveLength(1);
    const [r] = rows;
    near(r?.[0], 2.7e38);
    near(r?.[1], 9e37);
    near(r?.[2], 3 * 1.7014118346046923e38);
    near(r?.[3], 1.7014118346046923e38);
    near(r?.[4], 9e37); // DISTINCT over the three equal values
  });

  it('keeps lone SUM over BIGINT, DECIMAL(18,s) and COUNT exact', async () => {
    const { rows, sql } = await db.plan(single([sum(c('b', 'b')), sum(c('b', 'd18')), count(c('b', 'b'))]));
    expect(sql).not.toContain('AS DOUBLE');
    expect(await db.rows(`SELECT typeof(x0), typeof(x1), typeof(x2) FROM (${sql})`)).toEqual([['HUGEINT', 'DECIMAL(38,0)', 'BIGINT']]);
    expect(rows[0]?.[2]).toBe(3);
  });

  it('over a join: the runner\'s planted values never make the query fail, matched or not', async () => {
    // Group g joins e1, e2, e3 of big: planted rows 1 and 2 (9e37 each) both reach it.
    const v = (where?: Expr) => validated('aggregation', {
      items: [item(c('b', 'grp'), 'grp'), item(sum(c('p', 'w')), 'w'), item(op('*', sum(c('p', 'w')), sum(c('b', 'd38'))), 'prod')],
      from: join(t('big', 'b'), t('planted', 'p'), op('=', c('b', 'email'), c('p', 'email'))),
      groupBy: [c('b', 'grp')],
      ...(where === undefined ? {} : { where }),
    }, [big(), planted()]);
    const matched = await db.plan(v());
    near(matched.rows[0]?.[1], 1.8e38 + 1);
    near(matched.rows[0]?.[2], (1.8e38 + 1) * 2.7e38);
    // Without e3 ("target not matched") the sum is exact-sized and the query also runs.
    const unmatched = await db.plan(v({ kind: 'binary', op: '<>', left: c('b', 'email'), right: str('e3') }));
    near(unmatched.rows[0]?.[1], 9e37 + 1);
    // Suppressed group (minimum 4 users): no row and no error.
    const suppressed = await db.plan(validated('aggregation', {
      items: [item(sum(c('p', 'w')), 'w')],
      from: join(t('big', 'b'), t('planted', 'p'), op('=', c('b', 'email'), c('p', 'email'))),
    }, [big(4), planted()]));
    expect(suppressed.rows).toEqual([]);
  });
});

describe('arithmetic and comparisons on aggregates are DOUBLE', () => {
  it('SUM(a) * SUM(b) of huge DECIMAL(38) and BIGINT sums gives a large double, not an error', async () => {
    // d18: 3 x (10^18 - 1); its DECIMAL(38,0) sum squared overflows DECIMAL(38) in DuckDB.
    const s18 = 3 * 999999999999999999;
    const { rows } = await db.plan(single([
      op('*', sum(c('b', 'd18')), sum(c('b', 'd18'))),
      op('*', sum(c('b', 'd38')), sum(c('b', 'd38'))),
      op('+', sum(c('b', 'h')), sum(c('b', 'h'))),
      op('*', count(c('b', 'b')), sum(c('b', 'b'))),
      op('/', sum(c('b', 'd38')), op('-', count(c('b', 'b')), num(3))),
      neg(sum(c('b', 'h'))),
    ]));
    const r = rows[0];
    near(r?.[0], s18 * s18);
    near(r?.[1], 2.7e38 * 2.7e38);
    near(r?.[2], 6 * 1.7014118346046923e38);
    near(r?.[3], 3 * 3 * 9223372036854775807);
    expect(r?.[4]).toBeNull(); // division by zero stays NULL
    near(r?.[5], -3 * 1.7014118346046923e38);
  });

  it('overflowing DOUBLE arithmetic gives Infinity', async () => {
    const cube = (e: Expr): Expr => op('*', op('*', e, e), e);
    // (5.1e38)^9 is beyond DOUBLE's 1.8e308
    const { rows } = await db.plan(single([cube(cube(sum(c('b', 'h'))))]));
    near(rows[0]?.[0], Infinity);
  });

  it('HAVING compares huge sums with literals of any scale, in both plans', async () => {
    const tiny = dec('0.00000000000000000001'); // DECIMAL(21,20): DuckDB would cast the sum to DECIMAL(38,20)
    const one = await db.plan(single([sum(c('b', 'b')), sum(c('b', 'd18'))], {
      groupBy: [c('b', 'grp')],
      having: op('AND', op('>', out('x0'), tiny), op('>', sum(c('b', 'd38')), dec('1.5'))),
    }));
    expect(one.rows).toHaveLength(1);
    const joined = await db.plan(validated('aggregation', {
      items: [item(sum(c('b', 'd18')), 'x0')],
      from: join(t('big', 'b'), t('planted', 'p'), op('=', c('b', 'email'), c('p', 'email'))),
      having: op('>', out('x0'), tiny),
    }, [big(), planted()]));
    expect(joined.rows).toHaveLength(1);
  });
});

describe('literal comparisons on wide columns (printer)', () => {
  it('WHERE compares BIGINT, HUGEINT and DECIMAL(38) columns with decimal and HUGEINT literals', async () => {
    // Each of these raises a Conversion Error in DuckDB when a row reaches the filter.
    const huge: Expr = { kind: 'literal', value: { type: 'integer', value: '1000000000000000000000000000000' } };
    const wheres: Expr[] = [
      op('>', c('b', 'b'), dec('0.00000000000000000001')),
      op('>', c('b', 'h'), dec('1.5')),
      op('>', c('b', 'd38'), neg(dec('1.5'))),
      { kind: 'in-list', operand: c('b', 'd38'), list: [dec('1.5'), huge], negated: false },
      { kind: 'between', operand: c('b', 'b'), low: dec('0.00000000000000000001'), high: huge, negated: false },
    ];
    for (const where of wheres) {
      const { rows } = await db.plan(validated('aggregation', {
        items: [item(countStar, 'n')], from: t('big', 'b'), where,
      }, [big(1)]));
      expect(rows.length).toBeLessThanOrEqual(1);
    }
  });

  it('a list query filtering a BIGINT column with a high-scale decimal literal runs', async () => {
    const v = validated('list', {
      distinct: true, items: [item(c('p', 'email'))],
      from: join(t('planted', 'p'), t('big', 'b'), op('=', c('p', 'email'), c('b', 'email'))),
      where: op('>', c('b', 'b'), dec('0.00000000000000000001')),
    }, [
      { alias: 'p', table: listTable('planted', 'brand', ['email'], 0) },
      { alias: 'b', table: { ...listTable('big', 'pub', ['email'], 2), columns: BIG_COLUMNS } },
    ]);
    const { rows } = await db.plan(v);
    expect(rows).toHaveLength(3);
  });
});

describe('refusals and type classes', () => {
  it('refuses AVG over an INTERVAL column as an internal error (it would overflow INT32 months)', () => {
    expect(() => planQuery(single([avg(c('b', 'dur'))]))).toThrow(/Internal error: AVG over a column of type INTERVAL/);
  });

  it('classifies engine type names', () => {
    expect(['BIGINT', 'INTEGER', 'UBIGINT', 'DOUBLE', 'FLOAT', 'DECIMAL(18,2)', 'decimal(9, 0)'].map(sumArgument))
      .toEqual(Array(7).fill('exact'));
    expect(['DECIMAL(19,2)', 'DECIMAL(38,0)', 'NUMERIC', 'HUGEINT', 'UHUGEINT', undefined].map(sumArgument))
      .toEqual(Array(6).fill('double'));
    expect(['INTERVAL', 'DATE', 'TIMESTAMP', 'VARCHAR'].map(sumArgument)).toEqual(Array(4).fill('refuse'));
  });

  it('an aggregate whose column type is unknown runs over DOUBLE (fail closed)', () => {
    const v = validated('aggregation', { items: [item(sum(c('b', 'd38')), 's')], from: t('big', 'b') },
      [{ alias: 'b', table: aggTable('big', 'pub', {}) }]);
    expect(printQuery(planQuery(v).query, duckdbDialect)).toContain('sum(TRY_CAST("b"."d38" AS DOUBLE))');
  });
});
