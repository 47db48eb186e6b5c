import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregationContext } from './test-fixtures.ts';
import { CustomChecker, customContext, customRule } from './custom-test-fixtures.ts';

let checker: CustomChecker;
beforeAll(async () => {
  checker = await CustomChecker.create();
});
afterAll(() => checker.close());

const ATTRIBUTION = `
WITH touches AS (
  SELECT c.transaction_id AS tx, c.price, i.campaign_id, i.creative_id,
         ROW_NUMBER() OVER (PARTITION BY c.transaction_id ORDER BY i.date DESC) AS rn
  FROM conversions c
  JOIN impressions i ON i.email_address = c.email_address
   AND i.date <= c.date AND i.date >= c.date - 7
)
SELECT t.campaign_id, t.creative_id, COUNT(*) AS conversions, SUM(t.price) AS revenue
FROM touches t WHERE t.rn = 1
GROUP BY t.campaign_id, t.creative_id
ORDER BY revenue DESC`;

const LIFT = `
WITH exposed AS (SELECT DISTINCT i.email_address, TRUE AS seen FROM impressions i),
     converters AS (SELECT v.email_address, COUNT(*) AS orders FROM conversions v GROUP BY v.email_address)
SELECT CASE WHEN e.seen THEN 'exposed' ELSE 'unexposed' END AS grp,
       COUNT(DISTINCT cu.email_address) AS users,
       COUNT(DISTINCT cv.email_address) AS converters,
       COUNT(DISTINCT cv.email_address) * 1.0 / NULLIF(COUNT(DISTINCT cu.email_address), 0) AS rate
FROM customers cu
LEFT JOIN exposed e ON e.email_address = cu.email_address
LEFT JOIN converters cv ON cv.email_address = cu.email_address
GROUP BY 1`;

const TWO_PLATFORMS = `
WITH reach AS (
  SELECT 'A' AS platform, i.email_address FROM impressions i
  UNION ALL
  SELECT 'B', b.email_address FROM impressions_b b
)
SELECT r.platform, COUNT(DISTINCT r.email_address) AS reach FROM reach r GROUP BY r.platform`;

describe('validateCustom: rich analytics are accepted', () => {
  it('last-touch attribution with a window function in a CTE and date arithmetic', async () => {
    const v = await checker.accepted(ATTRIBUTION);
    expect(v.outputColumns).toEqual(['campaign_id', 'creative_id', 'conversions', 'revenue']);
    expect(v.aliases.map((a) => `${a.alias}:${a.table.sqlName}`)).toEqual(['c:conversions', 'i:impressions']);
    expect(v.outputConstraints).toEqual([]);
  });
  it('lift with CASE, LEFT JOINs and CTEs', async () => {
    await checker.accepted(LIFT);
  });
  it('a UNION ALL of two platforms', async () => {
    await checker.accepted(TWO_PLATFORMS);
  });
  it('correlated subqueries, FULL and CROSS joins, INTERSECT and EXCEPT', async () => {
    await checker.accepted(`SELECT c.state, (SELECT COUNT(*) FROM conversions v WHERE v.email_address = c.email_address) AS orders
      FROM customers c WHERE EXISTS (SELECT 1 FROM impressions i WHERE i.email_address = c.email_address)`);
    await checker.accepted(`WITH tot AS (SELECT COUNT(*) AS n FROM impressions i)
      SELECT a.campaign_id, COUNT(*) * 1.0 / MAX(t.n) AS share
      FROM impressions a FULL JOIN impressions_b b ON a.email_address = b.email_address CROSS JOIN tot t GROUP BY a.campaign_id`);
    await checker.accepted(`SELECT COUNT(*) AS both_platforms FROM (SELECT i.email_address FROM impressions i
      INTERSECT SELECT b.email_address FROM impressions_b b) x`);
    await checker.accepted(`SELECT COUNT(*) AS only_a FROM (SELECT i.email_address FROM impressions i
      EXCEPT SELECT b.email_address FROM impressions_b b) x`);
  });
  it('runs an approved template for any runner, ad-hoc SQL for providers only', async () => {
    const approved = customRule({ allowedAnalyses: ['tpl_1'], allowedAnalysisProviders: [] });
    const ctx = customContext({ impressions: approved }, 'platform');
    const v = await checker.accepted('SELECT i.campaign_id, COUNT(*) AS n FROM impressions i GROUP BY 1', ctx, { templateId: 'tpl_1' });
    expect(v.templateId).toBe('tpl_1');
  });
});

describe('validateCustom: tables and names', () => {
  it('refuses an unknown table', async () => {
    const e = await checker.refused('SELECT COUNT(*) FROM nosuch');
    expect(e).toMatchObject({ code: 'unknown-table', fragment: 'nosuch' });
  });
  it('refuses a CTE named like an association', async () => {
    const e = await checker.refused('WITH customers AS (SELECT i.campaign_id FROM impressions i) SELECT COUNT(*) FROM customers');
    expect(e).toMatchObject({ code: 'cte-shadows-table', table: 'customers', rule: 'custom' });
    expect(e.message).toBe('custom rule: the CTE name "customers" is the name of the associated table customers');
  });
  it('resolves CTE names by scope: a CTE of a subquery is unknown outside it', async () => {
    const u = await checker.refused(`SELECT s.n FROM (WITH x AS (SELECT COUNT(*) AS n FROM impressions i) SELECT x.n FROM x) s
      CROSS JOIN x`);
    expect(u).toMatchObject({ code: 'unknown-table', fragment: 'x' });
  });
  it('refuses __cr_ names anywhere', async () => {
    for (const sql of [
      'SELECT COUNT(*) AS __cr_n FROM impressions i',
      'WITH __cr_t AS (SELECT i.campaign_id FROM impressions i) SELECT COUNT(*) FROM __cr_t',
      'SELECT COUNT(*) FROM impressions __cr_i',
      'SELECT COUNT(i.__cr_row_id) FROM impressions i',
      'SELECT COUNT(*) FROM (SELECT i.campaign_id FROM impressions i) __CR_S',
    ]) {
      const e = await checker.refused(sql);
      expect(e.code, sql).toBe('reserved-name');
      expect(e.message).toContain('reserved prefix __cr_');
    }
  });
  it('refuses an unbound parameter', async () => {
    const e = await checker.refused('SELECT COUNT(*) FROM impressions i WHERE i.date >= $since');
    expect(e).toMatchObject({ code: 'unbound-parameter', rule: 'custom' });
    expect(e.message).toBe('custom rule: the parameter $since has no value');
  });
  it('refuses a table with another rule type, found anywhere in the statement', async () => {
    const ctx = aggregationContext();
    const mixed = { ...ctx, tables: ctx.tables.map((t) => (t.sqlName === 'customers' ? { ...t, rule: customRule() } : t)) };
    const e = await checker.refused('SELECT COUNT(*) FROM customers c WHERE c.email_address IN (SELECT i.email_address FROM impressions i)', mixed);
    expect(e).toMatchObject({ code: 'mixed-rule-types' });
  });
  it('refuses SELECT *', async () => {
    const e = await checker.refused('SELECT * FROM impressions i');
    expect(e.code).toBe('select-star-not-allowed');
  });
  it('refuses a FROM subquery that reads a sibling relation (implicit LATERAL)', async () => {
    const e = await checker.refused('SELECT COUNT(*) FROM impressions i, (SELECT b.campaign_id FROM impressions_b b WHERE b.email_address = i.email_address) s');
    expect(e).toMatchObject({ code: 'lateral-reference-not-allowed', fragment: 'i.email_address' });
  });
  it('refuses a sibling reference even when an outer query has the same name; allows correlation', async () => {
    const e = await checker.refused(`SELECT COUNT(*) FROM customers c WHERE EXISTS (
      SELECT 1 FROM conversions c, (SELECT c.price AS p) s)`);
    expect(e.code).toBe('lateral-reference-not-allowed');
    await checker.accepted(`SELECT COUNT(*) AS n FROM customers c WHERE EXISTS (
      SELECT 1 FROM (SELECT v.price FROM conversions v WHERE v.email_address = c.email_address) s)`);
  });
  it('refuses a name only an output alias explains in SELECT or WHERE', async () => {
    const e = await checker.refused('SELECT lower(i.placement) AS p, upper(p) AS q FROM impressions i');
    expect(e).toMatchObject({ code: 'alias-reference-not-allowed', fragment: 'p' });
  });
  it('resolves unknown and ambiguous columns against CTE and subquery outputs', async () => {
    expect((await checker.refused('WITH t AS (SELECT i.campaign_id FROM impressions i) SELECT COUNT(t.placement) FROM t')).code).toBe('unknown-column');
    expect((await checker.refused('SELECT COUNT(*) FROM impressions i JOIN impressions_b b ON campaign_id = b.campaign_id')).code).toBe('ambiguous-column');
    expect((await checker.refused('SELECT COUNT(*) FROM (SELECT i.campaign_id, b.campaign_id FROM impressions i, impressions_b b) s WHERE s.campaign_id = 1')).code)
      .toBe('ambiguous-column');
  });
  it('refuses comparisons and arithmetic that need an implicit cast', async () => {
    expect((await checker.refused("SELECT COUNT(*) FROM impressions i WHERE i.cost = '1'")).code).toBe('type-mismatch');
    expect((await checker.refused('SELECT COUNT(*) FROM conversions v JOIN impressions i ON v.price = i.cost')).code).toBe('type-mismatch');
    expect((await checker.refused('SELECT SUM(i.placement + 1) FROM impressions i')).code).toBe('type-mismatch');
    expect((await checker.refused('WITH t AS (SELECT i.placement AS p FROM impressions i) SELECT COUNT(*) FROM t WHERE t.p > 3')).code).toBe('type-mismatch');
    expect((await checker.refused("SELECT COUNT(*) FROM (SELECT i.cost FROM impressions i UNION ALL SELECT b.placement FROM impressions_b b) u")).code)
      .toBe('type-mismatch');
  });
});

describe('checkCustomAuthorization through validateQuery', () => {
  const templateOnly = customRule({ allowedAnalyses: ['tpl_1'], allowedAnalysisProviders: [] });
  const SQL = 'SELECT i.campaign_id, COUNT(*) AS n FROM impressions i JOIN customers c ON c.email_address = i.email_address GROUP BY 1';
  it('refuses ad-hoc SQL from a member who is not an allowed analysis provider', async () => {
    const e = await checker.refused(SQL, customContext({}, 'platform'));
    expect(e).toMatchObject({ code: 'analysis-not-allowed', table: 'impressions', rule: 'custom' });
    expect(e.message).toBe('custom rule: impressions does not allow ad-hoc queries by platform (its rule allows any query by brand)');
  });
  it('refuses a template that one table has not approved, naming that table', async () => {
    const ctx = customContext({ impressions: templateOnly, customers: customRule({ allowedAnalyses: ['tpl_2'], allowedAnalysisProviders: [] }) }, 'platform');
    const e = await checker.refused(SQL, ctx, { templateId: 'tpl_1' });
    expect(e).toMatchObject({ code: 'analysis-not-allowed', table: 'customers' });
    expect(e.message).toContain('does not allow the analysis template tpl_1 (its rule allows the templates tpl_2)');
  });
  it('refuses ad-hoc SQL on a table that only approves templates, even for its owner', async () => {
    const e = await checker.refused(SQL, customContext({ impressions: templateOnly }, 'brand'));
    expect(e).toMatchObject({ code: 'analysis-not-allowed', table: 'impressions' });
  });
  it('accepts when each table allows it: one by the template id, one by ANY_QUERY for this provider', async () => {
    await checker.accepted(SQL, customContext({ impressions: templateOnly }, 'brand'), { templateId: 'tpl_1' });
  });
  it('still refuses custom-rule tables when the caller gives no invocation', async () => {
    const { QueryChecker } = await import('./test-fixtures.ts');
    const plain = await QueryChecker.create();
    const r = await plain.check('SELECT COUNT(*) FROM impressions i', customContext());
    plain.close();
    expect(!r.ok && r.error.code).toBe('rule-not-supported');
  });
});

describe('validateCustom: differentially private tables never answer exactly', () => {
  it('hands a query on a table with differentialPrivacy to the DP planner', async () => {
    const ctx = customContext({ impressions: customRule({ differentialPrivacy: { columns: [{ name: 'email_address' }] } }) });
    const v = await checker.accepted('SELECT i.campaign_id, COUNT(*) AS n FROM impressions i GROUP BY i.campaign_id', ctx);
    expect(v.dp?.tables).toEqual(['impressions']);
  });
});

/*
 * One-bit oracles through implicit casts: DuckDB casts a value to the type another value
 * needs row by row, so a cast that fails on some values makes the query fail only when
 * such a row reaches it (test/attacks/engine-errors.test.ts). The validator refuses
 * every such pair; an explicit CAST is printed as TRY_CAST and cannot fail.
 */
const TYPED_COLUMNS = [
  ['k', 'VARCHAR'], ['txt', 'VARCHAR'], ['d', 'DATE'], ['ts', 'TIMESTAMP'], ['tsn', 'TIMESTAMP_NS'], ['tstz', 'TIMESTAMP WITH TIME ZONE'],
  ['i', 'INTEGER'], ['big', 'BIGINT'], ['huge', 'HUGEINT'], ['uhuge', 'UHUGEINT'], ['u', 'UINTEGER'], ['dec10', 'DECIMAL(10,2)'],
  ['dec30', 'DECIMAL(38,30)'], ['flt', 'FLOAT'], ['dbl', 'DOUBLE'], ['b', 'BOOLEAN'], ['id', 'UUID'], ['js', 'JSON'],
].map(([name = '', type = '']) => ({ name, type }));

async function typedContext(): Promise<ReturnType<typeof customContext>> {
  const { table } = await import('./test-fixtures.ts');
  const base = customContext();
  return { ...base, tables: [...base.tables, table('typed', 'platform', TYPED_COLUMNS, customRule({ disallowedOutputColumns: [] }))] };
}

describe('validateCustom: conditions must be BOOLEAN (DuckDB would cast each value to BOOLEAN)', () => {
  const MESSAGE = 'the engine would convert each value to BOOLEAN and fail on values that are not true or false';
  it('refuses text, numbers and dates in WHERE, ON, HAVING, CASE WHEN and as operands of NOT, AND, OR', async () => {
    const cases: [string, string, string][] = [
      ['SELECT COUNT(*) AS n FROM impressions i WHERE i.device_type', 'i.device_type', 'WHERE needs a boolean condition, but this expression is text'],
      ["SELECT COUNT(*) AS n FROM impressions i WHERE i.email_address = 'zed@victim.example' AND NOT i.device_type", 'i.device_type', 'NOT needs a boolean condition, but this expression is text'],
      ["SELECT COUNT(*) AS n FROM impressions i WHERE i.cost > 1 OR i.placement", 'i.placement', 'OR operand needs a boolean condition, but this expression is text'],
      ["SELECT COUNT(*) AS n FROM impressions i WHERE i.placement AND i.cost > 1", 'i.placement', 'AND operand needs a boolean condition, but this expression is text'],
      ['SELECT SUM(CASE WHEN i.placement THEN 1 ELSE 0 END) AS n FROM impressions i', 'i.placement', 'CASE WHEN needs a boolean condition, but this expression is text'],
      ['SELECT COUNT(*) AS n FROM impressions i JOIN conversions v ON v.version', 'v.version', 'ON needs a boolean condition, but this expression is a number (INTEGER)'],
      ['SELECT i.campaign_id, COUNT(*) AS n FROM impressions i GROUP BY i.campaign_id HAVING MAX(i.placement)', 'MAX(i.placement)', 'HAVING needs a boolean condition, but this expression is text'],
      ['SELECT COUNT(*) AS n FROM impressions i WHERE i.date', 'i.date', 'WHERE needs a boolean condition, but this expression is a date (DATE)'],
      ['SELECT COUNT(*) AS n FROM impressions i WHERE (SELECT MAX(v.currency) FROM conversions v)', '(SELECT ...)', 'WHERE needs a boolean condition, but this expression is text'],
    ];
    for (const [sql, fragment, message] of cases) {
      const e = await checker.refused(sql);
      expect({ code: e.code, fragment: e.fragment, rule: e.rule }, sql).toEqual({ code: 'condition-not-boolean', fragment, rule: 'custom' });
      expect(e.message, sql).toBe(`custom rule: ${message}; ${MESSAGE}`);
      expect(e.hint).toContain('CAST(x AS BOOLEAN)');
    }
  });
  it('refuses a value of a type the clean room does not know (JSON is text, UUID unknown)', async () => {
    const ctx = await typedContext();
    const e = await checker.refused('SELECT COUNT(*) AS n FROM typed t WHERE t.id', ctx);
    expect(e).toMatchObject({ code: 'condition-not-boolean', fragment: 't.id' });
    expect(e.message).toContain('this expression is a value of type UUID');
    expect((await checker.refused('SELECT COUNT(*) AS n FROM typed t WHERE NOT t.js', ctx)).code).toBe('condition-not-boolean');
  });
  it('accepts boolean columns, comparisons, IS NULL, IN, BETWEEN, LIKE, EXISTS, literals, casts and CASE yielding BOOLEAN', async () => {
    const ctx = await typedContext();
    await checker.accepted(`SELECT COUNT(*) AS n FROM typed t WHERE t.b AND NOT t.b OR (t.i > 1) = TRUE OR t.k IS NOT NULL
      OR t.k IN ('a', 'b') OR t.d BETWEEN DATE '2024-01-01' AND DATE '2024-12-31' OR t.k LIKE 'a%' OR NULL
      OR EXISTS (SELECT 1 FROM impressions i WHERE i.device_type = t.k) OR CAST(t.txt AS BOOLEAN)
      OR CASE WHEN t.i > 1 THEN t.k = 'x' ELSE FALSE END OR COALESCE(t.b, FALSE)`, ctx);
    await checker.accepted(`WITH x AS (SELECT t.k, t.i > 1 AS big FROM typed t)
      SELECT SUM(CASE WHEN x.big THEN 1 ELSE 0 END) AS n FROM x JOIN typed t ON x.k = t.k AND x.big
      GROUP BY x.k HAVING NOT MAX(x.big) OR COUNT(*) > 2`, ctx);
  });
});

describe('validateCustom: LAG/LEAD arguments and window frames need no implicit cast', () => {
  const W = (call: string): string => `SELECT COUNT(s.w) AS n FROM (SELECT ${call} AS w FROM conversions v JOIN impressions i ON i.email_address = v.email_address) s`;
  it('refuses an offset that is not an integer literal', async () => {
    for (const [call, fragment] of [
      ['LAG(i.cost, i.device_type) OVER (ORDER BY i.date)', 'i.device_type'],
      ['LEAD(i.cost, v.version) OVER (ORDER BY i.date)', 'v.version'],
      ['LAG(i.cost, 1.5) OVER (ORDER BY i.date)', '1.5'],
      // Cast to BIGINT only when rows reach it.
      ['LAG(i.cost, 99999999999999999999) OVER (ORDER BY i.date)', '99999999999999999999'],
    ]) {
      const e = await checker.refused(W(call ?? ''));
      expect({ code: e.code, fragment: e.fragment }, call).toEqual({ code: 'window-argument-type', fragment });
      expect(e.message).toMatch(/^custom rule: the offset of (LAG|LEAD) must be an integer literal; the engine would convert this value to BIGINT row by row/);
    }
  });
  it('refuses a default the engine would cast to the value\'s type with a possible failure', async () => {
    const cases: [string, string, string][] = [
      ['LEAD(i.cost, 1, i.email_address) OVER (ORDER BY i.date)', 'i.email_address', 'the default of LEAD: the engine would convert VARCHAR to DOUBLE (the value\'s type), which can fail on some values'],
      ['LAG(v.version, 1, i.cost) OVER (ORDER BY i.date)', 'i.cost', 'the default of LAG: the engine would convert DOUBLE to INTEGER (the value\'s type), which can fail on some values'],
      ['LAG(v.version, 1, 7777777777777) OVER (ORDER BY i.date)', '7777777777777', 'the default of LAG: the engine would convert this integer literal to INTEGER (the value\'s type), which can fail on some values'],
      ['LAG(v.price, 1, 123456789) OVER (ORDER BY i.date)', '123456789', 'this integer literal to DECIMAL(10,2)'],
      ['LAG(CAST(v.date AS TIMESTAMP), 1, v.date) OVER (ORDER BY i.date)', 'v.date', 'the engine would convert DATE to TIMESTAMP'],
    ];
    for (const [call, fragment, message] of cases) {
      const e = await checker.refused(W(`CASE WHEN ${call} IS NULL THEN 1 ELSE 0 END`));
      expect({ code: e.code, fragment: e.fragment }, call).toEqual({ code: 'window-argument-type', fragment });
      expect(e.message, call).toContain(message);
      expect(e.hint).toContain('COALESCE(LAG(x), default)');
    }
  });
  it('accepts integer offsets and defaults that fit the value\'s type', async () => {
    for (const call of [
      'LAG(v.version, 2, 0)', 'LEAD(v.price, 1, 0)', 'LAG(i.cost, 1, v.version)', 'LEAD(v.price, -1, v.price)', 'LAG(v.version, CAST(3 AS INTEGER), NULL)',
      'LAG(v.price, 1, 12345678)', 'LAG(v.price, 1, 0.5)',
    ]) {
      await checker.accepted(W(`CASE WHEN ${call} OVER (ORDER BY i.date) IS NULL THEN 1 ELSE 0 END`));
    }
    await checker.accepted(W("CASE WHEN LAG(i.placement, 1, 'none') OVER (ORDER BY i.date) = 'x' THEN 1 ELSE 0 END"));
  });
  it('refuses a ROWS offset that is not an integer literal and any RANGE offset', async () => {
    const rows = await checker.refused(W('SUM(i.cost) OVER (ORDER BY i.date ROWS BETWEEN v.version PRECEDING AND CURRENT ROW)'));
    expect(rows).toMatchObject({ code: 'window-frame-offset', fragment: 'v.version' });
    expect(rows.message).toContain('a ROWS frame offset must be an integer literal');
    const range = await checker.refused(W('SUM(i.cost) OVER (ORDER BY i.date RANGE BETWEEN INTERVAL 7 DAY PRECEDING AND CURRENT ROW)'));
    expect(range.code).toBe('window-frame-offset');
    expect(range.message).toContain('RANGE frames with an offset are not allowed');
    await checker.accepted(W('SUM(i.cost) OVER (ORDER BY i.date ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)'));
    await checker.accepted(W('SUM(i.cost) OVER (ORDER BY i.date RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)'));
  });
});

describe('validateCustom: no implicit cast that can fail on a value where two values meet', () => {
  const DT = 'mixes DATE and TIMESTAMP; the engine would convert one side implicitly, which fails on values outside the other type\'s range';
  it('refuses DATE vs TIMESTAMP in comparisons, joins, IN, BETWEEN, CASE, COALESCE, NULLIF, set operations and IN subqueries', async () => {
    const ctx = await typedContext();
    const cases: [string, string, string][] = [
      ['SELECT COUNT(*) AS n FROM typed t WHERE t.d < t.ts', 't.d < t.ts', `this comparison ${DT}`],
      ['SELECT COUNT(*) AS n FROM typed t JOIN typed u ON t.d = u.ts', 't.d = u.ts', `this comparison ${DT}`],
      ['SELECT COUNT(*) AS n FROM typed t WHERE t.d IN (t.ts)', 't.d IN (t.ts)', `this IN list ${DT}`],
      ['SELECT COUNT(*) AS n FROM typed t WHERE t.d BETWEEN t.ts AND t.ts', 't.d BETWEEN t.ts AND t.ts', `this BETWEEN ${DT}`],
      ['SELECT MAX(CASE WHEN t.b THEN t.d ELSE t.ts END) AS m FROM typed t', 'CASE ...', `this CASE ${DT}`],
      ['SELECT MAX(COALESCE(t.d, t.ts)) AS m FROM typed t', 'COALESCE(t.d, t.ts)', `this COALESCE ${DT}`],
      ['SELECT MAX(NULLIF(t.ts, t.d)) AS m FROM typed t', 'NULLIF(t.ts, t.d)', 'this NULLIF mixes TIMESTAMP and DATE; the engine would convert one side implicitly, which fails on values outside the other type\'s range'],
      ['SELECT COUNT(*) AS n FROM (SELECT t.d FROM typed t UNION ALL SELECT t.ts FROM typed t) s', 't.d', `this UNION ALL ${DT}`],
      ['SELECT COUNT(*) AS n FROM typed t WHERE t.d IN (SELECT u.ts FROM typed u)', 't.d IN (SELECT ...)', `this IN subquery ${DT}`],
      // DATE - INTERVAL is a TIMESTAMP in DuckDB; DATE - integer stays a DATE.
      ['SELECT COUNT(*) AS n FROM typed t WHERE t.d >= t.d - INTERVAL 7 DAY', "t.d >= t.d - INTERVAL '7' DAY", `this comparison ${DT}`],
      ['SELECT COUNT(*) AS n FROM typed t WHERE t.ts > t.d + 1', 't.ts > t.d + 1', 'this comparison mixes TIMESTAMP and DATE; the engine would convert one side implicitly, which fails on values outside the other type\'s range'],
      ['SELECT COUNT(*) AS n FROM typed t WHERE t.d >= DATEADD(day, -30, CURRENT_DATE)', "t.d >= DATEADD('day', -30, CURRENT_DATE())", `this comparison ${DT}`],
      ['SELECT COUNT(*) AS n FROM typed t WHERE t.ts = t.tsn', 't.ts = t.tsn', 'this comparison mixes TIMESTAMP and TIMESTAMP_NS; the engine would convert one side implicitly, which fails on values outside the other type\'s range'],
      ['SELECT COUNT(*) AS n FROM typed t WHERE t.d = t.tstz', 't.d = t.tstz', 'this comparison mixes DATE and TIMESTAMPTZ; the engine would convert one side implicitly, which fails on values outside the other type\'s range'],
    ];
    for (const [sql, fragment, message] of cases) {
      const e = await checker.refused(sql, ctx);
      expect({ code: e.code, fragment: e.fragment }, sql).toEqual({ code: 'type-mismatch', fragment });
      expect(e.message, sql).toBe(`custom rule: ${message}`);
      expect(e.hint, sql).toContain('CAST(x AS type) is printed as TRY_CAST and cannot fail');
    }
  });
  it('accepts the explicit casts and DATE arithmetic that stays a DATE', async () => {
    const ctx = await typedContext();
    for (const where of [
      'CAST(t.d AS TIMESTAMP) < t.ts', 't.d < CAST(t.ts AS DATE)', 't.d >= t.d - 7', 'CAST(t.d AS TIMESTAMP) >= t.d - INTERVAL 7 DAY',
      't.d >= CAST(DATEADD(day, -30, CURRENT_DATE) AS DATE)', 't.ts >= t.ts - INTERVAL 1 DAY * 3', 'CAST(t.tsn AS TIMESTAMP) = t.ts',
      't.d - t.d > 3', 't.ts - t.ts > INTERVAL 1 DAY',
    ]) {
      await checker.accepted(`SELECT COUNT(*) AS n FROM typed t WHERE ${where}`, ctx);
    }
  });
  it('refuses numbers whose common DECIMAL type cannot hold both, literals that do not fit, UHUGEINT with signed integers', async () => {
    const ctx = await typedContext();
    const cases: [string, string][] = [
      ['t.dec30 = ABS(t.big)', 'this comparison mixes DECIMAL(38,30) and BIGINT; the engine would convert both to one type that cannot hold every value of both, and fail on large values'],
      ['t.dec30 = t.i + 0', 'mixes DECIMAL(38,30) and INTEGER'],
      ['t.dec30 = 123456789', 'mixes DECIMAL(38,30) and an integer literal of 9 digits'],
      ['t.dec30 IN (1, 123456789)', 'this IN list mixes DECIMAL(38,30) and an integer literal of 9 digits'],
      ['COALESCE(t.dec30, t.huge) > 0', 'this COALESCE mixes DECIMAL(38,30) and HUGEINT'],
      ['CASE WHEN t.b THEN t.dec10 ELSE t.huge END > 0', 'this CASE mixes DECIMAL(10,2) and HUGEINT'],
      ['t.uhuge = t.big + 0', 'mixes UHUGEINT and BIGINT'],
      // The operand and all items (or both bounds) become one type: every pair counts.
      ['ABS(t.i) IN (ABS(t.huge), ABS(t.dec10))', 'this IN list mixes HUGEINT and DECIMAL(10,2)'],
      ['ABS(t.i) BETWEEN ABS(t.huge) AND ABS(t.dec10)', 'this BETWEEN mixes HUGEINT and DECIMAL(10,2)'],
    ];
    for (const [where, message] of cases) {
      const e = await checker.refused(`SELECT COUNT(*) AS n FROM typed t WHERE ${where}`, ctx);
      expect(e.code, where).toBe('type-mismatch');
      expect(e.message, where).toContain(message);
      expect(e.hint).toContain('CAST(x AS DOUBLE)');
    }
    const union = await checker.refused('SELECT COUNT(*) AS n FROM (SELECT t.big AS x FROM typed t UNION ALL SELECT t.dec30 FROM typed t) s', ctx);
    expect(union.message).toContain('this UNION ALL mixes BIGINT and DECIMAL(38,30)');
  });
  it('accepts numbers that widen safely', async () => {
    const ctx = await typedContext();
    for (const where of [
      't.dec30 = 12345678', 't.dec30 = 1.5', 't.dec30 = 123456789012345678901', 't.dec10 = t.i + 0', 't.dec10 = ABS(t.big)', 't.big = t.huge + 0',
      't.flt = t.dbl + 0', 't.dec30 = CAST(t.big AS DOUBLE)', 't.dec30 > (SELECT SUM(u.big) FROM typed u)', 'COALESCE(t.dec10, 0) > 0', 't.u = t.big + 0',
    ]) {
      await checker.accepted(`SELECT COUNT(*) AS n FROM typed t WHERE ${where}`, ctx);
    }
  });
  it('refuses text against a type the clean room does not know (UUID), and JSON against numbers', async () => {
    const ctx = await typedContext();
    const e = await checker.refused('SELECT COUNT(*) AS n FROM typed t WHERE t.id = t.txt', ctx);
    expect(e).toMatchObject({ code: 'type-mismatch', fragment: 't.id = t.txt' });
    expect(e.message).toBe('custom rule: this comparison mixes text and UUID; the engine would convert the text implicitly, which fails on values that do not parse');
    expect((await checker.refused("SELECT COUNT(*) AS n FROM typed t WHERE t.id = 'x'", ctx)).code).toBe('type-mismatch');
    expect((await checker.refused('SELECT COUNT(*) AS n FROM typed t WHERE t.js = 5', ctx)).message).toContain('mixes text and numeric');
    await checker.accepted('SELECT COUNT(*) AS n FROM typed t JOIN typed u ON t.id = u.id WHERE CAST(t.id AS VARCHAR) = t.txt', ctx);
  });
});

describe('validateCustom: INTERVAL scaling cannot overflow unguarded', () => {
  it('refuses INTERVAL / a non-literal and INTERVAL * an aggregate; accepts INTERVAL * a column or parameter and / an integer', async () => {
    const ctx = await typedContext();
    const div = await checker.refused('SELECT COUNT(*) AS n FROM typed t WHERE t.ts - t.ts > INTERVAL 1 DAY / t.dbl', ctx);
    expect(div).toMatchObject({ code: 'unguarded-date-arithmetic', fragment: 't.dbl' });
    expect(div.message).toBe("custom rule: an INTERVAL can be divided only by an integer literal: the engine's INTERVAL division overflows for small divisors");
    const mul = await checker.refused('SELECT MAX(t.ts) - INTERVAL 1 DAY * SUM(t.dbl) AS x FROM typed t', ctx);
    expect(mul.code).toBe('unguarded-date-arithmetic');
    await checker.accepted('SELECT COUNT(*) AS n FROM typed t WHERE t.ts - t.ts > INTERVAL 1 DAY * t.i AND t.ts - t.ts < (t.ts - t.ts) / 2', ctx);
  });
});
