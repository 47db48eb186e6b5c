import { DuckDBInstance } from '@duckdb/node-api';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { associate } from '../src/collaboration/associations.ts';
import { acceptCollaboration, createCollaboration } from '../src/collaboration/collaborations.ts';
import { createDataset } from '../src/collaboration/datasets.ts';
import { runInsight } from '../src/collaboration/insights.ts';
import { createMember } from '../src/collaboration/members.ts';
import { queryLogs } from '../src/collaboration/query-logs.ts';
import { exportResult, listResults } from '../src/collaboration/results.ts';
import { runQuery, type DeliveryOptions, type QueryOutcome } from '../src/collaboration/run-query.ts';
import { createTable } from '../src/collaboration/tables.ts';
import { Workspace } from '../src/collaboration/workspace.ts';
import type { CellValue } from '../src/engine/engine.ts';
import { runCli } from './support/run-cli.ts';

/**
 * Delivery options for list results (RULES.md "List rule": normalising or hashing
 * identifiers for an activation platform is applied after the query, not in SQL).
 * Expected values are computed here with node:crypto, independently of DuckDB.
 */
const normalise = (s: string): string => s.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, '').toLowerCase();
const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const hashed = (v: CellValue): CellValue => (typeof v === 'string' ? sha256(normalise(v)) : v);

// Identifiers are stored the same (messy) way on both sides, so they join exactly.
// customers (brand): email, status, created, spend; the platform saw A, B, C, D and y.
//   active & seen: ' A@X.com ', 'B@x.COM<tab>', 'c@x.com'   -> 3 identifiers
//   D is churned; e was never seen; y is not a customer.
const CUSTOMERS = [
  [' A@X.com ', 'active', '2020-01-01', 10],
  ['B@x.COM\t', 'active', '2021-06-01', 20],
  ['c@x.com', 'active', '2022-03-01', 30],
  ['D@x.com', 'churned', '2022-03-01', 40],
  ['e@x.com', 'active', '2023-01-01', 50],
] as const;
const IMPRESSIONS = [' A@X.com ', ' A@X.com ', 'B@x.COM\t', 'c@x.com', 'D@x.com', 'y@x.com'];

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const listRule = (listColumns: string[], minimumListSize: number): unknown => ({
  v1: { list: { joinColumns: ['email_address'], listColumns, minimumListSize } },
});

const ACTIVE = `SELECT DISTINCT i.email_address AS email_address FROM customers c
  INNER JOIN impressions i ON c.email_address = i.email_address WHERE c.status = 'active'`;
const ACTIVE_WITH_SPEND = `SELECT DISTINCT i.email_address AS email_address, c.spend AS spend FROM customers c
  INNER JOIN impressions i ON c.email_address = i.email_address WHERE c.status = 'active'`;
// Active, seen, spend >= 20: B and c only, below the minimum list size of 3.
const TOO_SMALL = `${ACTIVE} AND c.spend >= 20`;

const FULL: DeliveryOptions = { normalize: ['email_address'], hash: { email_address: 'sha256' } };

function sortedRows(rows: readonly (readonly CellValue[])[]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort();
}

function rowsOf(outcome: QueryOutcome): readonly (readonly CellValue[])[] {
  if (outcome.status !== 'succeeded' || !outcome.delivery) throw new Error(`expected a delivery, got ${JSON.stringify(outcome)}`);
  return outcome.delivery.rows;
}

function refusal(outcome: QueryOutcome): { code: string; message: string } {
  if (outcome.status !== 'refused') throw new Error(`expected a refusal, got ${outcome.status}`);
  return outcome.error;
}

describe('delivery options: --normalize and --hash on list results', () => {
  let dir: string;
  let home: string;
  let workspace: Workspace;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cr-delivery-'));
    home = join(dir, 'home');
    const setup = await DuckDBInstance.create(':memory:');
    const c = await setup.connect();
    const customers = CUSTOMERS.map(([e, s, d, n]) => `(${sqlString(e)}, '${s}', DATE '${d}', ${n})`).join(', ');
    await c.run(`COPY (SELECT * FROM (VALUES ${customers}) t(email_address, status, date_created, spend))
      TO ${sqlString(join(dir, 'customers.parquet'))} (FORMAT parquet)`);
    const impressions = IMPRESSIONS.map((e) => `(${sqlString(e)})`).join(', ');
    await c.run(`COPY (SELECT * FROM (VALUES ${impressions}) t(email_address))
      TO ${sqlString(join(dir, 'impressions.parquet'))} (FORMAT parquet)`);
    c.closeSync();
    setup.closeSync();

    workspace = await Workspace.open(home, { threads: 1, memoryLimit: '1GB' });
    for (const m of ['brand', 'platform']) await createMember(workspace.db, m);
    await createDataset(workspace, 'brand', 'customers', [join(dir, 'customers.parquet')]);
    await createDataset(workspace, 'platform', 'impressions', [join(dir, 'impressions.parquet')]);
    await createTable(workspace.db, 'brand', 'customers', 'customers', undefined,
      listRule(['email_address', 'status', 'date_created', 'spend'], 0));
    await createTable(workspace.db, 'platform', 'impressions', 'impressions', undefined, listRule(['email_address'], 3));
    // The same customers under an aggregation rule and under a custom rule (ad-hoc SQL).
    await createTable(workspace.db, 'brand', 'customers_agg', 'customers', undefined, {
      v1: {
        aggregation: {
          aggregateColumns: [{ columnNames: ['email_address'], function: 'COUNT_DISTINCT' }],
          joinColumns: ['email_address'],
          dimensionColumns: ['status'],
          scalarFunctions: [],
          outputConstraints: [{ columnName: 'email_address', minimum: 2, type: 'COUNT_DISTINCT' }],
        },
      },
    });
    await createTable(workspace.db, 'brand', 'customers_custom', 'customers', ['email_address', 'status'], {
      v1: { custom: { allowedAnalyses: ['ANY_QUERY'], allowedAnalysisProviders: ['brand'] } },
    });
    await createCollaboration(workspace.db, 'brand', 'media', [
      { member: 'brand', query: true, receive: true },
      { member: 'platform', query: false, receive: true },
    ], true);
    await acceptCollaboration(workspace.db, 'platform', 'media');
    for (const t of ['customers', 'customers_agg', 'customers_custom']) await associate(workspace.db, 'media', 'brand', t, t, undefined);
    await associate(workspace.db, 'media', 'platform', 'impressions', 'impressions', undefined);
  });

  afterAll(async () => {
    await workspace?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers exactly sha256(lower(trim(x))) of the rows the plain list delivers', async () => {
    const plain = rowsOf(await runQuery(workspace, 'media', 'brand', ACTIVE));
    // By hand: the three active customers the platform saw, as stored.
    expect(sortedRows(plain)).toEqual(sortedRows([[' A@X.com '], ['B@x.COM\t'], ['c@x.com']]));
    const delivered = rowsOf(await runQuery(workspace, 'media', 'brand', ACTIVE, { delivery: FULL }));
    expect(sortedRows(delivered)).toEqual(sortedRows(plain.map((r) => r.map(hashed))));
    expect(sortedRows(delivered)).toEqual(sortedRows([[sha256('a@x.com')], [sha256('b@x.com')], [sha256('c@x.com')]]));
  });

  it('hashes as stored without --normalize, normalises without --hash, and leaves other columns alone', async () => {
    const plain = rowsOf(await runQuery(workspace, 'media', 'brand', ACTIVE_WITH_SPEND));
    const hashOnly = rowsOf(await runQuery(workspace, 'media', 'brand', ACTIVE_WITH_SPEND, { delivery: { hash: { email_address: 'sha256' } } }));
    const normOnly = rowsOf(await runQuery(workspace, 'media', 'brand', ACTIVE_WITH_SPEND, { delivery: { normalize: ['EMAIL_ADDRESS'] } }));
    // Only the first column (email_address) changes; spend is delivered as it was.
    const first = (f: (v: string) => string) => (r: readonly CellValue[]): CellValue[] =>
      r.map((v, i) => (i === 0 && typeof v === 'string' ? f(v) : v));
    expect(sortedRows(hashOnly)).toEqual(sortedRows(plain.map(first(sha256))));
    expect(sortedRows(normOnly)).toEqual(sortedRows(plain.map(first(normalise))));
    expect(plain.map((r) => r[1]).sort()).toEqual([10, 20, 30]);
  });

  it('keeps the minimum list size: a list too small is refused before any hashing', async () => {
    const plain = refusal(await runQuery(workspace, 'media', 'brand', TOO_SMALL));
    const withHash = refusal(await runQuery(workspace, 'media', 'brand', TOO_SMALL, { delivery: FULL }));
    expect(plain.code).toBe('list-too-small');
    expect(withHash).toEqual(plain);
  });

  it('delivers only hashes to the receiving platform, and records the options in the query log', async () => {
    const before = (await listResults(workspace, 'platform')).length;
    const outcome = await runQuery(workspace, 'media', 'brand', ACTIVE, { receiver: 'platform', delivery: FULL });
    expect(outcome.status).toBe('succeeded');
    if (outcome.status !== 'succeeded') return;
    expect(outcome.delivery).toBeUndefined(); // the runner is not the receiver
    const results = await listResults(workspace, 'platform');
    expect(results).toHaveLength(before + 1);
    const result = results.find((r) => r.queryId === outcome.id);
    if (!result) throw new Error('no result for the query');
    // The stored result is encrypted: the receiver's plaintext copy is what it gets.
    const exported = join(mkdtempSync(join(tmpdir(), 'cr-delivery-')), 'result.parquet');
    await exportResult(workspace, 'platform', result.id, exported);
    const reader = await DuckDBInstance.create(':memory:');
    const c = await reader.connect();
    const read = await c.runAndReadAll(`SELECT email_address FROM read_parquet(${sqlString(exported)}) ORDER BY 1`);
    c.closeSync();
    reader.closeSync();
    expect(read.getRowsJson().map((r) => r[0])).toEqual([sha256('a@x.com'), sha256('b@x.com'), sha256('c@x.com')].sort());
    for (const viewer of ['brand', 'platform']) {
      const entry = (await queryLogs(workspace.db, 'media', viewer)).find((e) => e.id === outcome.id);
      expect(entry?.delivery).toEqual([{ column: 'email_address', normalize: true, hash: 'sha256' }]);
    }
  });

  it('shows the delivered form in a dry run', async () => {
    const dry = await runQuery(workspace, 'media', 'brand', ACTIVE, { delivery: FULL, dryRun: true });
    expect(dry.status).toBe('accepted');
    if (dry.status !== 'accepted') return;
    expect(dry.sql).toMatch(/^SELECT \* REPLACE \(sha256\(lower\(trim\("email_address", /);
  });

  it('refuses delivery options for aggregation and custom results', async () => {
    const aggregation = 'SELECT status, COUNT(DISTINCT email_address) AS n FROM customers_agg GROUP BY status';
    expect((await runQuery(workspace, 'media', 'brand', aggregation)).status).toBe('succeeded');
    const agg = refusal(await runQuery(workspace, 'media', 'brand', aggregation, { delivery: { hash: { status: 'sha256' } } }));
    expect(agg.code).toBe('delivery-option-not-allowed');
    expect(agg.message).toContain('list-rule results only');
    expect(agg.message).toContain('aggregation');
    const custom = 'SELECT DISTINCT email_address FROM customers_custom';
    const plainCustom = await runQuery(workspace, 'media', 'brand', custom);
    expect(plainCustom.status, JSON.stringify(plainCustom)).toBe('succeeded');
    const cus = refusal(await runQuery(workspace, 'media', 'brand', custom, { delivery: FULL }));
    expect(cus.code).toBe('delivery-option-not-allowed');
    expect(cus.message).toContain('custom');
    // Refused in a dry run too, and logged with the options asked for.
    expect(refusal(await runQuery(workspace, 'media', 'brand', custom, { delivery: FULL, dryRun: true })).code).toBe('delivery-option-not-allowed');
    const logged = (await queryLogs(workspace.db, 'media', 'brand')).filter((e) => e.error?.code === 'delivery-option-not-allowed');
    expect(logged.map((e) => e.delivery)).toContainEqual([{ column: 'email_address', normalize: true, hash: 'sha256' }]);
  });

  it('refuses an unknown output column, naming it, and a column that is not text', async () => {
    const unknown = refusal(await runQuery(workspace, 'media', 'brand', ACTIVE, { delivery: { hash: { email: 'sha256' } } }));
    expect(unknown.code).toBe('unknown-column');
    expect(unknown.message).toContain("'email'");
    // c.status is a list column but not in this query's output.
    const notOutput = refusal(await runQuery(workspace, 'media', 'brand', ACTIVE, { delivery: { normalize: ['status'] } }));
    expect(notOutput.code).toBe('unknown-column');
    expect(notOutput.message).toContain("'status'");
    const numeric = refusal(await runQuery(workspace, 'media', 'brand', ACTIVE_WITH_SPEND, { delivery: { hash: { spend: 'sha256' } } }));
    expect(numeric.code).toBe('delivery-option-not-allowed');
    expect(numeric.message).toContain("column 'spend' is not text");
  });

  it('segment-export through runInsight with the options', async () => {
    const { outcome } = await runInsight(workspace, 'segment-export', 'media', 'brand', {}, { delivery: FULL });
    // Active customers the platform saw, created since 1900: A, B, c.
    expect(sortedRows(rowsOf(outcome))).toEqual(sortedRows([[sha256('a@x.com')], [sha256('b@x.com')], [sha256('c@x.com')]]));
  });

  it('CLI: query run and insights run take --normalize and --hash', async () => {
    await workspace.close();
    try {
      const run = runCli(home, ['query', 'run', 'media', '--as', 'brand', '--sql', ACTIVE,
        '--normalize', 'email_address', '--hash', 'email_address=sha256', '--format', 'json']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const out = JSON.parse(run.stdout) as { columns: string[]; rows: CellValue[][] };
      expect(out.columns).toEqual(['email_address']);
      expect(sortedRows(out.rows)).toEqual(sortedRows([[sha256('a@x.com')], [sha256('b@x.com')], [sha256('c@x.com')]]));

      const insight = runCli(home, ['insights', 'run', 'segment-export', 'media', '--as', 'brand', '--receiver', 'platform',
        '--normalize', 'email_address', '--hash', 'email_address=sha256', '--format', 'json']);
      expect(insight.code).toBe(0);
      expect((JSON.parse(insight.stdout) as { status: string }).status).toBe('succeeded');

      const unknown = runCli(home, ['query', 'run', 'media', '--as', 'brand', '--sql', ACTIVE, '--hash', 'email=sha256', '--format', 'json']);
      expect(unknown.code).toBe(3);
      expect((JSON.parse(unknown.stdout) as { error: { code: string } }).error.code).toBe('unknown-column');

      const md5 = runCli(home, ['query', 'run', 'media', '--as', 'brand', '--sql', ACTIVE, '--hash', 'email_address=md5']);
      expect(md5.code).toBe(2);
      expect(md5.stderr).toContain('sha256 only');
    } finally {
      workspace = await Workspace.open(home, { threads: 1, memoryLimit: '1GB' });
    }
  }, 60_000);
});
