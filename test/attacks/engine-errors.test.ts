/**
 * Attack suite — engine error messages (issue 4, "Engine-level leaks"). DuckDB's error
 * texts quote data values (`Could not cast value 7777777777777777777 ...`, `Type INT32
 * with value 5881580-07-10 can't be cast ...`). The brand, an analysis provider
 * (ANY_QUERY) everywhere, tries to make the engine fail on the platform's impressions,
 * which hold recognisable identifiers: e-mails, a BIGINT loyalty number and a sentinel
 * date far outside the timestamp range. Each attack asserts that no identifier reaches
 * anything the brand can see — the outcome, `query logs`, `query list`, `results list`,
 * the CLI's JSON and text — while the operator's audit log keeps DuckDB's text.
 *
 * Most of these attacks are now refused before the engine runs: the validators refuse
 * every implicit cast that can fail on a value (DATE vs TIMESTAMP, text as a condition,
 * LAG/LEAD arguments of another type), because even a hidden failure is a one-bit
 * oracle (a query fails or not depending on rows the brand cannot see). Those tests
 * check the refusal, its fragment, and that the explicit cast runs; the out-of-memory
 * attack still reaches the engine and checks what the brand and the operator see.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internalErrorOf } from '../../src/collaboration/member-keys.ts';
import { listOwnQueries, queryLogs } from '../../src/collaboration/query-logs.ts';
import { listResults } from '../../src/collaboration/results.ts';
import { runQuery, type QueryOutcome } from '../../src/collaboration/run-query.ts';
import { updateTable } from '../../src/collaboration/tables.ts';
import { Workspace } from '../../src/collaboration/workspace.ts';
import { filesWorkspace, writeParquet } from '../support/attack-support.ts';
import { aggregationRule } from '../support/media-fixture.ts';
import { runCli } from '../support/run-cli.ts';

/** Values of the platform's rows that the brand must never see in any text. */
const SECRETS = ['zed.secret', 'yolanda.hidden', 'quinn.private', '7777777777777777777', '5881580'];
const IMPRESSION_COLUMNS = ['email_address', 'creative_id', 'cost', 'campaign_id', 'device_type', 'd', 'ts'];

const provider = (disallowed: string[], minimum?: number): unknown => ({
  v1: {
    custom: {
      allowedAnalyses: ['ANY_QUERY'],
      allowedAnalysisProviders: ['brand'],
      disallowedOutputColumns: disallowed,
      ...(minimum === undefined ? {} : { outputConstraints: [{ columnName: 'email_address', minimum, type: 'COUNT_DISTINCT' }] }),
    },
  },
});

const aggregationImpressions = aggregationRule({
  aggregateColumns: [
    { columnNames: ['email_address'], function: 'COUNT_DISTINCT' },
    { columnNames: ['cost'], function: 'SUM' },
  ],
  joinColumns: ['email_address'],
  dimensionColumns: ['campaign_id', 'device_type', 'd', 'ts'],
  scalarFunctions: ['CAST', 'COALESCE', 'ABS', 'DATEADD', 'EXTRACT'],
  outputConstraints: [{ columnName: 'email_address', minimum: 3, type: 'COUNT_DISTINCT' }],
});
const aggregationCustomers = aggregationRule({
  aggregateColumns: [{ columnNames: ['email_address'], function: 'COUNT_DISTINCT' }],
  joinColumns: ['email_address'],
  dimensionColumns: ['state'],
  scalarFunctions: ['CAST', 'COALESCE', 'ABS', 'DATEADD', 'EXTRACT'],
  outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT_DISTINCT' }],
});
const aggregationConversions = aggregationRule({
  aggregateColumns: [{ columnNames: ['email_address'], function: 'COUNT_DISTINCT' }],
  joinColumns: ['email_address'],
  dimensionColumns: ['transaction_id', 'ts'],
  scalarFunctions: [],
  outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT_DISTINCT' }],
});

let scratch: string;
const open: Workspace[] = [];

/**
 * brand: customers (CSV) and conversions (Parquet, with a TIMESTAMP and two planted rows
 * for `target`); platform: impressions (Parquet) with `rows` people (five named ones,
 * then generated ones). `rules` picks the rule kind.
 */
async function build(
  rules: 'custom' | 'aggregation',
  target = 'zed.secret@victim.example',
  generated = 0,
): Promise<{ workspace: Workspace; home: string }> {
  const dir = mkdtempSync(join(scratch, 'w-'));
  const impressions = await writeParquet(dir, 'impressions', `
    SELECT * FROM (VALUES
      ('zed.secret@victim.example', 'cr1', CAST(7777777777777777777 AS BIGINT), 'cmp1', 'mobile', DATE '5881580-07-10', TIMESTAMP '2024-01-01 00:00:00'),
      ('yolanda.hidden@victim.example', 'cr1', CAST(2 AS BIGINT), 'cmp1', 'mobile', DATE '2024-01-02', TIMESTAMP '2024-01-01 00:00:00'),
      ('quinn.private@victim.example', 'cr2', CAST(3 AS BIGINT), 'cmp1', 'desktop', DATE '2024-01-03', TIMESTAMP '2024-01-01 00:00:00'),
      ('a@x.com', 'cr1', CAST(4 AS BIGINT), 'cmp1', 'mobile', DATE '2024-01-04', TIMESTAMP '2024-01-01 00:00:00'),
      ('b@x.com', 'cr2', CAST(5 AS BIGINT), 'cmp1', 'desktop', DATE '2024-01-05', TIMESTAMP '2024-01-01 00:00:00')
    ) t(email_address, creative_id, cost, campaign_id, device_type, d, ts)
    UNION ALL
    SELECT 'gen' || range || '@victim.example', 'cr' || (range % 7), range, 'cmp' || (range % 3), 'mobile', DATE '2024-01-01', TIMESTAMP '2024-01-01 00:00:00'
    FROM range(${generated})`);
  const conversions = await writeParquet(dir, 'conversions', `
    SELECT * FROM (VALUES
      ('${target}', 't1', TIMESTAMP '2024-01-01 00:00:00'),
      ('${target}', 't2', TIMESTAMP '2024-01-01 00:00:00'),
      ('a@x.com', 't3', TIMESTAMP '2024-01-01 00:00:00'),
      ('b@x.com', 't4', TIMESTAMP '2024-01-01 00:00:00')
    ) t(email_address, transaction_id, ts)`);
  const customers = join(dir, 'customers.csv');
  writeFileSync(customers, 'email_address,state,birth_country\na@x.com,CA,US\nb@x.com,CA,US\nzed.secret@victim.example,NY,US\n');
  const built = await filesWorkspace(
    { customers, conversions, impressions },
    rules === 'custom'
      ? { customers: provider([]), conversions: provider([]), impressions: provider(['email_address'], 3) }
      : { customers: aggregationCustomers, conversions: aggregationConversions, impressions: aggregationImpressions },
  );
  if (rules === 'custom') {
    await updateTable(built.workspace.db, 'brand', 'conversions', ['email_address', 'transaction_id', 'ts'], undefined);
  }
  await updateTable(built.workspace.db, 'platform', 'impressions', IMPRESSION_COLUMNS, undefined);
  open.push(built.workspace);
  return { workspace: built.workspace, home: join(built.dir, 'home') };
}

/** Everything the brand can read after its queries: outcome, logs, own list, results. */
async function brandSees(workspace: Workspace, outcome: QueryOutcome): Promise<string> {
  const logs = await queryLogs(workspace.db, 'c', 'brand');
  const own = await listOwnQueries(workspace.db, 'c', 'brand');
  const results = await listResults(workspace, 'brand');
  return JSON.stringify({ outcome, logs, own, results });
}

/** The operator's audit log: DuckDB's text of the query's failure. */
async function operatorText(workspace: Workspace, id: string): Promise<string> {
  // Sealed with the runner's key at rest; the operator opens it.
  return (await internalErrorOf(workspace.db, id)) ?? '';
}

/** Runs an attack that makes the engine fail; checks what the brand and the operator see. */
async function attack(
  workspace: Workspace,
  sql: string,
  code: string,
  echoed: string | RegExp,
): Promise<Extract<QueryOutcome, { status: 'failed' | 'cancelled' }>> {
  const outcome = await runQuery(workspace, 'c', 'brand', sql);
  if (outcome.status !== 'failed') throw new Error(`expected the engine to fail, got ${JSON.stringify(outcome)}`);
  expect(outcome.error.code).toBe(code);
  // The attack works on the engine: its text quotes a platform value ...
  expect(await operatorText(workspace, outcome.id)).toMatch(echoed);
  // ... and none of it reaches the brand.
  const seen = await brandSees(workspace, outcome);
  for (const secret of SECRETS) expect(seen).not.toContain(secret);
  expect(seen).not.toMatch(/Conversion Error|Invalid Input|INT32|INT64|can't be cast/);
  const logged = (await queryLogs(workspace.db, 'c', 'brand')).find((e) => e.id === outcome.id);
  expect(logged?.error).toEqual(outcome.error);
  return outcome;
}

/** Runs an attack the validator refuses: the engine never runs it and the brand sees no value. */
async function refusedAttack(
  workspace: Workspace,
  sql: string,
  code: string,
  fragment: string,
): Promise<Extract<QueryOutcome, { status: 'refused' }>> {
  const outcome = await runQuery(workspace, 'c', 'brand', sql);
  if (outcome.status !== 'refused') throw new Error(`expected a refusal, got ${JSON.stringify(outcome)}`);
  expect(outcome.error.code).toBe(code);
  expect(outcome.error.fragment).toBe(fragment);
  const seen = await brandSees(workspace, outcome);
  for (const secret of SECRETS) expect(seen).not.toContain(secret);
  return outcome;
}

let custom: Workspace;
let aggregation: Workspace;
beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'cr-engine-errors-'));
  custom = (await build('custom')).workspace;
  aggregation = (await build('aggregation')).workspace;
});
afterAll(async () => {
  for (const w of open) await w.close();
  rmSync(scratch, { recursive: true, force: true });
});

const GROUPED = 'SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS n';

describe('engine errors over another member\'s rows carry no value to the runner', () => {
  it('IMPLICIT CAST IN A COMPARISON: the platform\'s DATE compared with its TIMESTAMP is refused; the explicit cast runs (custom rule)', async () => {
    const out = await refusedAttack(custom, `${GROUPED} FROM impressions i WHERE i.d < i.ts GROUP BY i.campaign_id`,
      'type-mismatch', 'i.d < i.ts');
    expect(out.error.message).toBe('custom rule: this comparison mixes DATE and TIMESTAMP; the engine would convert one side implicitly, which fails on values outside the other type\'s range');
    expect(out.error.hint).toBe('cast one side explicitly, e.g. CAST(d AS TIMESTAMP): CAST(x AS type) is printed as TRY_CAST and cannot fail');
    // TRY_CAST turns the out-of-range date into NULL.
    const cast = await runQuery(custom, 'c', 'brand', `${GROUPED} FROM impressions i WHERE CAST(i.d AS TIMESTAMP) < i.ts GROUP BY i.campaign_id`);
    expect(cast.status).toBe('succeeded');
  });

  it('IMPLICIT CAST IN A JOIN: the brand joins its own TIMESTAMP to the platform\'s DATE: refused (custom rule)', async () => {
    await refusedAttack(custom, `${GROUPED} FROM impressions i JOIN conversions v ON i.d = v.ts GROUP BY i.campaign_id`,
      'type-mismatch', 'i.d = v.ts');
  });

  it('IMPLICIT CAST IN COALESCE: a group key over the platform\'s DATE and TIMESTAMP is refused; the explicit cast runs (aggregation rule)', async () => {
    const out = await refusedAttack(aggregation,
      'SELECT COALESCE(i.d, i.ts) AS k, COUNT(DISTINCT i.email_address) AS n FROM impressions i JOIN customers c ' +
        'ON i.email_address = c.email_address GROUP BY COALESCE(i.d, i.ts)',
      'type-mismatch', 'COALESCE(i.d, i.ts)');
    expect(out.error).toMatchObject({ rule: 'aggregation', table: 'impressions' });
    expect(out.error.message).toContain('this COALESCE mixes DATE and TIMESTAMP');
    const cast = await runQuery(aggregation, 'c', 'brand',
      'SELECT COALESCE(CAST(i.d AS TIMESTAMP), i.ts) AS k, COUNT(DISTINCT i.email_address) AS n FROM impressions i JOIN customers c ' +
        'ON i.email_address = c.email_address GROUP BY COALESCE(CAST(i.d AS TIMESTAMP), i.ts)');
    expect(cast.status).toBe('succeeded');
  });

  it('IMPLICIT CAST IN UNION ALL: a DATE branch and a TIMESTAMP branch inside a subquery: refused (custom rule)', async () => {
    const out = await refusedAttack(custom,
      'SELECT s.k, COUNT(DISTINCT s.e) AS n FROM (SELECT i.d AS k, i.email_address AS e FROM impressions i ' +
        'UNION ALL SELECT i.ts, i.email_address FROM impressions i) s GROUP BY s.k',
      'type-mismatch', 'i.d');
    expect(out.error.message).toContain('this UNION ALL mixes DATE and TIMESTAMP');
  });

  it('NON-BOOLEAN CONDITION: WHERE NOT <the platform\'s e-mail column> is refused (custom rule)', async () => {
    const out = await refusedAttack(custom, `${GROUPED} FROM impressions i WHERE NOT i.email_address GROUP BY i.campaign_id`,
      'condition-not-boolean', 'i.email_address');
    expect(out.error.message).toBe('custom rule: NOT needs a boolean condition, but this expression is text; the engine would convert each value to BOOLEAN and fail on values that are not true or false');
  });

  it('TEXT AS A WINDOW ARGUMENT: LEAD\'s default and LAG\'s offset taken from the platform\'s text columns: refused (custom rule)', async () => {
    const window = (call: string): string =>
      `SELECT s.c, COUNT(DISTINCT s.e) AS n FROM (SELECT i.campaign_id AS c, i.email_address AS e, ${call} AS w ` +
      'FROM impressions i) s GROUP BY s.c';
    const lead = await refusedAttack(custom, window('LEAD(i.cost, 1, i.email_address) OVER (ORDER BY i.campaign_id)'),
      'window-argument-type', 'i.email_address');
    expect(lead.error.message).toBe('custom rule: the default of LEAD: the engine would convert VARCHAR to BIGINT (the value\'s type), which can fail on some values');
    const lag = await refusedAttack(custom, window('LAG(i.campaign_id, i.device_type) OVER (ORDER BY i.campaign_id)'),
      'window-argument-type', 'i.device_type');
    expect(lag.error.message).toContain('the offset of LAG must be an integer literal');
    const fine = await runQuery(custom, 'c', 'brand', window('LEAD(i.cost, 1, 0) OVER (ORDER BY i.campaign_id)'));
    expect(fine.status).toBe('succeeded');
  });

  it('SCALAR SUBQUERY WITH SEVERAL ROWS: correlated on the platform\'s e-mails, it does not fail at all (the sealed engine takes one row)', async () => {
    const out = await runQuery(custom, 'c', 'brand',
      `${GROUPED}, MAX((SELECT v.transaction_id FROM conversions v WHERE v.email_address = i.email_address)) AS m ` +
        'FROM impressions i GROUP BY i.campaign_id');
    expect(out.status).toBe('succeeded');
  });

  it('OVERFLOW (non-failing forms hold): arithmetic, ABS and SUM over the platform\'s BIGINT 7777777777777777777', async () => {
    for (const [workspace, sql] of [
      [custom, `${GROUPED}, MAX(i.cost * i.cost) AS p, MAX(ABS(-i.cost)) AS a, SUM(i.cost) * 1000 AS s FROM impressions i GROUP BY i.campaign_id`],
      [aggregation, 'SELECT i.campaign_id, SUM(i.cost) AS s FROM impressions i JOIN customers c ON i.email_address = c.email_address ' +
        'GROUP BY i.campaign_id HAVING SUM(i.cost) * SUM(i.cost) > 0'],
    ] as const) {
      const out = await runQuery(workspace, 'c', 'brand', sql);
      expect(out.status).toBe('succeeded');
    }
  });

  it('CAST OF AN IDENTIFIER: CAST(e-mail AS INTEGER / DATE) runs as TRY_CAST and never fails (both rule kinds)', async () => {
    const customOut = await runQuery(custom, 'c', 'brand',
      `${GROUPED} FROM impressions i WHERE CAST(i.email_address AS INTEGER) IS NULL AND CAST(i.email_address AS DATE) IS NULL GROUP BY i.campaign_id`);
    expect(customOut.status).toBe('succeeded');
    const aggregationOut = await runQuery(aggregation, 'c', 'brand',
      'SELECT CAST(i.device_type AS INTEGER) AS k, COUNT(DISTINCT i.email_address) AS n FROM impressions i JOIN customers c ' +
        'ON i.email_address = c.email_address GROUP BY CAST(i.device_type AS INTEGER)');
    expect(aggregationOut.status).toBe('succeeded');
    for (const [workspace, out] of [[custom, customOut], [aggregation, aggregationOut]] as const) {
      const seen = await brandSees(workspace, out);
      for (const secret of SECRETS) expect(seen).not.toContain(secret);
    }
  });

  it('OUT OF MEMORY: string_agg over a self-join of 200 000 platform rows under a small memory limit', async () => {
    const { home } = await build('custom', 'zed.secret@victim.example', 200_000);
    const first = open.pop();
    await first?.close();
    const small = await Workspace.open(home, { threads: 1, memoryLimit: '24MB' });
    open.push(small);
    const out = await attack(small,
      `SELECT a.campaign_id, COUNT(DISTINCT a.email_address) AS n, length(string_agg(a.creative_id || b.creative_id, ',')) AS s ` +
        'FROM impressions a JOIN impressions b ON a.campaign_id = b.campaign_id GROUP BY a.campaign_id',
      'out-of-memory', 'Out of Memory Error');
    expect(JSON.stringify(out)).not.toMatch(/MiB|\d+\.\d/);
  });
});

describe('through the CLI, as the attacker sees it', () => {
  it('IMPLICIT CAST, CLI: the refusal through `query run --format json|table`, `query logs`, `query list`, `results list` shows no value', async () => {
    const { workspace, home } = await build('custom');
    open.splice(open.indexOf(workspace), 1);
    await workspace.close();
    const sql = `${GROUPED} FROM impressions i JOIN conversions v ON i.d = v.ts GROUP BY i.campaign_id`;
    const run = runCli(home, ['query', 'run', 'c', '--as', 'brand', '--sql', sql, '--format', 'json']);
    expect(run.code).toBe(3);
    const verdict = JSON.parse(run.stdout) as { id: string; status: string; error: { code: string; fragment?: string } };
    expect(verdict).toMatchObject({ status: 'refused', error: { code: 'type-mismatch', fragment: 'i.d = v.ts' } });
    const text = runCli(home, ['query', 'run', 'c', '--as', 'brand', '--sql', sql, '--format', 'table']);
    expect(text.code).toBe(3);
    expect(text.stdout + text.stderr).toContain('type-mismatch');
    const seen = [run, text,
      runCli(home, ['query', 'logs', 'c', '--as', 'brand', '--format', 'json']),
      runCli(home, ['query', 'logs', 'c', '--as', 'brand', '--format', 'table']),
      runCli(home, ['query', 'list', 'c', '--as', 'brand', '--format', 'json']),
      runCli(home, ['results', 'list', '--as', 'brand', '--format', 'json']),
    ];
    for (const out of seen) {
      for (const secret of SECRETS) expect(out.stdout + out.stderr).not.toContain(secret);
      expect(out.stdout + out.stderr).not.toMatch(/Conversion Error|INT32|can't be cast/);
    }
    const logs = JSON.parse(seen[2]!.stdout) as { id: string; error?: { code: string } }[];
    expect(logs.find((e) => e.id === verdict.id)?.error?.code).toBe('type-mismatch');
  }, 120_000);
});

/** What the brand can observe of an outcome: status and code. */
function observable(outcome: QueryOutcome): string {
  if (outcome.status === 'succeeded') return `succeeded:${outcome.delivery?.rowCount ?? 'n/a'}`;
  if (outcome.status === 'accepted') return 'accepted';
  return `${outcome.status}:${outcome.error.code}`;
}

describe('one-bit oracles: whether the engine fails must not depend on rows the runner cannot see', () => {
  // The brand plants two conversions for a target; the correlated scalar subquery returns
  // two rows, and DuckDB raises, only if the target is in the platform's impressions,
  // although the output constraint (3 people) hides every row about the target.
  // Fix (outside this file): `SET scalar_subquery_error_on_multiple_rows = false` in the
  // engine's seal(), or refuse scalar subqueries that are not single-row by construction.
  it('ONE-BIT ORACLE: a correlated scalar subquery fails only if the planted target is in impressions', async () => {
    const absent = (await build('custom', 'nobody@victim.example')).workspace;
    const sql = `${GROUPED}, MAX((SELECT v.transaction_id FROM conversions v WHERE v.email_address = i.email_address)) AS m ` +
      'FROM impressions i GROUP BY i.campaign_id';
    const withTarget = await runQuery(custom, 'c', 'brand', sql);
    const withoutTarget = await runQuery(absent, 'c', 'brand', sql);
    expect(observable(withoutTarget)).not.toMatch(/^failed:/);
    // Today: failed:subquery-returned-several-rows with the target, succeeded:1 without.
    expect(observable(withTarget)).toBe(observable(withoutTarget));
  });

  // DuckDB casts a non-boolean condition to BOOLEAN, row by row, and AND evaluates its
  // right side only on the rows its left side kept: `NOT i.device_type` would fail only
  // if a row with the target's e-mail exists, although the output constraint (3 people)
  // hides every row about the target. No planted data needed. The custom validator
  // requires BOOLEAN operands of WHERE/ON/HAVING/CASE WHEN/NOT/AND/OR (and integer
  // LAG/LEAD offsets, a LAG/LEAD default of the value's type): both probes are refused.
  it('ONE-BIT ORACLE: `e-mail = <target> AND NOT <text column>` fails only if the target is in impressions', async () => {
    const probe = (email: string): string =>
      `${GROUPED} FROM impressions i WHERE i.email_address = '${email}' AND NOT i.device_type GROUP BY i.campaign_id`;
    const present = await runQuery(custom, 'c', 'brand', probe('zed.secret@victim.example'));
    const absent = await runQuery(custom, 'c', 'brand', probe('nobody@victim.example'));
    expect(observable(absent)).not.toMatch(/^failed:/);
    // Before the fix: failed:conversion-failed for the present person, succeeded:0 for the absent one.
    expect(observable(present)).toBe(observable(absent));
    expect(observable(present)).toBe('refused:condition-not-boolean');
  });

  // DuckDB casts DATE to TIMESTAMP for a comparison, a join, COALESCE or UNION, and the
  // cast fails on a date outside the timestamp range: whether the platform's table holds
  // one would be visible. The validators refuse DATE vs TIMESTAMP wherever two values
  // are made one type (an explicit CAST is printed as TRY_CAST).
  it('ONE-BIT ORACLE: a DATE/TIMESTAMP comparison fails only if the platform has an out-of-range date', async () => {
    const sql = `${GROUPED} FROM impressions i WHERE i.d < i.ts GROUP BY i.campaign_id`;
    // Before the fix: failed:conversion-failed. A refusal (for the query alone) or a success would do.
    expect(observable(await runQuery(custom, 'c', 'brand', sql))).toBe('refused:type-mismatch');
  });
});
