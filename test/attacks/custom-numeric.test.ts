/**
 * Custom-rule attack suite 1/2 — no data-dependent failure inside custom SQL.
 *
 * An engine error is hidden from the member, but whether a query fails is one bit. The
 * brand is an analysis provider (ANY_QUERY) on its own conversions and on the platform's
 * impressions. It registers its conversions as Parquet with wide types (DECIMAL(38,0),
 * DECIMAL(38,30), BIGINT near the limit, a date far outside the timestamp range) and
 * plants rows for a target e-mail next to rows of three people it knows are in impressions
 * (so the impressions' output constraint of 3 people is met). Each query below joins the
 * platform's impressions, so the planted values reach an aggregate only if the target is
 * in impressions. The safe behaviour: the two worlds look the same to the brand (both
 * succeed, with the same number of rows, or both are refused for a reason that depends
 * on the query only).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQuery, type QueryOutcome } from '../../src/collaboration/run-query.ts';
import { updateTable } from '../../src/collaboration/tables.ts';
import type { Workspace } from '../../src/collaboration/workspace.ts';
import { filesWorkspace, rowsOf, writeParquet } from '../support/attack-support.ts';

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

const D38 = '99999999999999999999999999999999999999';
const I64 = '9000000000000000000';
// hidden@x.com is in the platform's impressions; the brand cannot see that.
// a, b, c are the brand's own known people (enough to pass the constraint of 3).
const IMPRESSIONS = 'email_address,creative_id,cost,campaign_id,device_type\na@x.com,cr1,1,cmp1,mobile\nb@x.com,cr1,2,cmp1,mobile\n' +
  'c@x.com,cr1,2,cmp1,mobile\nhidden@x.com,cr2,8,cmp1,desktop\n';
const CONVERSION_COLUMNS = ['email_address', 'transaction_id', 'price', 'qty', 'ratio', 'd', 'small', 'low'];
const MIN_BIGINT = '-9223372036854775808';

const workspaces: { workspace: Workspace; dir: string }[] = [];
let scratch: string;

async function brandPlanting(target: string): Promise<Workspace> {
  const dir = mkdtempSync(join(scratch, 'w-'));
  const row = (email: string, t: string, price: string, qty: string, ratio: string, d: string, small: string): string =>
    `('${email}', '${t}', CAST('${price}' AS DECIMAL(38,0)), CAST('${qty}' AS BIGINT), CAST('${ratio}' AS DECIMAL(38,30)), ` +
    `CAST('${d}' AS DATE), CAST('${small}' AS DECIMAL(12,2)), CAST('${email === target ? MIN_BIGINT : '1'}' AS BIGINT))`;
  const conversions = await writeParquet(dir, 'conversions', `SELECT * FROM (VALUES
      ${row(target, 't1', D38, I64, '1.5', '5881580-07-10', '10.25')},
      ${row(target, 't2', D38, I64, '1.5', '5881580-07-10', '10.25')},
      ${row('a@x.com', 't4', '1', '1', '1.5', '2024-01-01', '1.50')},
      ${row('b@x.com', 't5', '1', '1', '1.5', '2024-01-01', '1.50')},
      ${row('c@x.com', 't6', '1', '1', '1.5', '2024-01-01', '1.50')}
    ) t(email_address, transaction_id, price, qty, ratio, d, small, low)`);
  const customers = join(dir, 'customers.csv');
  const impressions = join(dir, 'impressions.csv');
  writeFileSync(customers, 'email_address,state,birth_country\na@x.com,CA,US\n');
  writeFileSync(impressions, IMPRESSIONS);
  const built = await filesWorkspace({ customers, conversions, impressions },
    { conversions: provider(['email_address']), impressions: provider(['email_address'], 3) });
  await updateTable(built.workspace.db, 'brand', 'conversions', CONVERSION_COLUMNS, undefined);
  await updateTable(built.workspace.db, 'platform', 'impressions', ['email_address', 'campaign_id', 'cost'], undefined);
  workspaces.push(built);
  return built.workspace;
}

/** What the brand can observe: the status and the error code (the text is hidden anyway). */
function observable(outcome: QueryOutcome): string {
  if (outcome.status === 'succeeded') return `succeeded:${outcome.delivery?.rowCount ?? 'n/a'}`;
  if (outcome.status === 'accepted') return 'accepted';
  return `${outcome.status}:${outcome.error.code}`;
}

let present: Workspace;
let absent: Workspace;
beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'cr-custom-num-'));
  present = await brandPlanting('hidden@x.com');
  absent = await brandPlanting('absent@x.com');
});
afterAll(async () => {
  for (const w of workspaces) await w.workspace.close();
  rmSync(scratch, { recursive: true, force: true });
});

const JOIN = 'FROM conversions v JOIN impressions i ON v.email_address = i.email_address';
const ORACLES: [string, string][] = [
  ['SUM over DECIMAL(38,0)', `SELECT SUM(v.price) AS s ${JOIN}`],
  ['AVG over DECIMAL(38,0), grouped', `SELECT i.campaign_id, AVG(v.price) AS s ${JOIN} GROUP BY i.campaign_id`],
  ['SUM(DISTINCT) over DECIMAL(38,0)', `SELECT SUM(DISTINCT v.price) AS s ${JOIN}`],
  ['SUM of a TRY-wrapped HUGEINT product (the SUM overflows)', `SELECT SUM(CAST(v.qty AS HUGEINT) * 10000000000000000000) AS s ${JOIN}`],
  ['SUM(x) * SUM(y) in the outer SELECT', `SELECT SUM(v.qty) * SUM(v.qty) AS s ${JOIN}`],
  ['arithmetic over aggregates in HAVING', `SELECT i.campaign_id, COUNT(*) AS n ${JOIN} GROUP BY i.campaign_id HAVING SUM(v.qty) * SUM(v.qty) * 10 > 0`],
  ['unary minus of MIN(BIGINT)', `SELECT -MIN(v.low) AS s ${JOIN}`],
  ['ABS of MIN(BIGINT)', `SELECT ABS(MIN(v.low)) AS s ${JOIN}`],
  ['comparison of SUM(DECIMAL(38,30)) with an integer', `SELECT COUNT(*) AS n ${JOIN} HAVING SUM(v.ratio) = 1000000000`],
  ['window SUM over DECIMAL(38,0)', `SELECT COUNT(*) AS n FROM (SELECT i.email_address, SUM(v.price) OVER () AS s ${JOIN}) w`],
  ['window LAG times a constant', `SELECT COUNT(*) AS n, MAX(w.s) AS m FROM (SELECT i.email_address, LAG(v.qty) OVER (ORDER BY v.transaction_id) * 100 AS s ${JOIN}) w`],
  ['scalar subquery times a constant', `SELECT i.campaign_id, COUNT(*) AS n,
     MAX((SELECT MAX(w.qty) FROM conversions w WHERE w.transaction_id = v.transaction_id) * 100) AS m ${JOIN} GROUP BY i.campaign_id`],
  ['date_trunc of an out-of-range date', `SELECT date_trunc('month', v.d) AS m, COUNT(*) AS n ${JOIN} GROUP BY 1`],
  ['date_diff of a DATE and a TIMESTAMP', `SELECT date_diff('day', v.d, TIMESTAMP '2000-01-01') AS m, COUNT(*) AS n ${JOIN} GROUP BY 1`],
  ['SUM(SUM(x)) OVER () (window over an aggregate)', `SELECT i.campaign_id, SUM(SUM(v.price)) OVER () AS s ${JOIN} GROUP BY i.campaign_id`],
];

describe('no data-dependent engine failure in custom SQL', () => {
  it.each(ORACLES)('ONE-BIT ORACLE: %s', async (_label, sql) => {
    const withTarget = await runQuery(present, 'c', 'brand', sql);
    const withoutTarget = await runQuery(absent, 'c', 'brand', sql);
    expect(observable(withoutTarget)).toMatch(/^succeeded:/);
    expect(observable(withTarget)).toBe(observable(withoutTarget));
  });

  it.each([
    ['date arithmetic on an aggregate', `SELECT MAX(v.d) + INTERVAL 1 DAY AS m ${JOIN}`, "MAX(v.d) + INTERVAL '1' DAY"],
    ['DATEADD on a window value', `SELECT COUNT(*) AS n, MAX(w.m) AS m FROM (SELECT i.email_address, DATEADD(day, 1, LAG(v.d) OVER (ORDER BY v.transaction_id)) AS m ${JOIN}) w`, 'DATEADD(day, 1, LAG(v.d) OVER (ORDER BY v.transaction_id))'],
    ['date_trunc on an aggregate', `SELECT date_trunc('month', MAX(v.d)) AS m ${JOIN}`, "date_trunc('month', MAX(v.d))"],
  ])('refuses, for the query alone, %s (it cannot be guarded)', async (_label, sql, fragment) => {
    for (const w of [present, absent]) {
      const out = await runQuery(w, 'c', 'brand', sql);
      expect(out).toMatchObject({ status: 'refused', error: { code: 'unguarded-date-arithmetic', rule: 'custom', fragment } });
      if (out.status === 'refused') {
        expect(out.error.message).toBe('custom rule: date and time arithmetic cannot take an aggregate, window or subquery value here (the engine cannot guard it against out-of-range dates)');
      }
    }
  });

  it('the same date arithmetic runs in an outer query over a subquery (guarded there)', async () => {
    const out = await runQuery(absent, 'c', 'brand', `SELECT COUNT(*) AS n, MAX(s.m + INTERVAL 1 DAY) AS m FROM (SELECT i.email_address, MAX(v.d) AS m ${JOIN} GROUP BY i.email_address) s`);
    expect(observable(out)).toBe('succeeded:1');
  });
});

describe('exact results stay exact where a sum cannot overflow', () => {
  const own = 'FROM conversions v';
  it('SUM of a DECIMAL(12,2) column, and of CASE/COALESCE over it, stay DECIMAL', async () => {
    const out = await runQuery(absent, 'c', 'brand', `SELECT SUM(v.small) AS s, SUM(CASE WHEN v.transaction_id = 't4' THEN v.small END) AS t,
      SUM(COALESCE(v.small, 0)) AS u, COUNT(*) AS n ${own}`);
    if (out.status !== 'succeeded' || !out.delivery) throw new Error(`expected rows, got ${JSON.stringify(out)}`);
    expect(out.delivery.columns.map((c) => c.type)).toEqual(['DECIMAL(38,2)', 'DECIMAL(38,2)', 'DECIMAL(38,2)', 'BIGINT']);
    expect(rowsOf(out)).toEqual([['25.00', '1.50', '25.00', 5]]);
  });
  it('SUM over DECIMAL(38,0) is computed over DOUBLE (approximate, never an error)', async () => {
    const out = await runQuery(absent, 'c', 'brand', `SELECT SUM(v.price) AS s, SUM(v.qty) * 2 AS q ${own} WHERE v.transaction_id IN ('t1', 't4')`);
    if (out.status !== 'succeeded' || !out.delivery) throw new Error(`expected rows, got ${JSON.stringify(out)}`);
    expect(out.delivery.columns.map((c) => c.type)).toEqual(['DOUBLE', 'DOUBLE']);
    expect(rowsOf(out)).toEqual([[1e38, 2 * (9e18 + 1)]]);
  });
});
