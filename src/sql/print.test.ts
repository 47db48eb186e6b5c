import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbParser } from '../engine/duckdb-parser.ts';
import type { Query } from './ast.ts';
import { convertParsed } from './convert.ts';
import { duckdbDialect, trinoDialect } from './dialect.ts';
import { printQuery } from './print.ts';

let parser: DuckDbParser;
beforeAll(async () => { parser = await DuckDbParser.create(); });
afterAll(() => parser.close());

async function convert(sql: string): Promise<Query> {
  const r = convertParsed(await parser.serialize(sql), sql);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}
const duck = async (sql: string): Promise<string> => printQuery(await convert(sql), duckdbDialect);

describe('printQuery (DuckDB)', () => {
  it.each([
    ['SELECT a, count(*) AS n FROM T AS x WHERE x.b = 1 GROUP BY a HAVING count(*) > 1 ORDER BY 2 DESC NULLS FIRST LIMIT 10 OFFSET 5',
      'SELECT "a", count(*) AS "n" FROM "t" AS "x" WHERE ("x"."b" = 1) GROUP BY "a" HAVING (count(*) > 1) ORDER BY 2 DESC NULLS FIRST LIMIT 10 OFFSET 5'],
    ['SELECT DISTINCT a FROM t', 'SELECT DISTINCT "a" FROM "t"'],
    ['SELECT count(DISTINCT a) FROM t', 'SELECT count(DISTINCT "a") FROM "t"'],
    ['SELECT a / b, a + 1, a % b, -a, a || b FROM t',
      'SELECT ("a" / NULLIF("b", 0)), TRY(("a" + 1)), TRY(("a" % NULLIF("b", 0))), TRY((- "a")), ("a" || "b") FROM "t"'],
    ['SELECT sum(a) * 2 FROM t', 'SELECT (sum("a") * 2) FROM "t"'],
    ['SELECT sum(a * 2) FROM t', 'SELECT sum(TRY(("a" * 2))) FROM "t"'],
    ['SELECT CAST(x AS INT), CONVERT(varchar, x), TRY_CAST(x AS DECIMAL(10,2)) FROM t',
      'SELECT TRY_CAST("x" AS INTEGER), TRY_CAST("x" AS VARCHAR), TRY_CAST("x" AS DECIMAL(10, 2)) FROM "t"'],
    ['SELECT ln(x), log(x), log(2, x), sqrt(x) FROM t',
      'SELECT ln(CASE WHEN "x" > 0 THEN "x" END), log(CASE WHEN "x" > 0 THEN "x" END), log(CASE WHEN 2 > 0 AND 2 <> 1 THEN 2 END, CASE WHEN "x" > 0 THEN "x" END), sqrt(CASE WHEN "x" >= 0 THEN "x" END) FROM "t"'],
    ["SELECT DATEADD(month, 2, d), DATEADD('week', n, d), EXTRACT(year FROM d), date_trunc('month', d), DATEDIFF(day, a, b) FROM t",
      "SELECT TRY((\"d\" + to_months(TRY_CAST(2 AS INTEGER)))), TRY((\"d\" + to_days(TRY_CAST(TRY((\"n\" * 7)) AS INTEGER)))), date_part('year', \"d\"), TRY(date_trunc('month', TRY_CAST(\"d\" AS TIMESTAMP))), TRY(date_diff('day', \"a\", \"b\")) FROM \"t\""],
    ["SELECT TO_CHAR(d, 'YYYY-MM'), TO_DATE(s, 'YYYY-MM-DD'), TO_TIMESTAMP(s, 'YYYY-MM-DD HH24:MI:SS'), TO_NUMBER(s, '999D99') FROM t",
      "SELECT strftime(\"d\", '%Y-%m'), CAST(try_strptime(\"s\", '%Y-%m-%d') AS DATE), try_strptime(\"s\", '%Y-%m-%d %H:%M:%S'), TRY_CAST(replace(\"s\", ',', '') AS DECIMAL(38, 2)) FROM \"t\""],
    ['SELECT CURRENT_DATE, GETDATE(), ceil(x), abs(x), round(x, 2), substring(s, 1, 2), coalesce(a, b), nullif(a, b) FROM t',
      'SELECT current_date, CAST(get_current_timestamp() AS TIMESTAMP), ceil("x"), TRY(abs("x")), TRY(round("x", 2)), TRY(substring("s", 1, 2)), COALESCE("a", "b"), NULLIF("a", "b") FROM "t"'],
    ["SELECT TRUE, NULL, 'it''s', 1.50, 0.5e0, 12345678901234567890, DATE '2024-02-29', TIMESTAMP '2024-01-02 03:04:05', INTERVAL 3 DAY, $p",
      "SELECT TRUE, NULL, 'it''s', 1.50, 5e-1, 12345678901234567890, DATE '2024-02-29', TIMESTAMP '2024-01-02 03:04:05', INTERVAL '3' DAY, $p"],
    ['SELECT x IS NULL, x NOT IN (1, 2), x BETWEEN 1 AND 2, x NOT LIKE \'a%\', x ILIKE \'b\', NOT a, a AND b OR c FROM t',
      'SELECT ("x" IS NULL), ("x" NOT IN (1, 2)), ("x" BETWEEN 1 AND 2), ("x" NOT LIKE \'a%\'), ("x" ILIKE \'b\'), (NOT "a"), (("a" AND "b") OR "c") FROM "t"'],
    ["SELECT CASE WHEN a THEN 1 ELSE 2 END, CASE x WHEN 1 THEN 'a' END FROM t",
      "SELECT CASE WHEN \"a\" THEN 1 ELSE 2 END, CASE WHEN (\"x\" = 1) THEN 'a' END FROM \"t\""],
    ['SELECT (SELECT 1), EXISTS (SELECT 1), x NOT IN (SELECT y FROM u) FROM t',
      'SELECT (SELECT 1), (EXISTS (SELECT 1)), ("x" NOT IN (SELECT "y" FROM "u")) FROM "t"'],
    ['SELECT * FROM a JOIN b ON a.k = b.k LEFT JOIN (SELECT 1 AS k) AS s ON s.k = a.k CROSS JOIN c',
      'SELECT * FROM "a" INNER JOIN "b" ON ("a"."k" = "b"."k") LEFT JOIN (SELECT 1 AS "k") AS "s" ON ("s"."k" = "a"."k") CROSS JOIN "c"'],
    ['SELECT * FROM a JOIN (b JOIN c ON b.k = c.k) ON a.k = b.k',
      'SELECT * FROM "a" INNER JOIN ("b" INNER JOIN "c" ON ("b"."k" = "c"."k")) ON ("a"."k" = "b"."k")'],
    ['WITH c AS (SELECT 1 AS x) SELECT x FROM c UNION ALL SELECT 2 ORDER BY 1',
      'WITH "c" AS (SELECT 1 AS "x") (SELECT "x" FROM "c") UNION ALL (SELECT 2) ORDER BY 1 ASC'],
    ['SELECT row_number() OVER (PARTITION BY a ORDER BY b DESC), sum(x) OVER (ORDER BY b ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING), lag(x, 1) OVER (ORDER BY b), count(*) OVER () FROM t',
      'SELECT row_number() OVER (PARTITION BY "a" ORDER BY "b" DESC), sum("x") OVER (ORDER BY "b" ASC ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING), lag("x", 1) OVER (ORDER BY "b" ASC), count(*) OVER () FROM "t"'],
    ['SELECT "we""ird", "select" FROM "Tab le"', 'SELECT "we""ird", "select" FROM "tab le"'],
  ])('%s', async (sql, expected) => {
    expect(await duck(sql)).toBe(expected);
  });
});

describe('printQuery on hand-built trees', () => {
  it('keeps a space after unary minus so `- -5` never becomes a `--` comment', () => {
    const q: Query = { kind: 'query', with: [], body: { kind: 'select', distinct: false, groupBy: [], orderBy: [],
      items: [{ expr: { kind: 'unary', op: '-', operand: { kind: 'literal', value: { type: 'integer', value: '-5' } } } }] } };
    expect(printQuery(q, duckdbDialect)).toBe('SELECT TRY((- -5))');
  });
  it('refuses (internal error) a malformed literal a rewriter might build', () => {
    const q: Query = { kind: 'query', with: [], body: { kind: 'select', distinct: false, groupBy: [], orderBy: [],
      items: [{ expr: { kind: 'literal', value: { type: 'integer', value: '1; DROP TABLE t' } } }] } };
    expect(() => printQuery(q, duckdbDialect)).toThrow(/Internal error/);
  });
});

describe('printQuery (Trino dialect, text only)', () => {
  it('prints integer-safe division, :parameters and Trino type names', async () => {
    const q = await convert('SELECT a / b, CAST(x AS FLOAT), $p FROM t');
    expect(printQuery(q, trinoDialect)).toBe('SELECT (CAST("a" AS DOUBLE) / NULLIF("b", 0)), TRY_CAST("x" AS REAL), :p FROM "t"');
  });
  it('wraps aggregate arithmetic in TRY, which Trino allows', async () => {
    const q = await convert('SELECT sum(a) + 1 FROM t');
    expect(printQuery(q, trinoDialect)).toBe('SELECT TRY((sum("a") + 1)) FROM "t"');
  });
});
