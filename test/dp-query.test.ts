import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { associate } from '../src/collaboration/associations.ts';
import { acceptCollaboration, createCollaboration } from '../src/collaboration/collaborations.ts';
import { createDataset } from '../src/collaboration/datasets.ts';
import { createMember } from '../src/collaboration/members.ts';
import { setBudget } from '../src/collaboration/privacy-budgets.ts';
import { budgetReport } from '../src/collaboration/privacy-budget-report.ts';
import { queryLogs } from '../src/collaboration/query-logs.ts';
import { runQuery } from '../src/collaboration/run-query.ts';
import { createTable } from '../src/collaboration/tables.ts';
import { Workspace } from '../src/collaboration/workspace.ts';
import { generatedTestData, openTestDb, type GeneratedTestData, type TestDb } from '../src/insights/test-support.ts';

/**
 * Differentially private custom queries end to end: the platform's impressions table
 * declares differentialPrivacy on email_address and a budget; the brand runs ad-hoc
 * SQL. Expected exact values come from plain DuckDB over the generated files; the
 * released values must be within a few 95% error bounds of them (P(|noise| > 5b) for
 * discrete Laplace is about 0.05^5), spend budget, and stop when it is gone.
 */
const dpRule = {
  v1: {
    custom: {
      allowedAnalyses: ['ANY_QUERY'],
      allowedAnalysisProviders: ['brand'],
      disallowedOutputColumns: ['email_address'],
      differentialPrivacy: { columns: [{ name: 'email_address' }] },
    },
  },
};
const brandRule = {
  v1: { custom: { allowedAnalyses: ['ANY_QUERY'], allowedAnalysisProviders: ['brand'], disallowedOutputColumns: ['email_address'] } },
};

describe('differentially private custom queries', () => {
  let data: GeneratedTestData;
  let workspace: Workspace;
  let plain: TestDb;

  beforeAll(async () => {
    data = await generatedTestData({ seed: 3, scale: 60_000, platforms: 1 });
    plain = await openTestDb();
    workspace = await Workspace.open(join(data.dir, 'home'), { threads: 1, memoryLimit: '1GB' });
    for (const m of ['brand', 'platform']) await createMember(workspace.db, m);
    const imp = await createDataset(workspace, 'platform', 'impressions', [join(data.dir, 'platform1', 'impressions')]);
    await createTable(workspace.db, 'platform', 'impressions', 'impressions', imp.columns.map((c) => c.name), dpRule);
    const cust = await createDataset(workspace, 'brand', 'customers', [join(data.dir, 'brand', 'customers')]);
    await createTable(workspace.db, 'brand', 'customers', 'customers', cust.columns.map((c) => c.name), brandRule);
    await createCollaboration(workspace.db, 'brand', 'dp', [
      { member: 'brand', query: true, receive: true },
      { member: 'platform', query: false, receive: false },
    ], true);
    await acceptCollaboration(workspace.db, 'platform', 'dp');
    await associate(workspace.db, 'dp', 'platform', 'impressions', 'impressions', undefined);
    await associate(workspace.db, 'dp', 'brand', 'customers', 'customers', undefined);
  }, 120_000);

  afterAll(async () => {
    await workspace.close();
    plain.close();
    await data.remove();
  });

  it('refuses to run before the owner sets a budget', async () => {
    const outcome = await runQuery(workspace, 'dp', 'brand', 'SELECT COUNT(DISTINCT i.email_address) AS reach FROM impressions i');
    expect(outcome).toMatchObject({ status: 'refused', error: { code: 'privacy-budget-missing', table: 'impressions' } });
  });

  it('releases noisy reach and impressions per campaign within their error bounds, and spends budget', async () => {
    await setBudget(workspace, 'platform', 'impressions', { epsilon: 5, delta: 1e-6, usersNoisePerQuery: 30, refresh: 'none' });
    const sql = `SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS reach, COUNT(*) AS impressions
                 FROM impressions i GROUP BY i.campaign_id ORDER BY i.campaign_id`;
    // Bounds wide enough to keep every contribution: 5 campaigns, no user near 1000 impressions of one.
    const outcome = await runQuery(workspace, 'dp', 'brand', sql, { dp: { maxGroupsPerUser: 5, maxRowsPerGroup: 1000 } });
    if (outcome.status !== 'succeeded' || !outcome.delivery || !outcome.privacy) throw new Error(JSON.stringify(outcome));
    const exact = (await plain.query(
      `SELECT campaign_id, count(DISTINCT email_address), count(*) FROM ${data.tables.impressions} WHERE email_address IS NOT NULL GROUP BY 1 ORDER BY 1`,
    )).rows;
    const report = outcome.privacy;
    expect(report.mechanism).toBe('discrete Laplace');
    expect(report.contribution).toEqual({ maxGroupsPerUser: 5, maxRowsPerGroup: 1000 });
    const reachBound = report.columns.find((c) => c.name === 'reach')?.errorBound95 ?? 0;
    const impBound = report.columns.find((c) => c.name === 'impressions')?.errorBound95 ?? 0;
    expect(reachBound).toBeGreaterThan(0);
    expect(impBound).toBeGreaterThan(reachBound);
    // Every campaign is large, so all pass partition selection.
    expect(outcome.delivery.rows.map((r) => r[0])).toEqual(exact.map((r) => r[0]));
    outcome.delivery.rows.forEach((row, i) => {
      expect(Math.abs(Number(row[1]) - Number(exact[i]?.[1]))).toBeLessThanOrEqual(5 * reachBound);
      expect(Math.abs(Number(row[2]) - Number(exact[i]?.[2]))).toBeLessThanOrEqual(5 * impBound);
    });
    // Noise was added: all six values exactly right has probability far below 1e-6.
    const same = outcome.delivery.rows.flatMap((row, i) => [Number(row[1]) === Number(exact[i]?.[1]), Number(row[2]) === Number(exact[i]?.[2])]);
    expect(same.every(Boolean)).toBe(false);
    // Cost: two aggregates + partition selection = 3 units of ln(20)/30 each.
    expect(report.epsilon).toBeCloseTo((3 * Math.log(20)) / 30, 9);
    const budget = await budgetReport(workspace, 'dp', 'platform');
    expect(JSON.stringify(budget)).toContain(outcome.id);
    // The log shows the spend to the owner and the noise too to the receiver.
    const ownerEntry = (await queryLogs(workspace.db, 'dp', 'platform')).find((e) => e.id === outcome.id);
    expect(ownerEntry?.privacy?.epsilon).toBeCloseTo(report.epsilon, 12);
    expect(ownerEntry?.privacy?.columns).toBeUndefined();
    const receiverEntry = (await queryLogs(workspace.db, 'dp', 'brand')).find((e) => e.id === outcome.id);
    expect(receiverEntry?.privacy?.columns?.map((c) => c.name)).toEqual(['reach', 'impressions']);
  });

  it('ATTACK (averaging repeated DP queries): the same query again returns the stored answer and spends nothing', async () => {
    const sql = `SELECT i.device_type, COUNT(DISTINCT i.email_address) AS reach FROM impressions i GROUP BY i.device_type ORDER BY i.device_type`;
    const first = await runQuery(workspace, 'dp', 'brand', sql, { dp: { maxGroupsPerUser: 3 } });
    if (first.status !== 'succeeded' || !first.delivery) throw new Error(JSON.stringify(first));
    const spent = (await budgetReport(workspace, 'dp', 'platform')).tables.map((t) => ('spentEpsilon' in t ? t.spentEpsilon : 0));
    for (let i = 0; i < 5; i++) {
      const again = await runQuery(workspace, 'dp', 'brand', `  ${sql}  `, { dp: { maxGroupsPerUser: 3 } });
      if (again.status !== 'succeeded' || !again.delivery) throw new Error(JSON.stringify(again));
      expect(again.delivery.rows).toEqual(first.delivery.rows);
      expect(again.privacy?.reusedFrom).toBe(first.id);
      expect(again.privacy?.epsilon).toBe(0);
    }
    expect((await budgetReport(workspace, 'dp', 'platform')).tables.map((t) => ('spentEpsilon' in t ? t.spentEpsilon : 0))).toEqual(spent);
    // Other contribution bounds are another question: a fresh answer, spending again.
    const other = await runQuery(workspace, 'dp', 'brand', sql, { dp: { maxGroupsPerUser: 2 } });
    expect(other.status === 'succeeded' ? other.privacy?.reusedFrom : 'not run').toBeUndefined();
  });

  it('public group keys: every listed campaign comes back, even one nobody saw, without private selection', async () => {
    const sql = `SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS reach FROM impressions i
                 WHERE i.campaign_id IN ('cmp-001', 'cmp-002', 'cmp-none') GROUP BY i.campaign_id ORDER BY i.campaign_id`;
    const outcome = await runQuery(workspace, 'dp', 'brand', sql, { dp: { maxGroupsPerUser: 2 } });
    if (outcome.status !== 'succeeded' || !outcome.delivery || !outcome.privacy) throw new Error(JSON.stringify(outcome));
    expect(outcome.delivery.rows.map((r) => r[0])).toEqual(['cmp-001', 'cmp-002', 'cmp-none']);
    expect(outcome.privacy.partitionSelection).toBeUndefined();
    // One aggregate, no selection: one unit.
    expect(outcome.privacy.epsilon).toBeCloseTo(Math.log(20) / 30, 9);
    const bound = outcome.privacy.columns[0]?.errorBound95 ?? 0;
    expect(Number(outcome.delivery.rows[2]?.[1])).toBeLessThanOrEqual(5 * bound);
  });

  it('stops when the budget is spent, never overdrawing', async () => {
    let refused = 0;
    let succeeded = 0;
    for (let i = 0; i < 80 && refused === 0; i++) {
      // A different question each time (stored answers would spend nothing).
      const sql = `SELECT COUNT(DISTINCT i.email_address) AS reach FROM impressions i WHERE i.campaign_id <> 'none-${i}'`;
      const o = await runQuery(workspace, 'dp', 'brand', sql);
      if (o.status === 'succeeded') succeeded++;
      else if (o.status === 'refused') {
        expect(o.error.code).toBe('privacy-budget-exhausted');
        refused++;
      } else throw new Error(JSON.stringify(o));
    }
    expect(refused).toBe(1);
    // ε 5 total; before: 3 units (reach + impressions + partition selection), 2 units
    // (reach by device + partition selection) twice (C = 3, then C = 2), 1 unit (public keys);
    // each of these spends 1 unit of ln(20)/30.
    const unit = Math.log(20) / 30;
    expect(succeeded).toBe(Math.floor((5 - 8 * unit) / unit + 1e-9));
  }, 120_000);

  it('noise mode of the aggregation rule: an owner makes aggregation queries on its table differentially private', async () => {
    const noisy = {
      v1: {
        aggregation: {
          aggregateColumns: [{ columnNames: ['email_address'], function: 'COUNT_DISTINCT' }, { columnNames: ['cost'], function: 'SUM' }],
          joinColumns: ['email_address'],
          dimensionColumns: ['campaign_id'],
          scalarFunctions: [],
          outputConstraints: [{ columnName: 'email_address', minimum: 50, type: 'COUNT_DISTINCT' }],
          differentialPrivacy: { columns: [{ name: 'email_address' }], bounds: [{ columnName: 'cost', lower: 0, upper: 0.05 }] },
        },
      },
    };
    const brand = {
      v1: { aggregation: { aggregateColumns: [{ columnNames: ['email_address'], function: 'COUNT_DISTINCT' }], joinColumns: ['email_address'], dimensionColumns: ['state'], scalarFunctions: [], outputConstraints: [{ columnName: 'email_address', minimum: 50, type: 'COUNT_DISTINCT' }] } },
    };
    await createTable(workspace.db, 'platform', 'impressions_noisy', 'impressions', ['email_address', 'campaign_id', 'cost'], noisy);
    await createTable(workspace.db, 'brand', 'customers_agg', 'customers', ['email_address', 'state'], brand);
    await setBudget(workspace, 'platform', 'impressions_noisy', { epsilon: 5, delta: 1e-6, usersNoisePerQuery: 30, refresh: 'none' });
    await createCollaboration(workspace.db, 'brand', 'dp-agg', [
      { member: 'brand', query: true, receive: true },
      { member: 'platform', query: false, receive: false },
    ], true);
    await acceptCollaboration(workspace.db, 'platform', 'dp-agg');
    await associate(workspace.db, 'dp-agg', 'platform', 'impressions_noisy', 'impressions', undefined);
    await associate(workspace.db, 'dp-agg', 'brand', 'customers_agg', 'customers', undefined);
    const sql = `SELECT i.campaign_id, COUNT(DISTINCT i.email_address) AS reach, SUM(i.cost) AS spend
                 FROM impressions i INNER JOIN customers c ON c.email_address = i.email_address GROUP BY i.campaign_id`;
    const outcome = await runQuery(workspace, 'dp-agg', 'brand', sql, { dp: { maxGroupsPerUser: 5, maxRowsPerGroup: 1000 } });
    if (outcome.status !== 'succeeded' || !outcome.delivery || !outcome.privacy) throw new Error(JSON.stringify(outcome));
    // Exact, by hand: distinct customers reached per campaign; cost clamped to [0, 0.05] and kept to 10^-4 per row.
    const exact = (await plain.query(
      `SELECT i.campaign_id, count(DISTINCT i.email_address), sum(round(least(greatest(i.cost, 0), 0.05) * 10000)) / 10000
       FROM ${data.tables.impressions} i JOIN (SELECT DISTINCT email_address FROM ${data.tables.customers}) c ON c.email_address = i.email_address
       GROUP BY 1 ORDER BY 1`,
    )).rows;
    const spend = outcome.privacy.columns.find((c) => c.name === 'spend');
    expect(spend?.bounds).toEqual({ lower: 0, upper: 0.05 });
    const reachBound = outcome.privacy.columns.find((c) => c.name === 'reach')?.errorBound95 ?? 0;
    // Campaigns reach far fewer customers than impressions overall: with C = 5 the selection
    // threshold is in the hundreds, so small campaigns may be withheld; released ones are exact ± noise.
    const threshold = outcome.privacy.partitionSelection?.threshold ?? 0;
    expect(threshold).toBeGreaterThanOrEqual(50);
    expect(outcome.delivery.rows.length).toBeGreaterThan(0);
    for (const row of outcome.delivery.rows) {
      const truth = exact.find((r) => r[0] === row[0]);
      if (truth === undefined) throw new Error(`released a campaign that does not exist: ${String(row[0])}`);
      expect(Math.abs(Number(row[1]) - Number(truth[1]))).toBeLessThanOrEqual(5 * reachBound);
      expect(Math.abs(Number(row[2]) - Number(truth[2]))).toBeLessThanOrEqual(5 * (spend?.errorBound95 ?? 0));
    }
    // A campaign far above the threshold is always released (failure odds below 1e-6).
    for (const truth of exact.filter((r) => Number(r[1]) > threshold + 5 * reachBound)) {
      expect(outcome.delivery.rows.map((r) => r[0])).toContain(truth[0]);
    }
    // An aggregate the owner gave no bounds for is refused, naming what to do.
    const unbounded = await runQuery(workspace, 'dp-agg', 'brand', 'SELECT i.campaign_id, SUM(i.cost) AS s FROM impressions i INNER JOIN customers c ON c.email_address = i.email_address GROUP BY i.campaign_id HAVING SUM(i.cost) > 1');
    expect(unbounded).toMatchObject({ status: 'refused', error: { code: 'dp-not-aggregate' } });
  });
});
