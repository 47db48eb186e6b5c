/**
 * Attack suite (issue 4) — one end-to-end test per refusal class of the earlier issues
 * (aggregation, list and custom rules, templates, differential privacy) that
 * test/attacks/refusals.test.ts and semantics.test.ts do not already show. Each query
 * goes through runQuery / runTemplate on a real workspace, and each refusal must carry
 * its stable code, name the problem, carry no result and no value of another member's
 * rows, and (for ad-hoc queries) be logged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CleanroomError } from '../../src/collaboration/errors.ts';
import { queryLogs } from '../../src/collaboration/query-logs.ts';
import { runTemplate, type QueryOutcome, type RunQueryOptions } from '../../src/collaboration/run-query.ts';
import { setApproval } from '../../src/collaboration/template-approvals.ts';
import { createTable } from '../../src/collaboration/tables.ts';
import { createTemplate, type NewTemplate } from '../../src/collaboration/templates.ts';
import { AttackWorld, budget, custom, dpCustom, list, type TableSpec } from '../support/attack-world.ts';
import { DEFAULT_RULES } from '../support/media-fixture.ts';

/** Values of the platform's rows: none may appear in a refusal. */
const SECRETS = ['alice.hidden', 'bob.hidden', 'carol.hidden', 'dave.hidden', '7777'];
const IMPRESSIONS = `email_address,creative_id,cost,campaign_id,device_type
alice.hidden@victim.example,cr1,7777,cmp1,mobile
bob.hidden@victim.example,cr1,2,cmp1,mobile
carol.hidden@victim.example,cr2,3,cmp1,desktop
dave.hidden@victim.example,cr2,4,cmp2,desktop
a@x.com,cr1,5,cmp2,tv
`;
const CUSTOMERS = 'email_address,state,birth_country\nalice.hidden@victim.example,CA,US\nbob.hidden@victim.example,CA,US\na@x.com,NY,US\n';
const CONVERSIONS = 'email_address,transaction_id,price,creative_id,event_type\na@x.com,t1,10,cr1,purchase\nbob.hidden@victim.example,t2,20,cr1,purchase\n';

const tpl = (extra: Record<string, unknown> = {}): unknown => ({ v1: { custom: { allowedAnalyses: [], disallowedOutputColumns: ['email_address'], ...extra } } });

let world: AttackWorld;
beforeAll(async () => {
  world = await AttackWorld.create({
    impressions: { owner: 'platform', csv: IMPRESSIONS },
    customers: { owner: 'brand', csv: CUSTOMERS },
    conversions: { owner: 'brand', csv: CONVERSIONS },
  });
  const t = (name: 'impressions' | 'customers' | 'conversions', rule: unknown, extra: Partial<TableSpec> = {}): TableSpec =>
    ({ name, owner: name === 'impressions' ? 'platform' : 'brand', dataset: name, rule, ...extra });
  const aggregationTables = [t('impressions', DEFAULT_RULES.impressions), t('customers', DEFAULT_RULES.customers), t('conversions', DEFAULT_RULES.conversions)];
  await world.collaboration('agg', aggregationTables);
  await world.collaboration('rcv', [t('impressions', DEFAULT_RULES.impressions, { receivers: ['platform'] }), t('customers', DEFAULT_RULES.customers)]);
  await world.collaboration('mixed', [t('impressions', DEFAULT_RULES.impressions), t('customers', custom())]);
  await world.collaboration('list', [
    t('impressions', list({ joinColumns: ['email_address'], listColumns: ['campaign_id'], minimumListSize: 3 })),
    t('customers', list({ joinColumns: ['email_address'], listColumns: ['email_address', 'state'] })),
  ]);
  await world.collaboration('masked', [
    t('impressions', custom({ disallowedOutputColumns: ['email_address'] })), t('customers', custom()), t('conversions', custom()),
  ]);
  await world.collaboration('constrained', [
    t('impressions', custom({ disallowedOutputColumns: ['email_address'], outputConstraints: [{ columnName: 'email_address', minimum: 3, type: 'COUNT_DISTINCT' }] })),
    t('customers', custom()),
  ]);
  await world.collaboration('notprovider', [t('impressions', custom({}, ['platform'])), t('customers', custom())]);
  await world.collaboration('tpl', [t('impressions', tpl()), t('customers', tpl())]);
  await world.collaboration('tpl-any', [t('impressions', custom()), t('customers', tpl())]);
  await world.collaboration('dp', [
    t('impressions', dpCustom('email_address'), { budget: budget(5, 30) }),
    { name: 'impressions_b', owner: 'platform', dataset: 'impressions', rule: dpCustom('email_address'), budget: budget(5, 30) },
    t('customers', custom()),
  ]);
  await world.collaboration('dp2', [
    t('impressions', dpCustom('email_address'), { budget: budget(5, 30) }),
    { name: 'impressions_b', owner: 'platform', dataset: 'impressions', rule: dpCustom('campaign_id'), budget: budget(5, 30) },
    t('customers', custom()),
  ]);
  await world.collaboration('dpc', [
    t('impressions', dpCustom('email_address'), { budget: budget(5, 30) }),
    t('customers', custom({ outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT_DISTINCT' }] })),
  ]);
  await world.collaboration('nobudget', [t('impressions', dpCustom('email_address')), t('customers', custom())]);
  await world.collaboration('dptpl', [t('impressions', { v1: { custom: { allowedAnalyses: [], differentialPrivacy: { columns: [{ name: 'email_address' }] } } } }), t('customers', tpl())]);
}, 120_000);
afterAll(async () => {
  await world.close();
});

async function expectRefusal(outcome: QueryOutcome, collaboration: string, code: string, message?: RegExp): Promise<void> {
  expect(outcome, JSON.stringify(outcome)).toMatchObject({ status: 'refused', error: { code } });
  if (outcome.status !== 'refused') return;
  if (message) expect(outcome.error.message).toMatch(message);
  expect(outcome).not.toHaveProperty('delivery');
  const seen = await world.seenBy(collaboration, 'brand', outcome);
  for (const secret of SECRETS) expect(seen).not.toContain(secret);
  if (outcome.id !== undefined) {
    // RULES.md: binder and rule errors are logged; only parser errors are not.
    const logged = (await queryLogs(world.workspace.db, collaboration, 'brand')).find((e) => e.id === outcome.id);
    expect(logged?.error?.code).toBe(code === 'syntax-error' ? undefined : code);
  }
}

const J = 'FROM impressions i JOIN customers c ON i.email_address = c.email_address';
type Case = readonly [label: string, collaboration: string, sql: string, code: string, message?: RegExp, options?: RunQueryOptions];

const CASES: readonly Case[] = [
  // Aggregation rule (issue 2).
  ['aggregate of an expression', 'agg', `SELECT SUM(i.cost * 2) AS s ${J}`, 'aggregate-argument-not-allowed', /plain column/],
  ['a scalar function around an aggregate', 'agg', `SELECT LOWER(CAST(COUNT(DISTINCT i.email_address) AS VARCHAR)) AS s ${J}`, 'aggregate-expression-not-allowed'],
  ['GROUP BY an aggregate', 'agg', `SELECT COUNT(DISTINCT i.email_address) AS n ${J} GROUP BY n`, 'aggregate-in-group-by', /aggregate/],
  ['an aggregate in WHERE', 'agg', `SELECT COUNT(DISTINCT i.email_address) AS n ${J} WHERE COUNT(i.creative_id) > 3`, 'aggregate-in-where', /WHERE/],
  ['no aggregate at all (row-level output)', 'agg', `SELECT i.campaign_id ${J} GROUP BY i.campaign_id`, 'aggregate-required', /at least one aggregate/],
  ['a dimension not in GROUP BY', 'agg', `SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS n ${J}`, 'not-in-group-by', /GROUP BY/],
  ['a literal output column', 'agg', `SELECT 'all' AS label, COUNT(DISTINCT i.email_address) AS n ${J}`, 'output-not-allowed', /neither an aggregate nor a dimension/],
  ['CASE over a dimension (not an allowed scalar function)', 'agg', `SELECT CASE WHEN i.campaign_id = 'cmp1' THEN 1 ELSE 0 END AS a, COUNT(DISTINCT i.email_address) AS n ${J} GROUP BY a`, 'expression-not-allowed'],
  ['ILIKE in WHERE', 'agg', `SELECT COUNT(DISTINCT i.email_address) AS n ${J} WHERE i.device_type ILIKE 'mob%'`, 'filter-not-allowed', /comparisons/],
  ['HAVING on a dimension', 'agg', `SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS n ${J} GROUP BY i.campaign_id HAVING i.campaign_id = 'cmp1'`, 'having-not-allowed', /HAVING/],
  ['GROUP BY an ordinal past the SELECT list', 'agg', `SELECT COUNT(DISTINCT i.email_address) AS n ${J} GROUP BY 3`, 'invalid-ordinal', /3/],
  ['an unqualified column in two tables', 'agg', `SELECT COUNT(DISTINCT email_address) AS n ${J}`, 'ambiguous-column', /email_address/],
  ['one alias for two tables', 'agg', 'SELECT COUNT(DISTINCT i.email_address) AS n FROM impressions i JOIN customers i ON i.email_address = i.email_address', 'duplicate-alias', /"i"/],
  ['no associated table', 'agg', 'SELECT 1 AS one', 'no-table'],
  ['a query that does not parse', 'agg', 'SELEC COUNT(*) FROM impressions', 'syntax-error'],
  ['tables with rules of two types', 'mixed', `SELECT COUNT(DISTINCT i.email_address) AS n ${J}`, 'mixed-rule-types', /one type/],
  ['a receiver the table does not allow', 'rcv', `SELECT COUNT(DISTINCT i.email_address) AS n ${J}`, 'receiver-not-allowed', /brand/],
  ['delivery options on an aggregation result', 'agg', `SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS n ${J} GROUP BY i.campaign_id`, 'delivery-option-not-allowed', /list-rule/, { delivery: { hash: { campaign_id: 'sha256' } } }],
  // List rule (issue 2).
  ['a list query without DISTINCT', 'list', 'SELECT c.email_address FROM customers c JOIN impressions i ON c.email_address = i.email_address', 'distinct-required', /DISTINCT/],
  ['a column that is not a list column', 'list', 'SELECT DISTINCT i.device_type FROM customers c JOIN impressions i ON c.email_address = i.email_address', 'column-not-listed', /device_type/],
  ['GROUP BY in a list query', 'list', 'SELECT DISTINCT c.state FROM customers c JOIN impressions i ON c.email_address = i.email_address GROUP BY c.state', 'group-by-not-allowed'],
  ['ORDER BY in a list query', 'list', 'SELECT DISTINCT c.state FROM customers c JOIN impressions i ON c.email_address = i.email_address ORDER BY c.state', 'order-by-not-allowed'],
  ['LIMIT that is not a literal', 'list', 'SELECT DISTINCT c.state FROM customers c JOIN impressions i ON c.email_address = i.email_address LIMIT 10 + 1', 'limit-invalid'],
  ['a list smaller than minimumListSize (one person of the overlap)', 'list', "SELECT DISTINCT c.email_address FROM customers c JOIN impressions i ON c.email_address = i.email_address WHERE c.state = 'NY'", 'list-too-small'],
  // Custom rule (issue 3).
  ['ad-hoc SQL by a member who is not an analysis provider', 'notprovider', 'SELECT COUNT(*) AS n FROM impressions i', 'analysis-not-allowed', /brand/],
  ['an output alias used inside the same SELECT', 'masked', 'SELECT lower(i.campaign_id) AS p, upper(p) AS q FROM impressions i', 'alias-reference-not-allowed'],
  ['a FROM subquery reading a sibling (implicit LATERAL)', 'masked', 'SELECT COUNT(*) AS n FROM impressions i, (SELECT c.state FROM customers c WHERE c.email_address = i.email_address) s', 'lateral-reference-not-allowed'],
  // DuckDB's parser already refuses it (case-insensitively), before the validator's own duplicate-cte check.
  ['a CTE name defined twice', 'masked', 'WITH "a" AS (SELECT i.campaign_id FROM impressions i), "A" AS (SELECT c.state FROM customers c) SELECT COUNT(*) AS n FROM a', 'syntax-error', /Duplicate CTE/],
  ['UNION branches of different widths', 'masked', 'SELECT i.campaign_id FROM impressions i UNION ALL SELECT c.state, c.birth_country FROM customers c', 'set-operation-columns'],
  ['an IN subquery with two columns', 'masked', 'SELECT COUNT(*) AS n FROM impressions i WHERE i.campaign_id IN (SELECT c.state, c.birth_country FROM customers c)', 'subquery-columns'],
  ['SUBSTRING whose length is an aggregate (could fail on a value)', 'masked', 'SELECT i.campaign_id, substring(i.campaign_id, 1, COUNT(*)) AS s FROM impressions i GROUP BY i.campaign_id', 'unguarded-argument'],
  ['a RANGE window frame with an offset (overflows at the ends of the type)', 'masked', 'SELECT i.campaign_id, SUM(i.cost) OVER (ORDER BY i.cost RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) AS s FROM impressions i', 'window-frame-offset'],
  ['a parameter in ad-hoc SQL', 'masked', 'SELECT COUNT(*) AS n FROM impressions i WHERE i.cost >= $since', 'unbound-parameter'],
  ['a non-aggregate over a table with output constraints', 'constrained', 'SELECT i.campaign_id FROM impressions i', 'output-constraint-unenforceable'],
  // Differential privacy (issue 4).
  ['DP: MAX of a DP table', 'dp', 'SELECT MAX(i.cost) AS m FROM impressions i', 'dp-aggregate', /MAX/],
  ['DP: SUM without bounds', 'dp', 'SELECT SUM(i.cost) AS s FROM impressions i', 'dp-unbounded', /LEAST\(GREATEST/],
  ['DP: an aggregate across users in a CTE', 'dp', 'WITH t AS (SELECT i.campaign_id, COUNT(*) AS n FROM impressions i GROUP BY i.campaign_id) SELECT t.campaign_id, COUNT(*) AS c FROM t GROUP BY t.campaign_id', 'dp-mixes-users'],
  ['DP: LIMIT inside', 'dp', 'WITH t AS (SELECT i.email_address FROM impressions i LIMIT 10) SELECT COUNT(*) AS c FROM t', 'dp-limit'],
  ['DP: the user column lost in a CTE', 'dp', 'WITH t AS (SELECT i.campaign_id FROM impressions i) SELECT t.campaign_id, COUNT(*) AS c FROM t GROUP BY t.campaign_id', 'dp-user-column-lost'],
  ['DP: the DP table on the NULL side of a LEFT JOIN (absence oracle)', 'dp', 'SELECT c.state, COUNT(*) AS n FROM customers c LEFT JOIN impressions i ON i.email_address = c.email_address GROUP BY c.state', 'dp-outer-join'],
  ['DP: DP data in an IN filter', 'dp', 'SELECT c.state, COUNT(*) AS n FROM customers c WHERE c.email_address IN (SELECT i.email_address FROM impressions i) GROUP BY c.state', 'dp-subquery-filter'],
  ['DP: ORDER BY something that is not an output', 'dp', 'SELECT i.campaign_id, COUNT(*) AS n FROM impressions i GROUP BY i.campaign_id ORDER BY LENGTH(i.campaign_id)', 'dp-order-by'],
  ['DP: UNION of DP and non-DP rows', 'dp', 'SELECT COUNT(*) AS n FROM (SELECT i.email_address FROM impressions i UNION ALL SELECT c.state FROM customers c) u', 'dp-set-operation'],
  ['DP: two DP tables joined on another column', 'dp', 'SELECT COUNT(*) AS n FROM impressions a JOIN impressions_b b ON a.campaign_id = b.campaign_id', 'dp-join-not-on-user'],
  ['DP: DP tables naming different user columns', 'dp2', 'SELECT COUNT(*) AS n FROM impressions a JOIN impressions_b b ON a.email_address = b.email_address', 'dp-user-columns-differ'],
  ['DP: exact output constraints next to DP', 'dpc', 'SELECT c.state, COUNT(*) AS n FROM impressions i JOIN customers c ON c.email_address = i.email_address GROUP BY c.state', 'dp-with-output-constraints'],
  ['DP: contribution bounds out of range', 'dp', 'SELECT COUNT(*) AS n FROM impressions i', 'dp-contribution-bounds', /maxGroupsPerUser/, { dp: { maxGroupsPerUser: 0 } }],
  ['DP: no budget set by the owner', 'nobudget', 'SELECT COUNT(*) AS n FROM impressions i', 'privacy-budget-missing', /platform/],
];

describe('one end-to-end test per refusal class', () => {
  it.each(CASES)('%s (%s) is refused', async (...args) => {
    const [, collaboration, sql, code, message, options] = args as unknown as Case;
    await expectRefusal(await world.run(collaboration, sql, options ?? {}), collaboration, code, message);
  });
});

async function expectThrown(work: Promise<unknown>, code: string): Promise<void> {
  const error = await work.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(CleanroomError);
  if (error instanceof CleanroomError) {
    expect(error.diagnostic.code).toBe(code);
    for (const secret of SECRETS) expect(JSON.stringify(error.diagnostic)).not.toContain(secret);
  }
}

describe('templates (issue 3): parameters and approvals', () => {
  const reach: NewTemplate = {
    name: 'reach',
    sql: `SELECT i.campaign_id, COUNT(*) AS n FROM impressions i JOIN customers c ON c.email_address = i.email_address
          WHERE i.cost >= :min_cost AND i.device_type = :device GROUP BY i.campaign_id`,
    parameters: [
      { name: 'min_cost', type: 'INTEGER', default: '1', range: { lo: '0', hi: '100' } },
      { name: 'device', type: 'VARCHAR', allowed: ['mobile', 'desktop'] },
    ],
  };
  beforeAll(async () => {
    await createTemplate(world.workspace, 'tpl', 'brand', reach);
    await setApproval(world.workspace, 'tpl', 'reach', 'brand', 'customers', true);
    await setApproval(world.workspace, 'tpl', 'reach', 'platform', 'impressions', true);
  });

  it.each([
    ['a value of the wrong type', { min_cost: 'abc', device: 'mobile' }, 'parameter-type'],
    ['a value outside the declared range', { min_cost: '1000', device: 'mobile' }, 'parameter-out-of-range'],
    ['a value outside the allowed list (an identifier smuggled as a parameter)', { device: 'alice.hidden@victim.example' }, 'parameter-not-allowed'],
    ['a missing value without default', { min_cost: '1' }, 'parameter-missing'],
    ['a parameter the template does not declare', { device: 'mobile', email: 'x' }, 'parameter-unknown'],
  ] as const)('runTemplate refuses %s', async (_label, values, code) => {
    const outcome = await runTemplate(world.workspace, 'tpl', 'brand', 'reach', values);
    expect(outcome).toMatchObject({ status: 'refused', error: { code } });
  });

  it.each([
    ['a parameter used but not declared', { name: 'undeclared', sql: 'SELECT COUNT(*) AS n FROM impressions i WHERE i.cost > :x', parameters: [] }, 'parameter-undeclared'],
    ['a parameter declared but not used', { name: 'unused', sql: 'SELECT COUNT(*) AS n FROM impressions i', parameters: [{ name: 'x', type: 'INTEGER' }] }, 'parameter-unused'],
    ['a parameter declared twice', { name: 'twice', sql: 'SELECT COUNT(*) AS n FROM impressions i WHERE i.cost > :x', parameters: [{ name: 'x', type: 'INTEGER' }, { name: 'x', type: 'INTEGER' }] }, 'parameter-duplicate'],
    ['an unterminated string', { name: 'broken', sql: "SELECT COUNT(*) AS n FROM impressions i WHERE i.campaign_id = 'cmp1", parameters: [] }, 'syntax-error'],
    ['a template over no associated table', { name: 'nothing', sql: 'SELECT 1 AS one', parameters: [] }, 'no-table'],
  ] as const)('createTemplate refuses %s', async (_label, template, code) => {
    await expectThrown(createTemplate(world.workspace, 'tpl', 'brand', template as NewTemplate), code);
  });

  it('a DP template that can never be made private is refused when it is created, not at its first run (dp-unbounded)', async () => {
    await expectThrown(createTemplate(world.workspace, 'dptpl', 'brand', { name: 'spend', sql: 'SELECT SUM(i.cost) AS s FROM impressions i', parameters: [] }), 'dp-unbounded');
  });

  it('approvals: a table the template does not read, a table whose rule allows ANY_QUERY', async () => {
    await createTemplate(world.workspace, 'tpl-any', 'brand', { name: 'own', sql: 'SELECT c.state, COUNT(*) AS n FROM customers c GROUP BY c.state', parameters: [] });
    await expectThrown(setApproval(world.workspace, 'tpl-any', 'own', 'platform', 'impressions', true), 'template-does-not-read-table');
    await createTemplate(world.workspace, 'tpl-any', 'brand', { name: 'both', sql: 'SELECT c.state, COUNT(*) AS n FROM customers c JOIN impressions i ON i.email_address = c.email_address GROUP BY c.state', parameters: [] });
    await expectThrown(setApproval(world.workspace, 'tpl-any', 'both', 'platform', 'impressions', true), 'rule-allows-any-query');
  });

  it('approvals: templates are approved under a custom rule only (rule-not-custom)', async () => {
    const error = await createTemplate(world.workspace, 'agg', 'brand', { name: 'agg_tpl', sql: `SELECT COUNT(DISTINCT i.email_address) AS n ${J}`, parameters: [] })
      .then(() => setApproval(world.workspace, 'agg', 'agg_tpl', 'platform', 'impressions', true))
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(CleanroomError);
    if (error instanceof CleanroomError) expect(['rule-not-custom', 'rule-not-supported']).toContain(error.diagnostic.code);
  });
});

describe('rule import (issue 2): an owner\'s rule that would loosen protection is refused when the table is configured, never ignored', () => {
  const agg = (parts: Record<string, unknown> = {}): Record<string, unknown> => ({
    aggregateColumns: [{ columnNames: ['cost'], function: 'SUM' }, { columnNames: ['email_address'], function: 'COUNT_DISTINCT' }],
    joinColumns: ['email_address'],
    dimensionColumns: ['campaign_id'],
    scalarFunctions: [],
    outputConstraints: [{ columnName: 'email_address', minimum: 3, type: 'COUNT_DISTINCT' }],
    ...parts,
  });
  let n = 0;
  it.each([
    ['a join column that is also a dimension (LIKE and SUBSTRING would read identifiers)', { v1: { aggregation: agg({ dimensionColumns: ['email_address'] }) } }, 'rule-column-conflict'],
    ['SUM of a join column (an identifier by differencing)', { v1: { aggregation: agg({ aggregateColumns: [{ columnNames: ['email_address'], function: 'SUM' }] }) } }, 'rule-join-column-aggregate'],
    ['a misspelled field (outputConstraint), which would silently drop the threshold', { v1: { aggregation: { ...agg(), outputConstraints: undefined, outputConstraint: [{ columnName: 'email_address', minimum: 3, type: 'COUNT_DISTINCT' }] } } }, 'rule-unknown-field'],
    ['two rule kinds in one document', { v1: { aggregation: agg(), list: { joinColumns: ['email_address'], listColumns: ['campaign_id'] } } }, 'rule-several-kinds'],
    ['an empty aggregateColumns list', { v1: { aggregation: agg({ aggregateColumns: [] }) } }, 'rule-empty-list'],
    ['ANY_QUERY without analysis providers', { v1: { custom: { allowedAnalyses: ['ANY_QUERY'] } } }, 'rule-missing-field'],
    ['a threshold of 1 person (no threshold at all)', { v1: { aggregation: agg({ outputConstraints: [{ columnName: 'email_address', minimum: 1, type: 'COUNT_DISTINCT' }] }) } }, 'rule-invalid'],
    ['a rule column that is not in the dataset', { v1: { aggregation: agg({ dimensionColumns: ['campaign'] }) } }, 'rule-unknown-column'],
    ['a differentialPrivacy user column that is not in the dataset', { v1: { custom: { allowedAnalyses: ['ANY_QUERY'], allowedAnalysisProviders: ['brand'], differentialPrivacy: { columns: [{ name: 'user_id' }] } } } }, 'rule-unknown-column'],
  ] as const)('%s', async (_label, rule, code) => {
    n += 1;
    await expectThrown(createTable(world.workspace.db, 'platform', `bad_rule_${n}`, 'impressions', undefined, JSON.parse(JSON.stringify(rule))), code);
  });

  it('a rule column outside the table\'s allowed columns', async () => {
    await expectThrown(createTable(world.workspace.db, 'platform', 'bad_rule_columns', 'impressions', ['campaign_id', 'cost', 'email_address'],
      { v1: { aggregation: agg({ dimensionColumns: ['campaign_id', 'device_type'] }) } }), 'rule-column-not-allowed');
  });
});
