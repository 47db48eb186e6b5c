import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdbDialect } from '../../sql/dialect.ts';
import { printQuery } from '../../sql/print.ts';
import { CustomChecker, customContext, customRule } from '../custom-test-fixtures.ts';
import type { DpQuery } from '../dp-shape.ts';
import { DP_USERS_COLUMN, fixedPointBound, planDp } from './plan-dp.ts';

/**
 * The DP planner's exact stage on real DuckDB, against hand-worked contribution
 * bounding. impressions is differentially private on email_address; the brand's
 * customers table is the runner's own (it can plant rows in it).
 *
 * impressions: u1 → c1 three times (cost 10, 20, 200) and c2 once (5); u2 → c1 once
 * (50); u3 → c2 twice (−10, 30); one row without a user on c1 (1).
 */
let db: DuckDBInstance;
let c: DuckDBConnection;
let checker: CustomChecker;
const ctx = customContext({ impressions: customRule({ differentialPrivacy: { columns: [{ name: 'email_address' }] } }) });

beforeAll(async () => {
  checker = await CustomChecker.create();
  db = await DuckDBInstance.create(':memory:');
  c = await db.connect();
  await c.run(`CREATE TABLE impressions AS SELECT * FROM (VALUES
    ('u1', 'c1', 10.0), ('u1', 'c1', 20.0), ('u1', 'c1', 200.0), ('u1', 'c2', 5.0),
    ('u2', 'c1', 50.0), ('u3', 'c2', -10.0), ('u3', 'c2', 30.0), (NULL, 'c1', 1.0)) AS t(email_address, campaign_id, cost)`);
  await c.run(`CREATE TABLE customers AS SELECT * FROM (VALUES ('u1', 'CA'), ('u2', 'NY'), ('u3', 'NY')) AS t(email_address, state)`);
});
afterAll(() => {
  c.closeSync();
  db.closeSync();
  checker.close();
});

async function dpOf(sql: string): Promise<DpQuery> {
  const v = await checker.accepted(sql, ctx);
  if (v.dp === undefined) throw new Error('not a DP query');
  return v.dp;
}

async function exact(dp: DpQuery, maxGroupsPerUser: number, maxRowsPerGroup: number, secret = 's'): Promise<Record<string, number | string>[]> {
  const plan = planDp(dp, secret, { maxGroupsPerUser, maxRowsPerGroup });
  const reader = await c.runAndReadAll(`${printQuery(plan.query, duckdbDialect)} ORDER BY 1`);
  const names = reader.columnNames();
  return reader.getRowsJson().map((row) => Object.fromEntries(row.map((v, i) => [names[i] ?? '', typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : (v as number | string)])));
}

const QUERY = `SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS users, COUNT(*) AS n, SUM(LEAST(GREATEST(i.cost, 0), 100)) AS s
  FROM impressions i GROUP BY i.campaign_id`;

describe('planDp: the exact stage bounds every user', () => {
  it('caps rows per group at L and clamps values, dropping rows without a user', async () => {
    // C = 2 keeps every group. L = 2:
    // c1: u1 rows min(3, 2) = 2, sum of clamped 10 + 20 + 100 = 130 (≤ L × 100); u2: 1 row, 50 → users 2, n 3, s 180.
    // c2: u1 1 row, 5; u3 2 rows, 0 + 30 = 30 → users 2, n 3, s 35. Sums are in 10^-4 units.
    const rows = await exact(await dpOf(QUERY), 2, 2);
    expect(rows).toEqual([
      { __cr_k0: 'c1', [DP_USERS_COLUMN]: 2, __cr_c2: 3, __cr_s3: 1_800_000 },
      { __cr_k0: 'c2', [DP_USERS_COLUMN]: 2, __cr_c2: 3, __cr_s3: 350_000 },
    ]);
  });

  it('caps a user\'s summed value at L × the bound', async () => {
    // L = 1: u1 in c1 sums 130 but may add at most 1 × 100; u2 50 → s = 150.
    const rows = await exact(await dpOf(QUERY), 2, 1);
    expect(rows[0]).toMatchObject({ __cr_k0: 'c1', __cr_c2: 2, __cr_s3: 1_500_000 });
  });

  it('keeps at most C groups per user, chosen by the keyed hash', async () => {
    // C = 1: u1 counts in exactly one of c1, c2 (u2 and u3 have one group each): 3 users in all.
    const dp = await dpOf(QUERY);
    const chosen = new Set<string>();
    for (const secret of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) {
      const rows = await exact(dp, 1, 5, secret);
      expect(rows.reduce((t, r) => t + Number(r[DP_USERS_COLUMN]), 0)).toBe(3);
      chosen.add(String(rows.find((r) => r[DP_USERS_COLUMN] === 2)?.__cr_k0));
    }
    // Different secrets choose differently (8 secrets all choosing the same group: p = 2^-7).
    expect(chosen.size).toBe(2);
  });

  it('ATTACK (planted duplicates, Wilson et al. 2020 §3): 1000 copies of a target in the runner\'s table add at most L rows', async () => {
    const dp = await dpOf(`SELECT c.state, COUNT(*) AS n FROM impressions i JOIN customers c ON c.email_address = i.email_address GROUP BY c.state`);
    const before = await exact(dp, 1, 3);
    await c.run(`INSERT INTO customers SELECT 'u2', 'NY' FROM range(1000)`);
    const after = await exact(dp, 1, 3);
    await c.run(`DELETE FROM customers WHERE email_address = 'u2' AND rowid > 2`);
    const ny = (rows: Record<string, number | string>[]): number => Number(rows.find((r) => r.__cr_k0 === 'NY')?.__cr_c1);
    // Before: u2 1 row + u3 2 rows = 3. After: u2's one impression joins 1001 customer rows,
    // capped at L = 3, so NY = 3 + 2 = 5 (unbounded it would be 1003).
    expect(ny(before)).toBe(3);
    expect(ny(after)).toBe(5);
  });
});

describe('fixedPointBound', () => {
  it('reads literals exactly in 10^-4 units', () => {
    const lit = (value: string): Parameters<typeof fixedPointBound>[0] => ({ kind: 'literal', value: { type: 'decimal', value } });
    expect(fixedPointBound(lit('99.99'))).toBe(999_900n);
    expect(fixedPointBound({ kind: 'unary', op: '-', operand: lit('2.5') })).toBe(-25_000n);
    expect(fixedPointBound({ kind: 'literal', value: { type: 'integer', value: '100' } })).toBe(1_000_000n);
    expect(fixedPointBound({ kind: 'literal', value: { type: 'double', value: 1e3 } })).toBe(10_000_000n);
  });
});

describe('planDp: public group keys', () => {
  it('returns every listed key, with zero totals for keys no user has, and only those', async () => {
    const dp = await dpOf(`SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS users, COUNT(*) AS n FROM impressions i
      WHERE i.campaign_id IN ('c1', 'c9', 'c1') GROUP BY i.campaign_id`);
    expect(dp.publicKeys?.[0]?.length).toBe(3);
    // c1: u1 (3 rows, capped at L = 2) and u2 (1 row) → users 2, n 3; c9: nobody → 0, 0; c2 is not listed.
    expect(await exact(dp, 2, 2)).toEqual([
      { __cr_k0: 'c1', [DP_USERS_COLUMN]: 2, __cr_c2: 3 },
      { __cr_k0: 'c9', [DP_USERS_COLUMN]: 0, __cr_c2: 0 },
    ]);
  });

  it('are private (selected by noise) when any key is not fixed by the query', async () => {
    const dp = await dpOf(`SELECT i.campaign_id, COUNT(*) AS n FROM impressions i WHERE i.campaign_id <> 'c9' GROUP BY i.campaign_id`);
    expect(dp.publicKeys).toBeUndefined();
  });
});

describe('planDp: red-team regressions', () => {
  it('ATTACK (one group released many times): a public key listed in several spellings (1, 1.0, 1e0) is one group', async () => {
    const dp = await dpOf(`SELECT CASE WHEN i.cost > 3 THEN 1 ELSE 0 END AS big, COUNT(DISTINCT i.email_address) AS users FROM impressions i
      WHERE CASE WHEN i.cost > 3 THEN 1 ELSE 0 END IN (1, 1.0, 1.00, 1e0) GROUP BY CASE WHEN i.cost > 3 THEN 1 ELSE 0 END`);
    expect(dp.publicKeys?.[0]?.length).toBe(4);
    const rows = await exact(dp, 2, 2);
    // Costs above 3: u1 (10, 20, 200, 5), u2 (50), u3 (30): one group of 3 users.
    expect(rows).toHaveLength(1);
    expect(rows[0]?.[DP_USERS_COLUMN]).toBe(3);
  });
});

describe('planDp: public keys in the keys\' own type', () => {
  it('ATTACK (one group released many times): literals distinct as DECIMAL but equal as DOUBLE match a DOUBLE key once', async () => {
    const list = ['0', '1', ...Array.from({ length: 30 }, (_, i) => `1.${'0'.repeat(18)}${String(i + 1).padStart(2, '0')}`)].join(', ');
    const keyExpr = 'CAST(CASE WHEN i.cost > 3 THEN 1 ELSE 0 END AS DOUBLE)';
    const dp = await dpOf(`SELECT ${keyExpr} AS big, COUNT(DISTINCT i.email_address) AS users FROM impressions i
      WHERE ${keyExpr} IN (${list}) GROUP BY ${keyExpr}`);
    const rows = await exact(dp, 2, 2);
    // As DOUBLE the 32 listed values are two: 0 (u3's cost −10) and 1 (costs above 3), each once.
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => Number(r.__cr_k0)).sort()).toEqual([0, 1]);
  });
});
