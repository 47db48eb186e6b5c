import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbParser } from '../engine/duckdb-parser.ts';
import type { Query } from '../sql/ast.ts';
import { convertParsed } from '../sql/convert.ts';
import { duckdbDialect } from '../sql/dialect.ts';
import { printQuery } from '../sql/print.ts';
import { checkResultsSqlName, defaultResultName, type ResultsSqlCatalog, validateResultsSql } from './results-sql-validate.ts';

let parser: DuckDbParser;
beforeAll(async () => {
  parser = await DuckDbParser.create();
});
afterAll(() => parser.close());

async function convert(sql: string): Promise<Query> {
  const r = convertParsed(await parser.serialize(sql), sql);
  if (!r.ok) throw new Error(`${sql}: ${r.error.code}`);
  return r.value;
}

async function catalog(views: Record<string, string> = {}): Promise<ResultsSqlCatalog> {
  const map = new Map<string, Query>();
  for (const [name, sql] of Object.entries(views)) map.set(name, await convert(sql));
  return { tables: new Set(['reach', 'overlap', 'results']), views: map };
}

async function check(sql: string, views: Record<string, string> = {}) {
  return validateResultsSql(await convert(sql), await catalog(views), sql);
}

describe('validateResultsSql', () => {
  it('admits SELECT over catalog tables with CTEs, joins, subqueries, windows and set operations', async () => {
    for (const sql of [
      'SELECT * FROM reach',
      'SELECT r.campaign_id, o.n FROM reach r LEFT JOIN overlap o ON r.campaign_id = o.campaign_id',
      'WITH a AS (SELECT campaign_id FROM reach), b AS (SELECT campaign_id FROM a) SELECT * FROM b',
      'SELECT campaign_id, rank() OVER (ORDER BY users DESC) AS r FROM reach',
      'SELECT campaign_id FROM reach UNION ALL SELECT campaign_id FROM overlap',
      'SELECT campaign_id FROM reach WHERE users > (SELECT avg(n) FROM overlap) AND EXISTS (SELECT 1 FROM overlap)',
      'SELECT name FROM results',
    ]) {
      const r = await check(sql);
      expect(r.ok, sql).toBe(true);
    }
    const r = await check('SELECT r.campaign_id FROM reach r JOIN overlap o ON TRUE');
    expect(r.ok && r.value.tables).toEqual(['overlap', 'reach']);
  });

  it('refuses any other table name, with a position and a hint', async () => {
    const r = await check('SELECT * FROM reach JOIN customers ON TRUE');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ code: 'unknown-result-table', rule: 'results-sql', position: 25 });
    expect(r.error.hint).toBeTruthy();
    for (const sql of ['SELECT (SELECT count(*) FROM impressions) AS n', 'SELECT 1 AS x WHERE 1 IN (SELECT a FROM t)', 'WITH a AS (SELECT * FROM a) SELECT * FROM a']) {
      const got = await check(sql);
      expect(!got.ok && got.error.code, sql).toBe('unknown-result-table');
    }
  });

  it('refuses names that read like files or URLs', async () => {
    for (const sql of ["SELECT * FROM 'x.parquet'", 'SELECT * FROM "/etc/passwd"', 'SELECT * FROM "s3://b/k"', 'SELECT * FROM "*"']) {
      const got = await check(sql);
      expect(!got.ok && got.error.code, sql).toBe('file-path-not-allowed');
    }
  });

  it('refuses parameters', async () => {
    const got = await check('SELECT * FROM reach WHERE users > $1');
    expect(!got.ok && got.error.code).toBe('parameter-not-allowed');
  });

  it('expands saved views into subqueries and finds loops', async () => {
    const r = await check('SELECT * FROM big', { big: 'SELECT campaign_id FROM reach WHERE users > 2' });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(printQuery(r.value.query, duckdbDialect)).toBe('SELECT * FROM (SELECT "campaign_id" FROM "reach" WHERE ("users" > 2)) AS "big"');
      expect(r.value.tables).toEqual(['reach']);
    }
    const loop = await check('SELECT * FROM a', { a: 'SELECT * FROM b', b: 'SELECT * FROM a' });
    expect(!loop.ok && loop.error.code).toBe('view-cycle');
    // A view does not see the CTEs of the query that uses it.
    const scoped = await check('WITH customers AS (SELECT 1 AS x) SELECT * FROM v', { v: 'SELECT * FROM customers' });
    expect(!scoped.ok && scoped.error.code).toBe('unknown-result-table');
  });
});

describe('checkResultsSqlName', () => {
  it('accepts plain lower-case names and refuses the rest', () => {
    expect(checkResultsSqlName('q3_overlap')).toBeUndefined();
    expect(checkResultsSqlName('_x1')).toBeUndefined();
    for (const bad of ['Overlap', '1abc', 'a-b', 'a b', '', 'x'.repeat(64), 'a"b', 'a.b']) expect(checkResultsSqlName(bad)?.code, bad).toBe('bad-name');
    for (const reserved of ['results', 'duckdb_settings', 'pg_class', '__cr_x', 'information_schema', 'main']) expect(checkResultsSqlName(reserved)?.code, reserved).toBe('reserved-name');
  });
});

describe('defaultResultName', () => {
  it('derives a queryable name from the analysis and the id', () => {
    expect(defaultResultName('audience-overlap', '1A2B3C4D-0000-0000')).toBe('audience_overlap_1a2b3c4d');
    expect(defaultResultName(undefined, 'abcdef12-3456')).toBe('query_abcdef12');
    expect(defaultResultName('3 ways', 'abcdef12')).toBe('r_3_ways_abcdef12');
    expect(defaultResultName('duckdb_x', 'abcdef12')).toBe('r_duckdb_x_abcdef12');
    expect(defaultResultName('!!!', 'abcdef12')).toBe('query_abcdef12');
    for (const name of ['audience_overlap_1a2b3c4d', 'r_duckdb_x_abcdef12']) expect(checkResultsSqlName(name)).toBeUndefined();
  });
});
