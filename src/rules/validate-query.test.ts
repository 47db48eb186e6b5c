import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Expr, Select } from '../sql/ast.ts';
import type { Diagnostic } from '../sql/diagnostic.ts';
import type { QueryContext } from './rule-types.ts';
import { aggregationContext, customersList, IMPRESSION_COLUMNS, QueryChecker, table } from './test-fixtures.ts';
import { fragmentOf } from './expr-text.ts';

let checker: QueryChecker;
beforeAll(async () => {
  checker = await QueryChecker.create();
});
afterAll(() => checker.close());

const JOIN = 'FROM impressions i INNER JOIN conversions c ON i.email_address = c.email_address';

async function refused(sql: string, ctx: QueryContext = aggregationContext()): Promise<Diagnostic> {
  const r = await checker.check(sql, ctx);
  if (r.ok) throw new Error(`accepted: ${sql}`);
  return r.error;
}

async function body(sql: string): Promise<Select> {
  const r = await checker.check(sql, aggregationContext());
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  if (r.value.query.body.kind !== 'select') throw new Error('not a select');
  return r.value.query.body;
}

const col = (table: string | undefined, name: string): Partial<Expr> => ({ kind: 'column', ...(table !== undefined ? { table } : {}), name });

describe('validateQuery: tables', () => {
  it('refuses an unknown table, listing only this collaboration’s tables', async () => {
    const e = await refused('SELECT COUNT(x.a) FROM nosuch x');
    expect(e).toMatchObject({ code: 'unknown-table', rule: 'sql', fragment: 'nosuch' });
    expect(e.message).toContain('"nosuch"');
    expect(e.hint).toBe('tables you can name: customers, conversions, impressions, audiences');
  });
  it('matches association names case-insensitively', async () => {
    const r = await checker.check('SELECT COUNT(DISTINCT I.email_address) FROM IMPRESSIONS I INNER JOIN Conversions C ON I.email_address = C.email_address', aggregationContext());
    expect(r.ok).toBe(true);
  });
  it('refuses a table without a rule', async () => {
    const e = await refused('SELECT COUNT(a.email_address) FROM audiences a');
    expect(e).toMatchObject({ code: 'table-not-queryable', table: 'audiences' });
    expect(e.message).toContain('no analysis rule');
  });
  it('refuses tables with rules of different types', async () => {
    const e = await refused(`SELECT COUNT(DISTINCT i.email_address) FROM impressions i INNER JOIN customers cu ON i.email_address = cu.email_address`,
      aggregationContext({ customers: customersList }));
    expect(e).toMatchObject({ code: 'mixed-rule-types', table: 'customers' });
    expect(e.message).toContain('customers: list');
  });
  it('refuses custom-rule tables for now', async () => {
    const ctx = aggregationContext({
      impressions: { kind: 'custom', allowedAnalyses: ['ANY_QUERY'], allowedAnalysisProviders: ['brand'], disallowedOutputColumns: [], outputConstraints: [] },
    });
    const e = await refused('SELECT COUNT(i.email_address) FROM impressions i', ctx);
    expect(e.code).toBe('rule-not-supported');
  });
  it('refuses a query that reads no table', async () => {
    expect((await refused('SELECT 1')).code).toBe('no-table');
  });
  it('refuses tables named only in a subquery of a FROM-less SELECT', async () => {
    const e = await refused('SELECT (SELECT COUNT(c.email_address) FROM conversions c)');
    expect(e).toMatchObject({ code: 'subquery-not-allowed', rule: 'aggregation' });
  });
  it('refuses a duplicated alias', async () => {
    const e = await refused('SELECT COUNT(i.email_address) FROM impressions i INNER JOIN conversions i ON i.email_address = i.email_address');
    expect(e).toMatchObject({ code: 'duplicate-alias', table: 'conversions' });
  });
  it('refuses a qualifier that is not in FROM', async () => {
    const e = await refused(`SELECT COUNT(impressions.email_address) ${JOIN}`);
    expect(e.code).toBe('unknown-table');
    expect(e.message).toContain('"impressions" is not a table or alias in FROM');
  });
});

describe('validateQuery: columns', () => {
  it('a column outside the allowed list does not exist', async () => {
    const e = await refused(`SELECT COUNT(c.first_name) ${JOIN}`);
    expect(e).toMatchObject({ code: 'unknown-column', table: 'conversions', rule: 'aggregation', fragment: 'c.first_name' });
    expect(e.message).toContain('"first_name" does not exist in conversions');
  });
  it('an unqualified column in two tables is ambiguous', async () => {
    const e = await refused(`SELECT COUNT(DISTINCT email_address) ${JOIN}`);
    expect(e.code).toBe('ambiguous-column');
    expect(e.hint).toContain('i.email_address');
  });
});

describe('validateQuery: normal form', () => {
  it('qualifies every column with its alias and its table spelling', async () => {
    const ctx: QueryContext = {
      runner: 'platform',
      tables: [table('impressions', 'platform', IMPRESSION_COLUMNS.map((c) => (c.name === 'placement' ? { ...c, name: 'Placement' } : c)), {
        kind: 'aggregation', aggregateColumns: [{ columnNames: ['email_address'], function: 'COUNT' }], joinColumns: [],
        allowedJoinOperators: ['AND'], dimensionColumns: ['Placement'], scalarFunctions: [], outputConstraints: [],
      })],
    };
    const r = await checker.check('SELECT placement, COUNT(email_address) FROM impressions GROUP BY placement', ctx);
    if (!r.ok) throw new Error(r.error.message);
    const s = r.value.query.body as Select;
    expect(s.items[0]?.expr).toMatchObject(col('impressions', 'Placement'));
    expect(s.groupBy[0]).toMatchObject(col('impressions', 'Placement'));
    expect(r.value.aliases.map((a) => a.alias)).toEqual(['impressions']);
  });
  it('replaces ordinals by the SELECT item and keeps output names in ORDER BY unqualified', async () => {
    const s = await body(`SELECT placement, COUNT(DISTINCT i.email_address) AS users ${JOIN} GROUP BY 1 ORDER BY users DESC, 1`);
    expect(s.groupBy[0]).toMatchObject(col('i', 'placement'));
    expect(s.orderBy[0]?.expr).toEqual({ kind: 'column', name: 'users', pos: expect.any(Number) as unknown });
    expect(s.orderBy[1]?.expr).toMatchObject(col('i', 'placement'));
  });
  it('GROUP BY prefers a column over an output name of the same spelling (DuckDB)', async () => {
    const e = await refused(`SELECT LOWER(i.placement) AS placement, COUNT(DISTINCT i.email_address) ${JOIN} GROUP BY placement`);
    expect(e.code).toBe('not-in-group-by');
  });
  it('ORDER BY and HAVING prefer the output name', async () => {
    const s = await body(`SELECT LOWER(i.placement) AS placement, COUNT(DISTINCT i.email_address) AS creative_id ${JOIN} GROUP BY 1 HAVING creative_id > 5 ORDER BY placement`);
    expect(s.having).toMatchObject({ kind: 'binary', left: { kind: 'column', name: 'creative_id' } });
    expect((s.having as { left: Expr }).left).not.toHaveProperty('table');
    expect(s.orderBy[0]?.expr).toEqual({ kind: 'column', name: 'placement', pos: expect.any(Number) as unknown });
  });
});

describe('fragmentOf', () => {
  const sql = 'SELECT  lower( "i".placement ) , x FROM t';
  it('takes a function call with its balanced arguments from the text', () => {
    expect(fragmentOf({ kind: 'function', name: 'lower', args: [], distinct: false, pos: 8 }, sql)).toBe('lower( "i".placement )');
  });
  it('falls back to a rendering when the text at pos is not the node', () => {
    expect(fragmentOf({ kind: 'column', table: 'c', name: 'zip', pos: 8 }, sql)).toBe('c.zip');
    expect(fragmentOf({ kind: 'binary', op: '=', left: { kind: 'column', name: 'a' }, right: { kind: 'literal', value: { type: 'string', value: "it's" } } }, sql)).toBe("a = 'it''s'");
  });
});
