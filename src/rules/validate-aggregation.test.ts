import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../sql/diagnostic.ts';
import type { QueryContext } from './rule-types.ts';
import type { ValidatedQuery } from './validated-query.ts';
import { aggregationContext, conversionsAgg, customersAgg, impressionsAgg, QueryChecker } from './test-fixtures.ts';

let checker: QueryChecker;
beforeAll(async () => {
  checker = await QueryChecker.create();
});
afterAll(() => checker.close());

const JOIN = 'FROM impressions i INNER JOIN conversions c ON i.email_address = c.email_address';

async function accepted(sql: string, ctx: QueryContext = aggregationContext()): Promise<ValidatedQuery> {
  const r = await checker.check(sql, ctx);
  if (!r.ok) throw new Error(`refused: ${r.error.code} ${r.error.message}`);
  return r.value;
}

async function refused(sql: string, ctx: QueryContext = aggregationContext()): Promise<Diagnostic> {
  const r = await checker.check(sql, ctx);
  if (r.ok) throw new Error(`accepted: ${sql}`);
  return r.error;
}

async function expectRefusal(sql: string, code: string, table: string | undefined, text: string, ctx?: QueryContext): Promise<Diagnostic> {
  const e = await refused(sql, ctx);
  expect({ code: e.code, table: e.table, rule: e.rule }).toEqual({ code, table, rule: 'aggregation' });
  expect(e.message).toContain(text);
  expect(e.hint).toBeTruthy();
  return e;
}

describe('aggregation: the four cloud-guidance overlap queries are accepted', () => {
  it('overlap count', async () => {
    const v = await accepted(`SELECT COUNT(DISTINCT i.email_address) ${JOIN}`);
    expect(v.kind).toBe('aggregation');
    expect(v.aliases.map((a) => [a.alias, a.table.sqlName])).toEqual([['i', 'impressions'], ['c', 'conversions']]);
  });
  it('overlap by creative', async () => {
    await accepted(`SELECT i.creative_id, COUNT(DISTINCT i.email_address) AS users ${JOIN} GROUP BY i.creative_id`);
  });
  it('revenue by creative, ordered by price', async () => {
    await accepted(`SELECT c.creative_id, SUM(c.price) AS revenue, AVG(c.price) AS avg_price ${JOIN} GROUP BY c.creative_id ORDER BY revenue DESC, AVG(c.price)`);
  });
  it('three-table join to customers by birth country', async () => {
    await accepted(`SELECT cu.birth_country, COUNT(DISTINCT i.email_address) AS reach ${JOIN} INNER JOIN customers cu ON c.email_address = cu.email_address GROUP BY cu.birth_country`);
  });
});

describe('aggregation: other accepted forms', () => {
  it('average frequency: aggregates combined with / and literals', async () => {
    await accepted(`SELECT COUNT(i.campaign_id) / COUNT(DISTINCT i.email_address) * 1.0 AS freq ${JOIN}`);
  });
  it('allowed scalar functions of dimensions, grouped by output name and ordinal', async () => {
    await accepted(`SELECT LOWER(i.placement) AS p, EXTRACT(year FROM i.date) AS y, COUNT(DISTINCT i.email_address) ${JOIN} GROUP BY p, 2`);
  });
  it('WHERE with every allowed comparison form', async () => {
    await accepted(`SELECT COUNT(DISTINCT i.email_address) ${JOIN}
      WHERE i.device_type IN ('ios', 'android') AND NOT c.currency = 'EUR' AND (c.event_type LIKE 'buy%' OR c.event_type IS NULL)
        AND i.date BETWEEN DATE '2024-01-01' AND DATE '2024-03-31' AND c.version <> 2 AND i.placement NOT IN ('x')`);
  });
  it('HAVING on an aggregate and on an aggregate output name', async () => {
    await accepted(`SELECT i.creative_id, COUNT(DISTINCT i.email_address) AS users ${JOIN} GROUP BY i.creative_id HAVING users > 200 AND SUM(c.price) >= 10`);
  });
  it('output names of aggregates inside arithmetic in HAVING and ORDER BY', async () => {
    await accepted(`SELECT i.creative_id, COUNT(DISTINCT i.email_address) AS users ${JOIN} GROUP BY i.creative_id HAVING users * 2 > 10 ORDER BY users / 2`);
  });
  it('COUNT(*) on a single table whose rule grants COUNT', async () => {
    await accepted('SELECT c.currency, COUNT(*) FROM conversions c GROUP BY c.currency');
  });
  it('OR between join equalities where both tables allow OR', async () => {
    await accepted(`SELECT COUNT(DISTINCT c.email_address) FROM conversions c INNER JOIN conversions d ON c.email_address = d.email_address OR c.email_address = d.email_address`);
  });
});

describe('aggregation: SELECT', () => {
  it('needs at least one aggregate', async () => {
    await expectRefusal(`SELECT i.creative_id ${JOIN} GROUP BY i.creative_id`, 'aggregate-required', undefined, 'at least one aggregate');
  });
  it('COUNT(DISTINCT c) needs COUNT_DISTINCT on c', async () => {
    await expectRefusal(`SELECT COUNT(DISTINCT i.campaign_id) ${JOIN}`, 'aggregate-not-allowed', 'impressions', 'COUNT_DISTINCT on campaign_id');
  });
  it('SUM(DISTINCT c) needs SUM_DISTINCT', async () => {
    await expectRefusal(`SELECT SUM(DISTINCT c.price) ${JOIN}`, 'aggregate-not-allowed', 'conversions', 'SUM_DISTINCT on price');
  });
  it('AVG needs AVG on the column', async () => {
    await expectRefusal(`SELECT AVG(i.cost) ${JOIN}`, 'aggregate-not-allowed', 'impressions', 'AVG on cost');
  });
  it('aggregate arguments are plain columns', async () => {
    await expectRefusal(`SELECT SUM(c.price * 2) ${JOIN}`, 'aggregate-argument-not-allowed', undefined, 'plain column');
  });
  it('MAX is not an aggregation-rule function', async () => {
    await expectRefusal(`SELECT MAX(c.price) ${JOIN}`, 'aggregate-function-not-allowed', undefined, 'MAX');
  });
  it('COUNT(*) over a join is refused', async () => {
    await expectRefusal(`SELECT COUNT(*) ${JOIN}`, 'count-star-not-allowed', undefined, 'over a join');
  });
  it('COUNT(*) needs a COUNT grant', async () => {
    const ctx = aggregationContext({
      conversions: { ...conversionsAgg, kind: 'aggregation', aggregateColumns: [{ columnNames: ['price'], function: 'SUM' }] } as typeof conversionsAgg,
    });
    await expectRefusal('SELECT COUNT(*) FROM conversions', 'count-star-not-allowed', 'conversions', 'needs COUNT', ctx);
  });
  it('aggregates combine only with + - * / and numeric literals', async () => {
    await expectRefusal(`SELECT ROUND(AVG(c.price), 2) ${JOIN}`, 'aggregate-expression-not-allowed', undefined, 'cannot be combined');
  });
  it('non-aggregated outputs are dimension columns', async () => {
    await expectRefusal(`SELECT c.price, COUNT(c.email_address) ${JOIN} GROUP BY c.price`, 'column-not-dimension', 'conversions', 'only inside SUM, AVG');
  });
  it('scalar functions must be allowed by every referenced table', async () => {
    // conversions allows UPPER, impressions does not: the intersection wins.
    await expectRefusal(`SELECT UPPER(c.currency) AS cur, COUNT(c.email_address) ${JOIN} GROUP BY cur`, 'scalar-function-not-allowed', 'impressions', 'UPPER');
  });
  it('a function outside the RULES.md list is never allowed', async () => {
    await expectRefusal(`SELECT LENGTH(c.currency) AS n, COUNT(c.email_address) ${JOIN} GROUP BY n`, 'scalar-function-not-allowed', 'impressions', 'LENGTH');
  });
  it('arithmetic on dimension columns is refused', async () => {
    await expectRefusal(`SELECT c.version + 1 AS v, COUNT(c.email_address) ${JOIN} GROUP BY v`, 'expression-not-allowed', 'conversions', 'not a dimension expression');
  });
  it('each non-aggregated output appears in GROUP BY', async () => {
    await expectRefusal(`SELECT i.placement, COUNT(DISTINCT i.email_address) ${JOIN}`, 'not-in-group-by', 'impressions', 'must appear in GROUP BY');
  });
  it('SELECT DISTINCT is refused', async () => {
    await expectRefusal(`SELECT DISTINCT COUNT(i.email_address) ${JOIN}`, 'distinct-not-allowed', undefined, 'DISTINCT');
  });
});

describe('aggregation: join columns', () => {
  it('not in SELECT', async () => {
    await expectRefusal(`SELECT i.email_address, COUNT(c.email_address) ${JOIN} GROUP BY i.email_address`, 'join-column-in-output', 'impressions', 'join column i.email_address');
  });
  it('not even inside a scalar function', async () => {
    await expectRefusal(`SELECT LOWER(c.email_address) AS e, COUNT(c.email_address) ${JOIN} GROUP BY e`, 'join-column-in-output', 'conversions', 'SELECT');
  });
  it('not in WHERE', async () => {
    await expectRefusal(`SELECT COUNT(i.email_address) ${JOIN} WHERE c.email_address LIKE '%@example.com'`, 'join-column-in-filter', 'conversions', 'WHERE');
  });
  it('not in GROUP BY', async () => {
    await expectRefusal(`SELECT COUNT(i.campaign_id) ${JOIN} GROUP BY i.email_address`, 'join-column-in-group-by', 'impressions', 'GROUP BY');
  });
  it('not in HAVING outside a COUNT', async () => {
    await expectRefusal(`SELECT COUNT(i.campaign_id) ${JOIN} HAVING i.email_address = 'a'`, 'join-column-in-having', 'impressions', 'HAVING');
  });
  it('not in ORDER BY', async () => {
    await expectRefusal(`SELECT COUNT(i.campaign_id) ${JOIN} ORDER BY c.email_address`, 'join-column-in-order-by', 'conversions', 'ORDER BY');
  });
  it('inside an aggregate only with a granted COUNT', async () => {
    const ctx = aggregationContext({ customers: { ...customersAgg, aggregateColumns: [{ columnNames: ['status'], function: 'COUNT' }] } as typeof customersAgg });
    const e = await expectRefusal('SELECT COUNT(DISTINCT cu.email_address) FROM customers cu', 'aggregate-not-allowed', 'customers', 'COUNT_DISTINCT on email_address', ctx);
    expect(e.hint).toContain('join column');
  });
});

describe('aggregation: joins', () => {
  it('comma joins are refused', async () => {
    await expectRefusal('SELECT COUNT(i.email_address) FROM impressions i, conversions c WHERE i.email_address = c.email_address', 'join-not-allowed', 'conversions', 'comma-separated');
  });
  it('CROSS JOIN is refused', async () => {
    await expectRefusal('SELECT COUNT(i.email_address) FROM impressions i CROSS JOIN conversions c', 'join-not-allowed', 'conversions', 'CROSS JOIN');
  });
  it('outer joins are refused', async () => {
    await expectRefusal('SELECT COUNT(i.email_address) FROM impressions i LEFT JOIN conversions c ON i.email_address = c.email_address', 'join-not-allowed', 'conversions', 'LEFT JOIN');
  });
  it('ON compares join columns only', async () => {
    await expectRefusal('SELECT COUNT(i.email_address) FROM impressions i INNER JOIN conversions c ON i.creative_id = c.creative_id', 'join-condition-not-allowed', 'impressions', 'not a join column');
  });
  it('ON takes no literals', async () => {
    await expectRefusal(`SELECT COUNT(i.email_address) ${JOIN} AND c.currency = 'USD'`, 'join-condition-not-allowed', 'conversions', 'only be equalities');
  });
  it('join operators are the intersection of both tables', async () => {
    await expectRefusal('SELECT COUNT(i.email_address) FROM impressions i INNER JOIN conversions c ON i.email_address = c.email_address OR i.email_address = c.email_address',
      'join-operator-not-allowed', 'impressions', 'OR is not an allowed join operator');
  });
  it('joinRequired: QUERY_RUNNER names the table', async () => {
    await expectRefusal('SELECT COUNT(i.email_address) FROM impressions i', 'join-required', 'impressions', 'impressions must be inner-joined');
  });
  it('joinRequired is met transitively', async () => {
    const ctx = aggregationContext({}, 'brand');
    await accepted(`SELECT COUNT(DISTINCT i.email_address) FROM conversions c INNER JOIN customers cu ON c.email_address = cu.email_address INNER JOIN impressions i ON cu.email_address = i.email_address`, ctx);
  });
  it('joinRequired is not met by joining only other members’ tables', async () => {
    await expectRefusal(`SELECT COUNT(DISTINCT i.email_address) ${JOIN}`, 'join-required', 'impressions', 'must be inner-joined', aggregationContext({}, 'agency'));
  });
  it('join sides need the same type', async () => {
    const ctx = aggregationContext({ conversions: { ...conversionsAgg, joinColumns: ['email_address', 'version'] } as typeof conversionsAgg });
    await expectRefusal('SELECT COUNT(i.email_address) FROM impressions i INNER JOIN conversions c ON i.email_address = c.version', 'type-mismatch', 'impressions', 'text', ctx);
  });
});

describe('aggregation: WHERE', () => {
  it('only dimension columns', async () => {
    await expectRefusal(`SELECT COUNT(i.email_address) ${JOIN} WHERE c.price > 10`, 'column-not-dimension', 'conversions', 'not a dimension column');
  });
  it('each comparison reads one table', async () => {
    await expectRefusal(`SELECT COUNT(i.email_address) ${JOIN} WHERE i.date < c.date`, 'cross-table-comparison', 'impressions', 'one table');
  });
  it('no aggregates', async () => {
    await expectRefusal(`SELECT COUNT(i.email_address) ${JOIN} WHERE COUNT(i.campaign_id) > 3`, 'aggregate-in-where', undefined, 'WHERE');
  });
  it('comparisons only (no ILIKE, no bare values)', async () => {
    await expectRefusal(`SELECT COUNT(i.email_address) ${JOIN} WHERE i.placement ILIKE 'x%'`, 'filter-not-allowed', 'impressions', 'only comparisons');
  });
  it('comparisons need identical type categories', async () => {
    await expectRefusal(`SELECT COUNT(i.email_address) ${JOIN} WHERE c.version = '2'`, 'type-mismatch', 'conversions', 'numeric with text');
  });
  it('scalar functions in WHERE must be allowed', async () => {
    await expectRefusal(`SELECT COUNT(i.email_address) ${JOIN} WHERE UPPER(i.placement) = 'X'`, 'scalar-function-not-allowed', 'impressions', 'UPPER');
  });
});

describe('aggregation: GROUP BY, HAVING, ORDER BY', () => {
  it('GROUP BY uses dimension expressions only', async () => {
    await expectRefusal(`SELECT COUNT(i.email_address) ${JOIN} GROUP BY i.cost`, 'column-not-dimension', 'impressions', 'not a dimension column');
  });
  it('GROUP BY an aggregate output is refused', async () => {
    await expectRefusal(`SELECT COUNT(i.email_address) AS n ${JOIN} GROUP BY n`, 'aggregate-in-group-by', undefined, 'aggregate');
  });
  it('an ordinal out of range is refused', async () => {
    await expectRefusal(`SELECT COUNT(i.email_address) ${JOIN} GROUP BY 3`, 'invalid-ordinal', undefined, 'GROUP BY 3');
  });
  it('HAVING compares aggregates with literals only', async () => {
    await expectRefusal(`SELECT i.placement, COUNT(i.email_address) ${JOIN} GROUP BY i.placement HAVING i.placement = 'x'`, 'having-not-allowed', 'impressions', 'HAVING');
  });
  it('HAVING compares with numbers', async () => {
    await expectRefusal(`SELECT COUNT(i.email_address) ${JOIN} HAVING COUNT(i.email_address) > '5'`, 'type-mismatch', 'impressions', 'numeric with text');
  });
  it('HAVING compares an aggregate output name with numbers', async () => {
    await expectRefusal(`SELECT COUNT(i.email_address) AS n ${JOIN} HAVING n > 'x'`, 'type-mismatch', 'impressions', 'numeric with text');
  });
  it('ORDER BY a dimension that is not grouped', async () => {
    await expectRefusal(`SELECT i.placement, COUNT(i.email_address) ${JOIN} GROUP BY i.placement ORDER BY i.device_type`, 'not-in-group-by', 'impressions', 'not grouped');
  });
  it('ORDER BY an aggregate that is not allowed', async () => {
    await expectRefusal(`SELECT COUNT(i.email_address) ${JOIN} ORDER BY SUM(c.transaction_id)`, 'aggregate-not-allowed', 'conversions', 'SUM on transaction_id');
  });
});

describe('aggregation: refused statement shapes', () => {
  const cases: [string, string, string][] = [
    [`SELECT COUNT(i.email_address) ${JOIN} LIMIT 10`, 'limit-not-allowed', 'LIMIT'],
    [`SELECT COUNT(i.email_address) ${JOIN} OFFSET 10`, 'offset-not-allowed', 'OFFSET'],
    [`WITH x AS (SELECT * FROM impressions) SELECT COUNT(email_address) FROM x`, 'cte-not-allowed', 'WITH'],
    [`SELECT COUNT(c.email_address) FROM conversions c UNION SELECT COUNT(cu.email_address) FROM customers cu`, 'set-operation-not-allowed', 'UNION'],
    [`SELECT COUNT(i.email_address) ${JOIN} WHERE i.placement IN (SELECT c2.currency FROM conversions c2)`, 'subquery-not-allowed', 'subqueries'],
    [`SELECT COUNT(x.email_address) FROM (SELECT * FROM conversions) x`, 'subquery-not-allowed', 'subqueries'],
    [`SELECT * ${JOIN}`, 'select-star-not-allowed', '*'],
    [`SELECT COUNT(i.email_address) OVER () ${JOIN}`, 'window-not-allowed', 'window'],
    [`SELECT COUNT(i.email_address) ${JOIN} WHERE i.placement = $p`, 'parameter-not-allowed', 'parameters'],
  ];
  for (const [sql, code, text] of cases) {
    it(`${code}: ${sql.slice(0, 60)}`, async () => {
      const e = await refused(sql);
      expect(e.code).toBe(code);
      expect(e.rule).toBe('aggregation');
      expect(e.message).toContain(text);
    });
  }
});

describe('aggregation: more forms', () => {
  const dated = (): QueryContext => aggregationContext({
    impressions: { ...impressionsAgg, scalarFunctions: [...(impressionsAgg.kind === 'aggregation' ? impressionsAgg.scalarFunctions : []), 'DATEADD', 'CURRENT_DATE'] } as typeof impressionsAgg,
    conversions: { ...conversionsAgg, scalarFunctions: [...(conversionsAgg.kind === 'aggregation' ? conversionsAgg.scalarFunctions : []), 'DATEADD', 'CURRENT_DATE'] } as typeof conversionsAgg,
  });
  it('DATEADD and CURRENT_DATE when every table allows them (a DATE column cast to the TIMESTAMP DATEADD returns)', async () => {
    await accepted(`SELECT COUNT(DISTINCT i.email_address) ${JOIN} WHERE CAST(i.date AS TIMESTAMP) >= DATEADD(day, -30, CURRENT_DATE)`, dated());
  });
  it('refuses comparing a DATE with the TIMESTAMP of DATEADD (the implicit cast fails on out-of-range dates: an oracle)', async () => {
    const r = await checker.check(`SELECT COUNT(DISTINCT i.email_address) ${JOIN} WHERE i.date >= DATEADD(day, -30, CURRENT_DATE)`, dated());
    expect(r.ok ? 'accepted' : r.error.code).toBe('type-mismatch');
  });
  it('DATEADD refused when one table does not allow it', async () => {
    await expectRefusal(`SELECT COUNT(DISTINCT i.email_address) ${JOIN} WHERE i.date >= DATEADD(day, -30, DATE '2024-01-01')`, 'scalar-function-not-allowed', 'impressions', 'DATEADD');
  });
  it('CAST when every table allows it', async () => {
    await accepted(`SELECT CAST(c.version AS VARCHAR) AS v, COUNT(c.email_address) ${JOIN} GROUP BY v ORDER BY COUNT(DISTINCT i.email_address)`);
  });
  it('a literal output is neither aggregate nor dimension', async () => {
    await expectRefusal(`SELECT 'all' AS label, COUNT(c.email_address) ${JOIN}`, 'output-not-allowed', undefined, 'neither an aggregate nor a dimension');
  });
  it('CASE is not a dimension expression', async () => {
    await expectRefusal(`SELECT CASE WHEN i.placement = 'a' THEN 1 ELSE 0 END AS a, COUNT(c.email_address) ${JOIN} GROUP BY a`, 'expression-not-allowed', 'impressions', 'not a dimension expression');
  });
  it('IS DISTINCT FROM is not an allowed comparison', async () => {
    await expectRefusal(`SELECT COUNT(c.email_address) ${JOIN} WHERE i.placement IS DISTINCT FROM 'a'`, 'filter-not-allowed', 'impressions', 'only comparisons');
  });
  it('AND is refused where a rule allows only OR', async () => {
    const ctx = aggregationContext({ impressions: { ...impressionsAgg, allowedJoinOperators: ['OR'] } as typeof impressionsAgg });
    await expectRefusal('SELECT COUNT(DISTINCT i.email_address) FROM impressions i INNER JOIN conversions c ON i.email_address = c.email_address AND i.email_address = c.email_address',
      'join-operator-not-allowed', 'impressions', 'AND is not an allowed join operator', ctx);
  });
  it('an OR-joined condition counts for joinRequired only when every branch links the tables', async () => {
    const ctx = aggregationContext({ impressions: { ...impressionsAgg, allowedJoinOperators: ['AND', 'OR'] } as typeof impressionsAgg });
    await accepted('SELECT COUNT(DISTINCT i.email_address) FROM impressions i INNER JOIN conversions c ON i.email_address = c.email_address OR i.email_address = c.email_address', ctx);
  });
});

describe('aggregation: diagnostics point into the query', () => {
  it('carries fragment and position from the query text', async () => {
    const sql = `SELECT COUNT(i.email_address) ${JOIN} WHERE   c.email_address LIKE 'x'`;
    const e = await refused(sql);
    expect(e.fragment).toBe('c.email_address');
    expect(e.position).toBe(sql.indexOf('c.email_address LIKE'));
  });
});

