import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbParser } from '../engine/duckdb-parser.ts';
import type { Expr, Query, Select } from './ast.ts';
import { convertParsed } from './convert.ts';
import type { Diagnostic } from './diagnostic.ts';

let parser: DuckDbParser;
beforeAll(async () => { parser = await DuckDbParser.create(); });
afterAll(() => parser.close());

async function convert(sql: string): Promise<Query> {
  const r = convertParsed(await parser.serialize(sql), sql);
  if (!r.ok) throw new Error(`refused: ${JSON.stringify(r.error)}`);
  return r.value;
}
async function refusal(sql: string): Promise<Diagnostic> {
  const r = convertParsed(await parser.serialize(sql), sql);
  if (r.ok) throw new Error(`accepted: ${sql}`);
  return r.error;
}
async function select(sql: string): Promise<Select> {
  const q = await convert(sql);
  if (q.body.kind !== 'select') throw new Error('not a select');
  return q.body;
}
async function item(exprSql: string): Promise<Expr> {
  const s = await select(`SELECT ${exprSql} FROM t`);
  const first = s.items[0];
  if (first === undefined) throw new Error('no item');
  return first.expr;
}
const col = (name: string, table?: string): Expr => ({ kind: 'column', name, ...(table ? { table } : {}) });
/** Drops positions so shapes can be compared. */
function strip<T>(v: T): T {
  return JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'pos' ? undefined : x))) as T;
}

describe('convertParsed: modelled constructs', () => {
  it('converts a grouped aggregate query with lower-cased names and positions', async () => {
    const s = await select('SELECT I.Region AS R, COUNT(DISTINCT i.User_Id) FROM Impressions AS I WHERE i.x = 1 GROUP BY I.Region HAVING count(*) > 2');
    expect(s.items[0]).toEqual({ expr: { kind: 'column', table: 'i', name: 'region', pos: 7 }, alias: 'r' });
    expect(strip(s.items[1]?.expr)).toEqual({ kind: 'function', name: 'count', args: [col('user_id', 'i')], distinct: true });
    expect(strip(s.from)).toEqual({ kind: 'table', name: 'impressions', alias: 'i' });
    expect(strip(s.groupBy)).toEqual([col('region', 'i')]);
    expect(strip(s.having)).toEqual({ kind: 'binary', op: '>', left: { kind: 'function', name: 'count', args: [], distinct: false, star: true }, right: { kind: 'literal', value: { type: 'integer', value: '2' } } });
  });

  it('converts DISTINCT, ORDER BY with NULLS, LIMIT/OFFSET and parameters', async () => {
    const s = await select('SELECT DISTINCT a FROM t ORDER BY a DESC NULLS FIRST, b LIMIT 10 OFFSET $skip');
    expect(s.distinct).toBe(true);
    expect(strip(s.orderBy)).toEqual([{ expr: col('a'), direction: 'desc', nulls: 'first' }, { expr: col('b'), direction: 'asc' }]);
    expect(strip(s.limit)).toEqual({ kind: 'literal', value: { type: 'integer', value: '10' } });
    expect(strip(s.offset)).toEqual({ kind: 'parameter', name: 'skip' });
  });

  it('converts joins of every modelled type and subqueries in FROM', async () => {
    const s = await select('SELECT 1 FROM a JOIN b ON a.k = b.k LEFT JOIN c ON c.k = a.k RIGHT JOIN d ON TRUE FULL OUTER JOIN e ON 1 = 1 CROSS JOIN (SELECT 1 AS x) AS s');
    const kinds: string[] = [];
    let r = s.from;
    while (r?.kind === 'join') { kinds.push(r.type); r = r.left; }
    expect(kinds).toEqual(['cross', 'full', 'right', 'left', 'inner']);
    expect(s.from?.kind === 'join' && s.from.right.kind).toBe('subquery-relation');
  });

  it('converts CTEs and set operations', async () => {
    const q = await convert('WITH c AS (SELECT 1 AS x) SELECT x FROM c UNION ALL SELECT 2 INTERSECT SELECT 3 ORDER BY 1 LIMIT 5');
    expect(q.with.map((c) => c.name)).toEqual(['c']);
    expect(q.body.kind === 'set-operation' && q.body.op).toBe('union-all');
    expect(q.body.kind === 'set-operation' && q.body.right.kind === 'set-operation' && q.body.right.op).toBe('intersect');
    const u = await convert('SELECT 1 UNION SELECT 2 EXCEPT SELECT 3');
    expect(u.body.kind === 'set-operation' && u.body.op).toBe('except');
  });

  it('converts literals exactly', async () => {
    const s = await select("SELECT TRUE, FALSE, NULL, 'it''s', 1.50, 1e3, 12345678901234567890, 9223372036854775807, -9223372036854775808, 123456789012345678901234567890123, 12345678901234567890.123456789, DATE '2024-02-29', TIMESTAMP '2024-01-02 03:04:05.5', INTERVAL 3 DAY, INTERVAL '2 weeks', -5, 1_000");
    expect(strip(s.items.map((i) => i.expr.kind === 'literal' ? i.expr.value : i.expr))).toEqual([
      { type: 'boolean', value: true }, { type: 'boolean', value: false }, { type: 'null' },
      { type: 'string', value: "it's" }, { type: 'decimal', value: '1.50' }, { type: 'double', value: 1000 },
      { type: 'integer', value: '12345678901234567890' }, { type: 'integer', value: '9223372036854775807' },
      { type: 'integer', value: '-9223372036854775808' }, { type: 'integer', value: '123456789012345678901234567890123' },
      { type: 'decimal', value: '12345678901234567890.123456789' }, { type: 'date', value: '2024-02-29' },
      { type: 'timestamp', value: '2024-01-02T03:04:05.5' }, { type: 'interval', value: '3', unit: 'day' },
      { type: 'interval', value: '14', unit: 'day' }, { type: 'integer', value: '-5' }, { type: 'integer', value: '1000' },
    ]);
  });

  it('keeps an invalid DATE text as a (non-failing) cast', async () => {
    expect(strip(await item("CAST('2023-02-30' AS DATE)"))).toEqual({ kind: 'cast', operand: { kind: 'literal', value: { type: 'string', value: '2023-02-30' } }, type: { name: 'DATE' } });
  });

  it('converts predicates: IS NULL, IN, BETWEEN, LIKE family, NOT, AND/OR, comparisons', async () => {
    expect(strip(await item('x IS NOT NULL'))).toEqual({ kind: 'is-null', operand: col('x'), negated: true });
    expect(strip(await item('x NOT IN (1, 2)'))).toMatchObject({ kind: 'in-list', negated: true, list: [{ kind: 'literal' }, { kind: 'literal' }] });
    expect(strip(await item('x NOT BETWEEN 1 AND 2'))).toMatchObject({ kind: 'between', negated: true });
    for (const [sql, op] of [['x LIKE y', 'LIKE'], ['x NOT LIKE y', 'NOT LIKE'], ['x ILIKE y', 'ILIKE'], ['x NOT ILIKE y', 'NOT ILIKE'],
      ['x <> y', '<>'], ['x != y', '<>'], ['x <= y', '<='], ['x IS DISTINCT FROM y', 'IS DISTINCT FROM'], ['x || y', '||'], ['x % y', '%']] as const) {
      expect(strip(await item(sql))).toEqual({ kind: 'binary', op, left: col('x'), right: col('y') });
    }
    expect(strip(await item('NOT (a AND b OR c)'))).toEqual({ kind: 'unary', op: 'NOT', operand: { kind: 'binary', op: 'OR', left: { kind: 'binary', op: 'AND', left: col('a'), right: col('b') }, right: col('c') } });
    expect(strip(await item('-x'))).toEqual({ kind: 'unary', op: '-', operand: col('x') });
  });

  it('converts CASE, casts and subquery expressions', async () => {
    expect(strip(await item("CASE WHEN a THEN 1 ELSE 2 END"))).toMatchObject({ kind: 'case', whens: [{ when: col('a') }], else: { kind: 'literal' } });
    expect(strip(await item("CASE x WHEN 1 THEN 'a' END"))).toEqual({ kind: 'case', whens: [{ when: { kind: 'binary', op: '=', left: col('x'), right: { kind: 'literal', value: { type: 'integer', value: '1' } } }, then: { kind: 'literal', value: { type: 'string', value: 'a' } } }] });
    expect(strip(await item('TRY_CAST(x AS DECIMAL(10,2))'))).toEqual({ kind: 'cast', operand: col('x'), type: { name: 'DECIMAL', width: 10, scale: 2 } });
    expect(strip(await item('x::TIMESTAMPTZ'))).toMatchObject({ kind: 'cast', type: { name: 'TIMESTAMPTZ' } });
    expect(strip(await item('CONVERT(int, x)'))).toEqual({ kind: 'cast', operand: col('x'), type: { name: 'INTEGER' }, syntax: 'convert' });
    expect(await item('(SELECT 1)')).toMatchObject({ kind: 'subquery' });
    expect(await item('NOT EXISTS (SELECT 1)')).toMatchObject({ kind: 'exists', negated: true });
    expect(await item('x NOT IN (SELECT 1)')).toMatchObject({ kind: 'in-subquery', negated: true });
  });

  it('maps function spellings and repairs parser pitfalls', async () => {
    expect(strip(await item('ceil(x)'))).toEqual({ kind: 'function', name: 'ceiling', args: [col('x')], distinct: false });
    expect(strip(await item('DATEADD(day, 1, d)'))).toEqual({ kind: 'function', name: 'dateadd', distinct: false, args: [{ kind: 'literal', value: { type: 'string', value: 'day' } }, { kind: 'literal', value: { type: 'integer', value: '1' } }, col('d')] });
    expect(strip(await item("DATEDIFF('mm', a, b)"))).toMatchObject({ name: 'date_diff', args: [{ value: { value: 'month' } }, {}, {}] });
    expect(strip(await item('EXTRACT(year FROM d)'))).toMatchObject({ name: 'extract', args: [{ value: { value: 'year' } }, col('d')] });
    expect(strip(await item("TO_CHAR(d, 'YYYY-MM-DD HH24:MI')"))).toMatchObject({ name: 'to_char', args: [col('d'), { value: { value: '%Y-%m-%d %H:%M' } }] });
    expect(strip(await item("strftime(d, '%Y')"))).toMatchObject({ name: 'to_char' });
    expect(strip(await item('coalesce(a, b)'))).toEqual({ kind: 'function', name: 'coalesce', args: [col('a'), col('b')], distinct: false });
    expect(strip(await item('CURRENT_DATE'))).toEqual({ kind: 'function', name: 'current_date', args: [], distinct: false });
    expect(strip(await item('"current_date"'))).toEqual(col('current_date'));
    expect(strip(await item('TRIM(TRAILING FROM y)'))).toMatchObject({ name: 'rtrim' });
    expect(strip(await item('SUBSTRING(x FROM 2 FOR 3)'))).toMatchObject({ name: 'substring' });
  });

  it('converts window functions with frames', async () => {
    expect(strip(await item('row_number() OVER (PARTITION BY a ORDER BY b DESC)'))).toEqual({ kind: 'window', fn: { kind: 'function', name: 'row_number', args: [], distinct: false }, partitionBy: [col('a')], orderBy: [{ expr: col('b'), direction: 'desc' }] });
    expect(strip(await item('sum(x) OVER (ORDER BY b ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)'))).toMatchObject({ frame: { units: 'rows', start: { type: 'preceding' }, end: { type: 'current-row' } } });
    expect(strip(await item('lag(x, 1, 0) OVER (ORDER BY b)'))).toMatchObject({ fn: { name: 'lag', args: [col('x'), {}, {}] } });
    expect(strip(await item('count(*) OVER ()'))).toMatchObject({ fn: { name: 'count', star: true } });
  });
});

describe('convertParsed: refusals', () => {
  const cases: readonly (readonly [string, string, RegExp?])[] = [
    ['SELEC 1', 'syntax-error'],
    ['SELECT 1; SELECT 2', 'multiple-statements'],
    ['INSERT INTO t VALUES (1)', 'not-a-select'],
    ['SELECT * FROM read_csv(\'/etc/passwd\')', 'table-function-not-allowed', /read_csv/],
    ['SELECT * FROM read_parquet(\'x\')', 'table-function-not-allowed'],
    ['SELECT * FROM information_schema.tables', 'system-catalog-not-allowed'],
    ['SELECT * FROM duckdb_tables', 'system-catalog-not-allowed'],
    ['SELECT * FROM sqlite_master', 'system-catalog-not-allowed'],
    ['SELECT * FROM main.t', 'system-catalog-not-allowed'],
    ['SELECT s.t.c FROM t', 'system-catalog-not-allowed'],
    ['SELECT md5(x) FROM t', 'function-not-allowed', /md5/],
    ['SELECT ntile(2) OVER () FROM t', 'function-not-allowed'],
    ['SELECT sum(x) FILTER (WHERE y > 1) FROM t', 'unsupported-syntax', /FILTER/],
    ["SELECT string_agg(x, ',' ORDER BY x) FROM t", 'unsupported-syntax', /ORDER BY inside an aggregate/],
    ['SELECT * FROM t TABLESAMPLE 10%', 'unsupported-syntax', /sampling/],
    ['SELECT a FROM t QUALIFY row_number() OVER () = 1', 'unsupported-syntax', /QUALIFY/],
    ['SELECT DISTINCT ON (a) a FROM t', 'unsupported-syntax', /DISTINCT ON/],
    ['SELECT * FROM t AS s(x)', 'unsupported-syntax', /column aliases/],
    ['SELECT * EXCLUDE (a) FROM t', 'unsupported-syntax', /EXCLUDE/],
    ["SELECT COLUMNS('a.*') FROM t", 'unsupported-syntax', /COLUMNS/],
    ['SELECT a, b FROM t GROUP BY ROLLUP (a, b)', 'unsupported-syntax', /ROLLUP/],
    ['SELECT a FROM t GROUP BY GROUPING SETS ((a), ())', 'unsupported-syntax'],
    ['SELECT a FROM t GROUP BY ALL', 'unsupported-syntax', /GROUP BY ALL/],
    ['SELECT a FROM t ORDER BY ALL', 'unsupported-syntax', /ORDER BY ALL/],
    ['SELECT first(x IGNORE NULLS) OVER (ORDER BY y) FROM t', 'unsupported-syntax', /IGNORE NULLS/],
    ['SELECT sum(x) OVER (ORDER BY y ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) FROM t', 'unsupported-syntax', /EXCLUDE/],
    ['SELECT sum(x) OVER (ORDER BY y GROUPS 1 PRECEDING) FROM t', 'unsupported-syntax'],
    ['SELECT * FROM a NATURAL JOIN b', 'unsupported-syntax', /NATURAL/],
    ['SELECT * FROM a ASOF JOIN b ON a.t >= b.t', 'unsupported-syntax', /ASOF/],
    ['SELECT * FROM a POSITIONAL JOIN b', 'unsupported-syntax', /POSITIONAL/],
    ['SELECT * FROM a JOIN b USING (k)', 'unsupported-syntax', /USING/],
    ['SELECT * FROM a SEMI JOIN b ON a.k = b.k', 'unsupported-syntax'],
    ['SELECT 1 EXCEPT ALL SELECT 2', 'unsupported-syntax'],
    ['SELECT 1 UNION BY NAME SELECT 2', 'unsupported-syntax'],
    ['SELECT x COLLATE nocase FROM t', 'unsupported-syntax'],
    ['SELECT [1, 2]', 'function-not-allowed'],
    ['SELECT x[1] FROM t', 'unsupported-syntax'],
    ['SELECT x > ANY (SELECT 1) FROM t', 'unsupported-syntax'],
    ['SELECT * FROM (VALUES (1)) v', 'unsupported-syntax'],
    ['SELECT a FROM t LIMIT 10%', 'unsupported-syntax'],
    ['SELECT x // 2 FROM t', 'unsupported-syntax'],
    ["SELECT date_trunc('fortnight', d) FROM t", 'unsupported-syntax', /unit/],
    ['SELECT date_trunc(u, d) FROM t', 'unsupported-syntax'],
    ["SELECT TO_CHAR(d, 'YYYY-Q') FROM t", 'unsupported-syntax', /format/],
    ["SELECT strftime(d, '%Q') FROM t", 'unsupported-syntax'],
    ['SELECT TO_CHAR(d, fmt) FROM t', 'unsupported-syntax'],
    ["SELECT TO_NUMBER(x, 'abc') FROM t", 'unsupported-syntax'],
    ['SELECT to_timestamp(x) FROM t', 'unsupported-syntax', /argument/],
    ['SELECT CONVERT(blob, x) FROM t', 'unsupported-syntax'],
    ['SELECT x::INT[] FROM t', 'unsupported-syntax'],
    ['SELECT INTERVAL (x) DAY FROM t', 'unsupported-syntax', /INTERVAL/],
    ['SELECT row_number() FROM t', 'unsupported-syntax', /OVER/],
    ['SELECT upper(DISTINCT x) FROM t', 'unsupported-syntax'],
  ];
  it.each(cases.map(([sql, code, message]) => ({ sql, code, message })))('$sql -> $code', async ({ sql, code, message }) => {
    const d = await refusal(sql);
    expect(d.code).toBe(code);
    if (message) expect(d.message).toMatch(message);
  });

  it('reports positions from query_location', async () => {
    const d = await refusal('SELECT a, md5(x) FROM t');
    expect(d.position).toBe(10);
  });

  it('refuses an unknown set field even in a modelled node (closed world)', () => {
    const sql = 'SELECT a FROM t';
    const tree = {
      error: false,
      statements: [{ node: { type: 'SELECT_NODE', modifiers: [], cte_map: { map: [] }, select_list: [{ class: 'COLUMN_REF', type: 'COLUMN_REF', alias: '', query_location: 7, column_names: ['a'], future_flag: true }], from_table: { type: 'EMPTY' }, where_clause: null, group_expressions: [], group_sets: [], aggregate_handling: 'STANDARD_HANDLING', having: null, sample: null, qualify: null }, named_param_map: [] }],
    };
    const r = convertParsed(tree, sql);
    expect(!r.ok && r.error.code).toBe('unsupported-syntax');
    expect(!r.ok && r.error.message).toMatch(/future_flag/);
  });
});
