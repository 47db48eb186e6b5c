/**
 * Attack suite 1/4: the brand (query runner) tries to reach the platform's impressions
 * through SQL the aggregation rule forbids. Every attempt must be REFUSED with a stable
 * code and a message that names the problem, before anything runs.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataset } from '../../src/collaboration/datasets.ts';
import { runQuery } from '../../src/collaboration/run-query.ts';
import { createTable } from '../../src/collaboration/tables.ts';
import type { Workspace } from '../../src/collaboration/workspace.ts';
import { DEFAULT_RULES, mediaWorkspace } from '../support/media-fixture.ts';

const customers = `email_address,state,birth_country
a@x.com,CA,US
b@x.com,CA,US
c@x.com,NY,US
d@x.com,NY,FR
`;
const conversions = `email_address,transaction_id,price,creative_id,event_type
a@x.com,t1,10,cr1,purchase
b@x.com,t2,20,cr1,purchase
c@x.com,t3,30,cr2,purchase
`;
// `secret` is in the platform's dataset but not in its rule: it must not exist for queries.
const impressions = `email_address,creative_id,cost,campaign_id,device_type,secret
a@x.com,cr1,1,cmp1,mobile,s1
b@x.com,cr1,2,cmp1,mobile,s2
c@x.com,cr2,4,cmp1,desktop,s3
d@x.com,cr2,8,cmp2,desktop,s4
`;

const J = 'FROM impressions i JOIN customers c ON i.email_address = c.email_address';

let workspace: Workspace;
let dir: string;

beforeAll(async () => {
  ({ workspace, dir } = await mediaWorkspace({ customers, conversions, impressions }));
  // Platform data that is in the workspace but not in the collaboration.
  const raw = join(dir, 'platform_raw.csv');
  writeFileSync(raw, impressions);
  await createDataset(workspace, 'platform', 'platform_raw', [raw]);
  await createTable(workspace.db, 'platform', 'unassociated_impressions', 'platform_raw', undefined, DEFAULT_RULES.impressions);
});
afterAll(async () => {
  await workspace.close();
  rmSync(dir, { recursive: true, force: true });
});

async function expectRefused(sql: string, code: string, message: RegExp): Promise<void> {
  const outcome = await runQuery(workspace, 'c', 'brand', sql);
  expect(outcome.status, `${sql}\n-> ${JSON.stringify(outcome)}`).toBe('refused');
  if (outcome.status !== 'refused') return;
  expect(outcome.error.code, outcome.error.message).toBe(code);
  expect(outcome.error.message).toMatch(message);
  // A refusal carries no result of any kind.
  expect(Object.keys(outcome).sort()).toEqual(['error', 'id', 'status'].filter((k) => k in outcome).sort());
  expect(outcome).not.toHaveProperty('delivery');
}

type Case = readonly [label: string, sql: string, code: string, message: RegExp];

const run = (cases: readonly Case[]) =>
  it.each(cases)('%s', async (_label, sql, code, message) => expectRefused(sql, code, message));

describe('join columns stay in ON and COUNT', () => {
  run([
    ['output', `SELECT i.email_address, COUNT(i.creative_id) ${J} GROUP BY i.email_address`, 'join-column-in-output', /email_address.*SELECT/],
    ['group by', `SELECT COUNT(i.creative_id) ${J} GROUP BY i.email_address`, 'join-column-in-group-by', /email_address.*GROUP BY/],
    ['where =', `SELECT COUNT(i.creative_id) ${J} WHERE i.email_address = 'a@x.com'`, 'join-column-in-filter', /email_address.*WHERE/],
    ['where LOWER LIKE', `SELECT COUNT(i.creative_id) ${J} WHERE LOWER(i.email_address) LIKE 'a%'`, 'join-column-in-filter', /email_address.*WHERE/],
    ['where BETWEEN', `SELECT COUNT(i.creative_id) ${J} WHERE i.email_address BETWEEN 'a' AND 'b'`, 'join-column-in-filter', /email_address/],
    ['where CAST', `SELECT COUNT(i.creative_id) ${J} WHERE CAST(i.email_address AS VARCHAR) = 'a'`, 'join-column-in-filter', /email_address/],
    ['where COALESCE', `SELECT COUNT(i.creative_id) ${J} WHERE COALESCE(i.email_address, i.device_type) = 'a'`, 'join-column-in-filter', /email_address/],
    ['where IN list', `SELECT COUNT(i.creative_id) ${J} WHERE i.email_address IN ('a@x.com', 'b@x.com')`, 'join-column-in-filter', /email_address/],
    ['having', `SELECT i.campaign_id, COUNT(i.creative_id) ${J} GROUP BY i.campaign_id HAVING i.email_address > 'a'`, 'join-column-in-having', /email_address.*HAVING/],
    ['order by', `SELECT i.campaign_id, COUNT(i.creative_id) ${J} GROUP BY i.campaign_id ORDER BY i.email_address`, 'join-column-in-order-by', /email_address.*ORDER BY/],
    ['CASE in SELECT', `SELECT CASE WHEN i.email_address = 'a@x.com' THEN 1 ELSE 0 END AS x, COUNT(i.creative_id) ${J} GROUP BY 1`, 'join-column-in-output', /email_address/],
    ['COALESCE in SELECT', `SELECT COALESCE(i.email_address, i.device_type) AS x, COUNT(i.creative_id) ${J} GROUP BY 1`, 'join-column-in-output', /email_address/],
    ['runner side join column too', `SELECT c.email_address, COUNT(i.creative_id) ${J} GROUP BY c.email_address`, 'join-column-in-output', /email_address/],
    ['literal in ON', `SELECT COUNT(i.creative_id) FROM impressions i JOIN customers c ON i.email_address = c.email_address AND c.email_address = 'a@x.com'`, 'join-condition-not-allowed', /ON conditions/],
    ['function in ON', `SELECT COUNT(i.creative_id) FROM impressions i JOIN customers c ON LOWER(i.email_address) = c.email_address`, 'join-condition-not-allowed', /ON conditions/],
    ['inequality in ON', `SELECT COUNT(i.creative_id) FROM impressions i JOIN customers c ON i.email_address > c.email_address`, 'join-condition-not-allowed', /ON conditions/],
    ['dimension in ON', `SELECT COUNT(i.creative_id) FROM impressions i JOIN customers c ON c.state = i.device_type`, 'join-condition-not-allowed', /not a join column/],
    ['OR not allowed', `SELECT COUNT(i.creative_id) FROM impressions i JOIN customers c ON i.email_address = c.email_address OR i.email_address = c.email_address`, 'join-operator-not-allowed', /OR/],
  ]);
});

describe('shapes other than one flat aggregation', () => {
  run([
    ['SELECT *', `SELECT * ${J}`, 'select-star-not-allowed', /SELECT \*/],
    ['SELECT i.*', `SELECT i.* ${J}`, 'select-star-not-allowed', /SELECT \*/],
    ['COLUMNS(*)', `SELECT COLUMNS(*) ${J}`, 'unsupported-syntax', /COLUMNS/],
    ['COUNT(COLUMNS(*))', `SELECT COUNT(COLUMNS(*)) ${J}`, 'unsupported-syntax', /COLUMNS/],
    ['whole-row reference', `SELECT COUNT(i) ${J}`, 'unknown-column', /"i"/],
    ['subquery in FROM', `SELECT COUNT(x.creative_id) FROM (SELECT * FROM impressions) x JOIN customers c ON x.email_address = c.email_address`, 'subquery-not-allowed', /subquer/],
    ['WHERE IN subquery', `SELECT COUNT(i.creative_id) ${J} WHERE i.campaign_id IN (SELECT i2.campaign_id FROM impressions i2)`, 'subquery-not-allowed', /subquer/],
    ['EXISTS', `SELECT COUNT(i.creative_id) ${J} WHERE EXISTS (SELECT 1 FROM impressions i2 WHERE i2.email_address = 'a@x.com')`, 'subquery-not-allowed', /subquer/],
    ['scalar subquery', `SELECT (SELECT 1) AS x, COUNT(i.creative_id) ${J} GROUP BY 1`, 'subquery-not-allowed', /subquer/],
    ['LATERAL', `SELECT COUNT(i.creative_id) FROM impressions i JOIN LATERAL (SELECT 1) c ON true`, 'subquery-not-allowed', /subquer/],
    ['CTE', `WITH x AS (SELECT * FROM impressions) SELECT COUNT(x.creative_id) FROM x JOIN customers c ON x.email_address = c.email_address`, 'cte-not-allowed', /WITH/],
    ['UNION', `SELECT COUNT(i.creative_id) ${J} UNION SELECT COUNT(i.creative_id) ${J}`, 'set-operation-not-allowed', /UNION/],
    ['INTERSECT', `SELECT COUNT(i.creative_id) ${J} INTERSECT SELECT COUNT(i.creative_id) ${J}`, 'set-operation-not-allowed', /INTERSECT/],
    ['EXCEPT', `SELECT COUNT(i.creative_id) ${J} EXCEPT SELECT COUNT(i.creative_id) ${J}`, 'set-operation-not-allowed', /EXCEPT/],
    ['LIMIT', `SELECT COUNT(i.creative_id) ${J} LIMIT 1`, 'limit-not-allowed', /LIMIT/],
    ['OFFSET', `SELECT COUNT(i.creative_id) ${J} OFFSET 1`, 'offset-not-allowed', /OFFSET/],
    ['window', `SELECT COUNT(i.creative_id) OVER () ${J}`, 'window-not-allowed', /window/],
    ['ROW_NUMBER', `SELECT i.campaign_id, COUNT(i.creative_id), ROW_NUMBER() OVER (ORDER BY i.campaign_id) ${J} GROUP BY i.campaign_id`, 'window-not-allowed', /window/],
    ['two statements', 'SELECT 1; SELECT 2', 'multiple-statements', /one SELECT/i],
    ['DISTINCT ON', `SELECT DISTINCT ON (i.campaign_id) COUNT(i.creative_id) ${J} GROUP BY i.campaign_id`, 'unsupported-syntax', /DISTINCT ON/],
    ['SELECT DISTINCT', `SELECT DISTINCT i.campaign_id, COUNT(i.creative_id) ${J} GROUP BY i.campaign_id`, 'distinct-not-allowed', /DISTINCT/],
    ['QUALIFY', `SELECT i.campaign_id, COUNT(i.creative_id) AS n ${J} GROUP BY i.campaign_id QUALIFY n > 1`, 'unsupported-syntax', /QUALIFY/],
    ['TABLESAMPLE', `SELECT COUNT(i.creative_id) FROM impressions i TABLESAMPLE 50% JOIN customers c ON i.email_address = c.email_address`, 'unsupported-syntax', /sampl/],
    ['USING SAMPLE', `SELECT COUNT(i.creative_id) ${J} USING SAMPLE 50%`, 'unsupported-syntax', /sampl/],
    ['aggregate FILTER', `SELECT COUNT(i.creative_id) FILTER (WHERE i.email_address = 'a@x.com') ${J}`, 'unsupported-syntax', /FILTER/],
    ['GROUP BY ALL', `SELECT COUNT(i.creative_id), i.campaign_id ${J} GROUP BY ALL`, 'unsupported-syntax', /GROUP BY ALL/],
    ['ROLLUP', `SELECT COUNT(i.creative_id) ${J} GROUP BY ROLLUP (i.campaign_id)`, 'unsupported-syntax', /ROLLUP/],
    ['GROUPING SETS', `SELECT COUNT(i.creative_id) ${J} GROUP BY GROUPING SETS ((i.campaign_id), ())`, 'unsupported-syntax', /GROUPING SETS/],
    ['$1 parameter', `SELECT COUNT(i.creative_id) ${J} WHERE i.campaign_id = $1`, 'parameter-not-allowed', /parameter/],
    ['$name parameter', `SELECT COUNT(i.creative_id) ${J} WHERE i.campaign_id = $name`, 'parameter-not-allowed', /parameter/],
  ]);
});

describe('joins other than explicit INNER JOIN ... ON join columns', () => {
  run([
    ['LEFT', 'SELECT COUNT(i.creative_id) FROM impressions i LEFT JOIN customers c ON i.email_address = c.email_address', 'join-not-allowed', /LEFT JOIN/],
    ['RIGHT', 'SELECT COUNT(i.creative_id) FROM impressions i RIGHT JOIN customers c ON i.email_address = c.email_address', 'join-not-allowed', /RIGHT JOIN/],
    ['FULL', 'SELECT COUNT(i.creative_id) FROM impressions i FULL JOIN customers c ON i.email_address = c.email_address', 'join-not-allowed', /FULL JOIN/],
    ['CROSS', 'SELECT COUNT(i.creative_id) FROM impressions i CROSS JOIN customers c', 'join-not-allowed', /CROSS JOIN/],
    ['comma', 'SELECT COUNT(i.creative_id) FROM impressions i, customers c WHERE i.email_address = c.email_address', 'join-not-allowed', /comma/],
    ['NATURAL', 'SELECT COUNT(i.creative_id) FROM impressions i NATURAL JOIN customers c', 'unsupported-syntax', /NATURAL/],
    ['ASOF', 'SELECT COUNT(i.creative_id) FROM impressions i ASOF JOIN customers c ON i.email_address = c.email_address', 'unsupported-syntax', /ASOF/],
    ['USING', 'SELECT COUNT(creative_id) FROM impressions JOIN customers USING (email_address)', 'unsupported-syntax', /USING/],
    ['POSITIONAL', 'SELECT COUNT(i.creative_id) FROM impressions i POSITIONAL JOIN customers c', 'unsupported-syntax', /POSITIONAL/],
    ['SEMI', 'SELECT COUNT(i.creative_id) FROM impressions i SEMI JOIN customers c ON i.email_address = c.email_address', 'unsupported-syntax', /SEMI/],
    ['ANTI', 'SELECT COUNT(i.creative_id) FROM impressions i ANTI JOIN customers c ON i.email_address = c.email_address', 'unsupported-syntax', /ANTI/],
    ['no runner table (joinRequired)', 'SELECT i.campaign_id, COUNT(i.creative_id) FROM impressions i GROUP BY i.campaign_id', 'join-required', /impressions must be inner-joined/],
    ['self-join only (joinRequired)', 'SELECT COUNT(i.creative_id) FROM impressions i JOIN impressions j ON i.email_address = j.email_address', 'join-required', /impressions/],
    ['cross-table WHERE comparison', `SELECT COUNT(i.creative_id) ${J} WHERE i.device_type = c.state`, 'cross-table-comparison', /one table/],
  ]);
});

describe('functions and aggregates outside the rule', () => {
  run([
    ['md5', `SELECT md5(i.device_type) AS h, COUNT(i.creative_id) ${J} GROUP BY 1`, 'function-not-allowed', /md5/],
    ['regexp_matches', `SELECT COUNT(i.creative_id) ${J} WHERE regexp_matches(i.device_type, 'a')`, 'function-not-allowed', /regexp_matches/],
    ['SIMILAR TO', `SELECT COUNT(i.creative_id) ${J} WHERE i.device_type SIMILAR TO 'a.*'`, 'function-not-allowed', /regexp/],
    ['LIKE ... ESCAPE', `SELECT COUNT(i.creative_id) ${J} WHERE i.device_type LIKE 'a' ESCAPE 'ab'`, 'function-not-allowed', /like_escape/],
    ['SUBSTRING not granted', `SELECT SUBSTRING(i.device_type, 1, 1) AS s, COUNT(i.creative_id) ${J} GROUP BY 1`, 'scalar-function-not-allowed', /SUBSTRING/],
    ['UPPER not granted', `SELECT COUNT(i.creative_id) ${J} WHERE UPPER(i.device_type) = 'A'`, 'scalar-function-not-allowed', /UPPER/],
    ['CAST not granted', `SELECT COUNT(i.creative_id) ${J} WHERE i.device_type = 'mobile'::VARCHAR`, 'scalar-function-not-allowed', /CAST/],
    ['MIN', `SELECT MIN(i.cost) ${J}`, 'aggregate-function-not-allowed', /MIN/],
    ['MAX of a join column in HAVING', `SELECT COUNT(i.creative_id) ${J} HAVING MAX(i.email_address) > 'a'`, 'aggregate-function-not-allowed', /MAX/],
    ['STDDEV', `SELECT STDDEV(i.cost) ${J}`, 'aggregate-function-not-allowed', /STDDEV/],
    ['AVG not granted', `SELECT AVG(i.cost) ${J}`, 'aggregate-not-allowed', /AVG on cost/],
    ['SUM on a COUNT-only column', `SELECT SUM(i.creative_id) ${J}`, 'aggregate-not-allowed', /SUM on creative_id/],
    ['SUM of a join column', `SELECT SUM(i.email_address) ${J}`, 'aggregate-not-allowed', /SUM on email_address/],
    ['COUNT(DISTINCT) without grant', `SELECT COUNT(DISTINCT i.creative_id) ${J}`, 'aggregate-not-allowed', /COUNT_DISTINCT on creative_id/],
    ['COUNT(*) over a join', `SELECT COUNT(*) ${J}`, 'count-star-not-allowed', /COUNT\(\*\)/],
    ['COUNT(*) in HAVING', `SELECT COUNT(i.creative_id) ${J} GROUP BY i.campaign_id HAVING COUNT(*) > 1`, 'count-star-not-allowed', /COUNT\(\*\)/],
    ['aggregate of a non-aggregate column in WHERE', `SELECT COUNT(i.creative_id) ${J} WHERE i.cost = 1`, 'column-not-dimension', /cost/],
    ["text vs number '1' = 1", `SELECT COUNT(i.creative_id) ${J} WHERE '1' = 1`, 'type-mismatch', /text with numeric/],
    ['dimension text vs number', `SELECT COUNT(i.creative_id) ${J} WHERE i.campaign_id = 1`, 'type-mismatch', /implicit cast/],
    ['IN list mixing types', `SELECT COUNT(i.creative_id) ${J} WHERE i.device_type IN ('mobile', 1)`, 'type-mismatch', /text with numeric/],
    ['LIKE a number', `SELECT COUNT(i.creative_id) ${J} WHERE i.device_type LIKE 1`, 'type-mismatch', /text with numeric/],
    ['GLOB', `SELECT COUNT(i.creative_id) ${J} WHERE i.device_type GLOB 'a*'`, 'unsupported-syntax', /~~~/],
  ]);
});

describe('anything that is not an associated table, an allowed column, or a SELECT', () => {
  run([
    ['read_csv', "SELECT COUNT(*) FROM read_csv('/etc/passwd')", 'table-function-not-allowed', /read_csv/],
    ['read_parquet', "SELECT COUNT(*) FROM read_parquet('x.parquet')", 'table-function-not-allowed', /read_parquet/],
    ['read_json', "SELECT COUNT(*) FROM read_json('x.json')", 'table-function-not-allowed', /read_json/],
    ['glob', "SELECT COUNT(*) FROM glob('*')", 'table-function-not-allowed', /glob/],
    ['read_text', "SELECT COUNT(*) FROM read_text('/etc/passwd')", 'table-function-not-allowed', /read_text/],
    ['query_table', "SELECT COUNT(*) FROM query_table('impressions')", 'table-function-not-allowed', /query_table/],
    ['query()', "SELECT COUNT(*) FROM query('select 1')", 'table-function-not-allowed', /query/],
    ['duckdb_tables()', 'SELECT COUNT(*) FROM duckdb_tables()', 'table-function-not-allowed', /duckdb_tables/],
    ['duckdb_settings()', 'SELECT COUNT(*) FROM duckdb_settings()', 'table-function-not-allowed', /duckdb_settings/],
    ['information_schema', 'SELECT COUNT(*) FROM information_schema.tables', 'system-catalog-not-allowed', /information_schema\.tables/],
    ['pg_catalog', 'SELECT COUNT(*) FROM pg_catalog.pg_class', 'system-catalog-not-allowed', /pg_catalog/],
    ['sqlite_master', 'SELECT COUNT(*) FROM sqlite_master', 'system-catalog-not-allowed', /sqlite_master/],
    ['schema-qualified', 'SELECT COUNT(*) FROM main.impressions', 'system-catalog-not-allowed', /main\.impressions/],
    ['file path as table', "SELECT COUNT(*) FROM '/etc/passwd'", 'unknown-table', /\/etc\/passwd/],
    ['unknown table', 'SELECT COUNT(*) FROM nope', 'unknown-table', /nope/],
    ["another member's dataset name", 'SELECT COUNT(p.creative_id) FROM platform_raw p JOIN customers c ON p.email_address = c.email_address', 'unknown-table', /platform_raw/],
    ['a configured but unassociated table', 'SELECT COUNT(p.creative_id) FROM unassociated_impressions p JOIN customers c ON p.email_address = c.email_address', 'unknown-table', /unassociated_impressions/],
    ['internal CTE name __cr_j', 'SELECT COUNT(*) FROM __cr_j', 'unknown-table', /__cr_j/],
    ['internal CTE name __cr_m', 'SELECT COUNT(*) FROM __cr_m', 'unknown-table', /__cr_m/],
    ['unicode look-alike (Cyrillic I)', 'SELECT COUNT(i.creative_id) FROM \u0406MPRESSIONS i JOIN customers c ON i.email_address = c.email_address', 'unknown-table', /not associated/],
    ['quoted name with a trailing space', 'SELECT COUNT(i.creative_id) FROM "impressions " i JOIN customers c ON i.email_address = c.email_address', 'unknown-table', /not associated/],
    ['column not in the allowed list', `SELECT COUNT(i.creative_id) ${J} WHERE i.secret = 's1'`, 'unknown-column', /secret/],
    ['column not allowed, in SELECT', `SELECT i.secret, COUNT(i.creative_id) ${J} GROUP BY i.secret`, 'unknown-column', /secret/],
    ['row id in COUNT', `SELECT COUNT(i.__cr_rowid) ${J}`, 'unknown-column', /__cr_rowid/],
    ['row id in WHERE', `SELECT COUNT(i.creative_id) ${J} WHERE i.__cr_rowid = 1`, 'unknown-column', /__cr_rowid/],
    ['row id in GROUP BY', `SELECT COUNT(i.creative_id) ${J} GROUP BY i.__cr_rowid`, 'unknown-column', /__cr_rowid/],
    ['row id in ORDER BY', `SELECT i.campaign_id, COUNT(i.creative_id) ${J} GROUP BY i.campaign_id ORDER BY i.__cr_rowid`, 'unknown-column', /__cr_rowid/],
    ['row id in ON', 'SELECT COUNT(i.creative_id) FROM impressions i JOIN customers c ON i.__cr_rowid = c.__cr_rowid', 'unknown-column', /__cr_rowid/],
    ['row id unqualified', `SELECT COUNT(__cr_rowid) ${J}`, 'unknown-column', /__cr_rowid/],
    ['COPY', "COPY impressions TO '/tmp/x.csv'", 'not-a-select', /Only SELECT/],
    ['ATTACH', "ATTACH '/tmp/x.db' AS x", 'not-a-select', /Only SELECT/],
    ['PRAGMA', "PRAGMA table_info('impressions')", 'not-a-select', /Only SELECT/],
    ['SET', 'SET enable_external_access = true', 'not-a-select', /Only SELECT/],
    ['INSERT', 'INSERT INTO impressions VALUES (1)', 'not-a-select', /Only SELECT/],
    ['CREATE', 'CREATE TABLE x AS SELECT 1', 'not-a-select', /Only SELECT/],
    ['DROP', 'DROP TABLE impressions', 'not-a-select', /Only SELECT/],
    ['EXPORT', "EXPORT DATABASE '/tmp/x'", 'not-a-select', /Only SELECT/],
    ['INSTALL', 'INSTALL httpfs', 'not-a-select', /Only SELECT/],
    ['CALL', 'CALL duckdb_settings()', 'not-a-select', /Only SELECT/],
    ['SELECT then COPY', "SELECT 1; COPY impressions TO '/tmp/x.csv'", 'not-a-select', /Only SELECT/],
  ]);
});
