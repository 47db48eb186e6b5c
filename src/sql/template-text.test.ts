/**
 * `:name` -> `$name` against hostile template texts. Every accepted translation is
 * parsed by DuckDB's own parser, and the parameter names DuckDB reports
 * (named_param_map) must be exactly the names the translator found.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbParser } from '../engine/duckdb-parser.ts';
import { translateParameters } from './template-text.ts';

let parser: DuckDbParser;
beforeAll(async () => { parser = await DuckDbParser.create(); });
afterAll(() => parser.close());

/** Parameter names DuckDB reports for `sql`, or the parser's error message. */
async function duckdbNames(sql: string): Promise<string[] | string> {
  const tree = (await parser.serialize(sql)) as { error?: boolean; error_message?: string; statements?: { named_param_map: { key: string }[] }[] };
  if (tree.error === true) return `error: ${tree.error_message ?? ''}`;
  return (tree.statements ?? []).flatMap((s) => s.named_param_map.map((p) => p.key)).sort();
}

function translated(template: string): { sql: string; names: string[] } {
  const r = translateParameters(template);
  if (!r.ok) throw new Error(`refused ${JSON.stringify(template)}: ${JSON.stringify(r.error)}`);
  return { sql: r.value.sql, names: r.value.parameters.map((p) => p.name).sort() };
}

async function agreesWithDuckdb(template: string, expected: readonly string[]): Promise<string> {
  const t = translated(template);
  expect(t.names, template).toEqual([...expected].sort());
  expect(await duckdbNames(t.sql), `${template} -> ${t.sql}`).toEqual([...expected].sort());
  expect(t.sql.length).toBe(template.length);
  return t.sql;
}

describe('translateParameters: hostile texts, checked by DuckDB', () => {
  // [template, parameters DuckDB must see]
  const cases: readonly (readonly [string, readonly string[]])[] = [
    ["SELECT ':a' AS s", []],
    ["SELECT 'it''s :a' AS s, :b AS b", ['b']],
    ["SELECT '''' || :a || ''''", ['a']],
    ["SELECT E'\\' :a' AS s, :b AS b", ['b']],
    ["SELECT e'it''s :a \\n' || :b", ['b']],
    ["SELECT E'\\\\' || :a", ['a']],
    ["SELECT '\\' || :a", ['a']], // a plain string has no backslash escapes
    ['SELECT "col:a" FROM t WHERE x = :b', ['b']],
    ['SELECT "a"":b" FROM t', []],
    ['SELECT $$ :a $$ AS s, :b', ['b']],
    ["SELECT $$ ' :a $$ || ':c' || :b", ['b']],
    ['SELECT $t$ :a $$ :c $t$ AS s, :b', ['b']],
    ['SELECT $é$ :a $é$, :b', ['b']],
    ['SELECT 1 -- :a\n + :b', ['b']],
    ['SELECT 1 -- :a\r + :b', ['b']],
    ["SELECT 1 -- ' :a\n + :b", ['b']],
    ['SELECT 1 /* :a */ + :b', ['b']],
    ['SELECT 1 /* /* :a */ :c */ + :b', ['b']],
    ["SELECT 1 /* ' */ + :b", ['b']],
    ["SELECT '/*' || :a || '*/'", ['a']],
    ["SELECT '--' || :a", ['a']],
    ['SELECT 1 +-- :a\n :b', ['b']],
    ['SELECT x::int FROM t', []],
    ['SELECT a::date + :d FROM t', ['d']],
    ['SELECT :a::int', ['a']],
    ['SELECT :a::int::varchar', ['a']],
    ['SELECT CAST(:a AS INTEGER) :: VARCHAR', ['a']],
    ["SELECT {'k': :v, 'w': 1}", ['v']],
    ['SELECT {k: :v}', ['v']],
    ["SELECT MAP {'k': :v}", ['v']],
    ['SELECT arr[1:2] FROM t', []],
    ['SELECT arr[1: :n] FROM t', ['n']],
    ['SELECT arr[1:(:n)] FROM t', ['n']],
    ['SELECT arr[ : :n] FROM t', ['n']],
    ['SELECT arr[:(:n)] FROM t', ['n']],
    ['SELECT [:a, :b][1]', ['a', 'b']],
    ['SELECT ARRAY[:a]', ['a']],
    ['SELECT f(x := :a)', ['a']],
    ['SELECT f(x => :a)', ['a']],
    ['SELECT list_transform([1], lambda x: x + :a)', ['a']],
    ['SELECT a: :b', ['b']],
    ["SELECT 'é🎉' || :x, '🎉' FROM t WHERE y = :X", ['x']],
    ['SELECT\u00a0:a,\u3000:b +\ufeff1', ['a', 'b']],
    ['SELECT\t:a\n,\f:b', ['a', 'b']],
    ['SELECT :Start_Date', ['start_date']],
    ['SELECT x FROM t WHERE x BETWEEN :lo AND :hi LIMIT :n OFFSET :m', ['hi', 'lo', 'm', 'n']],
    ['SELECT CASE WHEN :a THEN :b ELSE :c END', ['a', 'b', 'c']],
    ['SELECT -:a, +:b, NOT :c', ['a', 'b', 'c']],
    ['SELECT x FROM t WHERE x IN (:a, :b) AND y LIKE :p ESCAPE :e', ['a', 'b', 'e', 'p']],
    ['SELECT x IS NOT DISTINCT FROM :a', ['a']],
    ['SELECT x AT TIME ZONE :tz', ['tz']],
    ['SELECT 1e-5+:a, .5*:b', ['a', 'b']],
    ['SELECT d FROM t WHERE d >= :d - INTERVAL 3 DAY', ['d']],
    ['WITH c AS (SELECT :a AS v) SELECT v FROM c WHERE v > :b', ['a', 'b']],
    ['SELECT x$y, :a FROM t', ['a']],
    ["SELECT tablE':a'", []], // not an E-string: DuckDB refuses the text itself
  ];

  for (const [template, names] of cases) {
    it(JSON.stringify(template), async () => {
      const t = translated(template);
      expect(t.names).toEqual([...names].sort());
      const duck = await duckdbNames(t.sql);
      if (template === "SELECT tablE':a'") expect(duck).toMatch(/^error/);
      else expect(duck, t.sql).toEqual([...names].sort());
      expect(t.sql.length).toBe(template.length);
    });
  }

  it('lower-cases names, keeps every position and reports each use', async () => {
    const template = "SELECT * FROM t WHERE d >= :Start AND note <> ':x' AND n::INT > :n OR d < :START";
    const r = translateParameters(template);
    expect(r).toEqual({
      ok: true,
      value: {
        sql: "SELECT * FROM t WHERE d >= $start AND note <> ':x' AND n::INT > $n OR d < $start",
        parameters: [{ name: 'start', positions: [27, 74] }, { name: 'n', positions: [64] }],
      },
    });
    for (const p of r.ok ? r.value.parameters : []) {
      for (const pos of p.positions) expect(template[pos]).toBe(':');
    }
    await agreesWithDuckdb(template, ['n', 'start']);
  });

  it('changes nothing but the parameters', () => {
    const template = "SELECT 'a:b' /* :c */, \"d:e\", x::int, arr[1:2], {'k': 1}, f(y := 2) -- :z";
    expect(translated(template)).toEqual({ sql: template, names: [] });
  });
});

describe('translateParameters: refusals', () => {
  const refusals: readonly (readonly [string, string, number])[] = [
    ['SELECT arr[:n] FROM t', 'template-parameter-syntax', 11],
    ['SELECT arr[1:n] FROM t', 'template-parameter-syntax', 12],
    ['SELECT arr[1 :n] FROM t', 'template-parameter-syntax', 13],
    ['SELECT :a:b', 'template-parameter-syntax', 9],
    ['SELECT a:b', 'template-parameter-syntax', 8],
    ["SELECT 'k':v", 'template-parameter-syntax', 10],
    ['SELECT (x):y', 'template-parameter-syntax', 10],
    ['SELECT WHERE:a', 'template-parameter-syntax', 12],
    ['SELECT x:::a', 'template-parameter-syntax', 10],
    ['SELECT t.:a', 'template-parameter-syntax', 9],
    ['SELECT :ünï', 'template-parameter-syntax', 7],
    ['SELECT :a$b', 'template-parameter-syntax', 7],
    ['SELECT :b\ufeff', 'template-parameter-syntax', 7], // DuckDB reads the name as "b\ufeff"
    ['SELECT :b\u00a0+ 1', 'template-parameter-syntax', 7],
    ['SELECT $a', 'template-parameter-syntax', 7],
    ['SELECT $1', 'template-parameter-syntax', 7],
    ['SELECT ?', 'template-parameter-syntax', 7],
    ['SELECT x FROM t WHERE y = $ab AND z = :c', 'template-parameter-syntax', 26],
    ["SELECT 'abc", 'syntax-error', 7],
    ["SELECT E'abc\\'", 'syntax-error', 7],
    ["SELECT 'it''s", 'syntax-error', 7],
    ['SELECT "abc', 'syntax-error', 7],
    ['SELECT $$abc', 'syntax-error', 7],
    ['SELECT $t$abc$T$', 'syntax-error', 7],
    ['SELECT /* abc', 'syntax-error', 7],
    ['SELECT /* /* */ :a', 'syntax-error', 7],
  ];
  for (const [template, code, position] of refusals) {
    it(JSON.stringify(template), () => {
      const r = translateParameters(template);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error).toMatchObject({ code, position, rule: 'custom' });
        expect(r.error.message.length).toBeGreaterThan(10);
      }
    });
  }

  it('explains an ambiguous colon with a hint', () => {
    const r = translateParameters('SELECT arr[1:n] FROM t');
    expect(r.ok ? undefined : r.error).toMatchObject({
      message: ':n is ambiguous right after a value or name: DuckDB reads a colon there as a slice, struct key or alias.',
      hint: expect.stringContaining('(:n)'),
    });
  });

  it('DuckDB agrees that unterminated texts are broken', async () => {
    for (const template of ["SELECT 'abc", 'SELECT "abc', 'SELECT $$abc', 'SELECT /* abc', 'SELECT /* /* */ 1']) {
      expect(await duckdbNames(template)).toMatch(/^error/);
    }
  });
});

describe('translateParameters: random mixtures agree with DuckDB', () => {
  // Select-list items and separators that hide or hold parameters; `p` marks an item
  // that holds parameter :pN (its index makes the name unique).
  const hiding = [
    "':x'", "'it''s :x'", "E'\\' :x'", "E'\\\\'", '"c:x"', '$$ :x $$', "$q$ ' :x $q$", "'$$'", "'/*'", "'--'",
    'x::int', "'k'::varchar", '{\'k\': 1}', '[1,2][1:2]', "'\"'", 'e\'\'\'\'',
  ];
  const holding = [':p', ':p::int', '(:p)', '[:p]', "{'k': :p}", ':p + 1', 'coalesce(:p, 1)', "'a' || :p", '-:p'];
  const separators = [', ', ',/* :x \'*/', ', -- :x \'\n', ',\n', ',\u00a0', ', /* /* :x */ */ '];

  // A small deterministic generator (no Math.random: failures must reproduce).
  let seed = 12345;
  const next = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };

  it('300 mixtures', async () => {
    for (let round = 0; round < 300; round += 1) {
      const items: string[] = [];
      const expected: string[] = [];
      const count = 1 + next(6);
      for (let k = 0; k < count; k += 1) {
        if (next(2) === 0) {
          items.push(hiding[next(hiding.length)] ?? "''");
        } else {
          const name = `p${round}_${k}`;
          items.push((holding[next(holding.length)] ?? ':p').replace(':p', `:${name}`));
          expected.push(name);
        }
      }
      let sql = `SELECT ${items[0] ?? '1'}`;
      for (const item of items.slice(1)) sql += `${separators[next(separators.length)] ?? ', '}${item}`;
      await agreesWithDuckdb(sql, expected);
    }
  });
});
