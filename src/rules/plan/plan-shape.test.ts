/** The planned AST's shape (rows are checked in the other tests, on DuckDB). */
import { describe, expect, it } from 'vitest';
import type { Expr } from '../../sql/ast.ts';
import { planQuery, ROW_ID_COLUMN } from './plan-query.ts';
import { aggTable, c, item, join, op, sum, t, validated } from './test-fixtures.ts';

const imp = { alias: 'i', table: aggTable('impressions', 'pub', { user_id: 2 }) };
const conv = { alias: 'cv', table: aggTable('conversions', 'brand', {}) };

describe('plan shape', () => {
  it('single table: one SELECT, constraint in HAVING, no row ids', () => {
    const p = planQuery(validated('aggregation', { items: [item(sum(c('i', 'cost')))], from: t('impressions', 'i') }, [imp]));
    expect(p.query.with).toEqual([]);
    expect(JSON.stringify(p.query)).not.toContain(ROW_ID_COLUMN);
    const having = p.query.body.kind === 'select' ? p.query.body.having : undefined;
    const expected: Expr = { kind: 'binary', op: '>=', left: { kind: 'function', name: 'count', args: [c('i', 'user_id')], distinct: true },
      right: { kind: 'literal', value: { type: 'integer', value: '2' } } };
    expect(having).toEqual(expected);
  });

  it('join: dedupes the aggregated alias by its row id', () => {
    const p = planQuery(validated('aggregation', {
      items: [item(sum(c('cv', 'revenue')))],
      from: join(t('impressions', 'i'), t('conversions', 'cv'), op('=', c('i', 'user_id'), c('cv', 'user_id'))),
    }, [imp, conv]));
    expect(p.query.with.map((x) => x.name)).toEqual(['__cr_j', '__cr_d0', '__cr_t0', '__cr_m']);
    expect(JSON.stringify(p.query.with[0])).toContain(`{"kind":"column","table":"cv","name":"${ROW_ID_COLUMN}"}`);
  });

  it('refuses reserved association names and ungranted aggregates as internal errors', () => {
    const bad = { alias: 'x', table: aggTable('__cr_j', 'pub', {}) };
    expect(() => planQuery(validated('aggregation', { items: [item(sum(c('x', 'a')))], from: t('__cr_j', 'x') }, [bad])))
      .toThrow(/Internal error/);
    const max: Expr = { kind: 'function', name: 'max', args: [c('i', 'cost')], distinct: false };
    expect(() => planQuery(validated('aggregation', { items: [item(max)], from: t('impressions', 'i') }, [imp])))
      .toThrow(/Internal error/);
  });
});
